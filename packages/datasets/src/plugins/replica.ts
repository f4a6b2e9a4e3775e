import { isAbsolute, resolve } from 'node:path'
import { defineInput, type PluginNote } from '@plaf/core'
import type { PoseAxes, PoseDirection } from '../frames/pose.js'
import { POSE_CONVENTION_SCHEMA, SELECTION_SCHEMA } from '../frames/select.js'
import type { DatasetSource } from '../frames/source.js'
import { openReplicaSequence, type ReplicaReadOptions } from '../replica/reader.js'
import { DATASETS_VERSION } from '../version.js'
import { checkByOpening } from './check-by-opening.js'

/** Options of the `replica` input (the `with:` block). */
export interface ReplicaOptions {
  sequence: string
  frame_step: number
  frame_range: [number, number] | null
  max_frames: number | null
  pose_axes: PoseAxes
  pose_direction: PoseDirection
}

const absolute = (o: ReplicaOptions, baseDir: string): ReplicaReadOptions => ({ ...o, sequence: isAbsolute(o.sequence) ? o.sequence : resolve(baseDir, o.sequence) })

/** `replica`: a Replica sequence in the NICE-SLAM layout (results/, traj.txt, cam_params.json). */
export const replicaInput = defineInput<ReplicaOptions>({
  name: 'replica',
  kind: 'input',
  version: DATASETS_VERSION,
  package: '@plaf/datasets',
  description: 'Replica sequence as NICE-SLAM ships it: results/frame*.jpg, depth*.png (6553.5 per metre), traj.txt, cam_params.json.',
  options: {
    type: 'object', additionalProperties: false, required: ['sequence'],
    properties: {
      sequence: { type: 'string', format: 'path', minLength: 1, description: 'The scene folder (Replica/room0: results/, traj.txt; cam_params.json here or one level up); a relative path resolves against the file that sets it.' },
      ...SELECTION_SCHEMA,
      ...POSE_CONVENTION_SCHEMA,
    },
  },
  outputs: { frame: 'Frame' },
  provides: ['depth', 'pose'],
  check: (options, ctx): PluginNote[] => checkByOpening(() => openReplicaSequence(absolute(options, ctx.baseDir), () => {}), 'sequence'),
  async create(options, ctx): Promise<DatasetSource> {
    return openReplicaSequence(absolute(options, ctx.baseDir), (note) => ctx.warn(note))
  },
})
