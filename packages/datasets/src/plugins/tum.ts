import { isAbsolute, resolve } from 'node:path'
import { defineInput, type PluginNote } from '@plaf/core'
import type { PoseAxes, PoseDirection } from '../frames/pose.js'
import { POSE_CONVENTION_SCHEMA, SELECTION_SCHEMA } from '../frames/select.js'
import type { DatasetSource } from '../frames/source.js'
import { openTumSequence, type TumCamera, type TumReadOptions } from '../tum/reader.js'
import { DATASETS_VERSION } from '../version.js'
import { checkByOpening } from './check-by-opening.js'

/** Options of the `tum` input (the `with:` block). */
export interface TumOptions {
  sequence: string
  frame_step: number
  frame_range: [number, number] | null
  max_frames: number | null
  camera: TumCamera | 'auto'
  undistort: boolean
  max_time_diff: number
  pose_axes: PoseAxes
  pose_direction: PoseDirection
}

const absolute = (o: TumOptions, baseDir: string): TumReadOptions => ({ ...o, sequence: isAbsolute(o.sequence) ? o.sequence : resolve(baseDir, o.sequence) })

/** `tum`: a TUM RGB-D sequence read directly (rgb.txt, depth.txt, groundtruth.txt, timestamp association). */
export const tumInput = defineInput<TumOptions>({
  name: 'tum',
  kind: 'input',
  version: DATASETS_VERSION,
  package: '@plaf/datasets',
  description: 'TUM RGB-D sequence: rgb.txt, depth.txt (5000 per metre), groundtruth.txt quaternion poses, associated by timestamp.',
  options: {
    type: 'object', additionalProperties: false, required: ['sequence'],
    properties: {
      sequence: { type: 'string', format: 'path', minLength: 1, description: 'The sequence folder (rgbd_dataset_freiburg1_xyz: rgb.txt, depth.txt, groundtruth.txt); a relative path resolves against the file that sets it.' },
      ...SELECTION_SCHEMA,
      camera: { type: 'string', enum: ['auto', 'freiburg1', 'freiburg2', 'freiburg3', 'ros-default'], default: 'auto', description: 'Camera intrinsics: auto = freiburgN from the folder name; ros-default = fx fy 525, cx 319.5, cy 239.5.' },
      undistort: { type: 'boolean', default: true, description: 'Undistort freiburg1 and freiburg2 frames with the published lens distortion (colour bilinear, depth nearest-neighbour; the camera matrix is kept). false keeps them as recorded, with a warning. freiburg3 and ros-default have none.' },
      max_time_diff: { type: 'number', exclusiveMinimum: 0, default: 0.02, description: 'Largest gap in seconds between a colour image and its depth image or pose (TUM associate.py uses 0.02).' },
      ...POSE_CONVENTION_SCHEMA,
    },
  },
  outputs: { frame: 'Frame' },
  provides: ['depth', 'pose'],
  check: (options, ctx): PluginNote[] => checkByOpening(() => openTumSequence(absolute(options, ctx.baseDir), () => {}), 'sequence', (d) => (d.path === 'camera' ? 'camera' : 'sequence')),
  async create(options, ctx): Promise<DatasetSource> {
    return openTumSequence(absolute(options, ctx.baseDir), (note) => ctx.warn(note))
  },
})
