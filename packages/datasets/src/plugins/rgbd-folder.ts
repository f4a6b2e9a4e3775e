import { isAbsolute, resolve } from 'node:path'
import { defineInput, type PluginNote } from '@plaf/core'
import type { PoseAxes, PoseDirection } from '../frames/pose.js'
import { POSE_CONVENTION_SCHEMA, SELECTION_SCHEMA } from '../frames/select.js'
import type { DatasetSource } from '../frames/source.js'
import { openRgbdFolder, type RgbdFolderReadOptions } from '../rgbd-folder/reader.js'
import { DATASETS_VERSION } from '../version.js'
import { checkByOpening } from './check-by-opening.js'

/** Options of the `rgbd-folder` input (the `with:` block). */
export interface RgbdFolderOptions {
  folder: string
  frame_step: number
  frame_range: [number, number] | null
  max_frames: number | null
  pose_axes: PoseAxes
  pose_direction: PoseDirection
  max_time_diff: number
}

const absolute = (o: RgbdFolderOptions, baseDir: string): RgbdFolderReadOptions => ({ ...o, folder: isAbsolute(o.folder) ? o.folder : resolve(baseDir, o.folder) })

/**
 * `rgbd-folder`: a user's own RGB-D recording in the documented layout (intrinsics.json,
 * color/, depth/ as 16-bit PNG with a stated scale or float32 .npy, and pose/<stem>.txt or a
 * TUM-style trajectory.txt). Pose conventions other than camera-to-world OpenCV are options.
 */
export const rgbdFolderInput = defineInput<RgbdFolderOptions>({
  name: 'rgbd-folder',
  kind: 'input',
  version: DATASETS_VERSION,
  package: '@plaf/datasets',
  description: 'Your own RGB-D recording: intrinsics.json, color/, depth/ (16-bit PNG or float32 .npy), pose/ or trajectory.txt.',
  options: {
    type: 'object', additionalProperties: false, required: ['folder'],
    properties: {
      folder: { type: 'string', format: 'path', minLength: 1, description: 'The recording folder (intrinsics.json, color/, depth/, pose/ or trajectory.txt); a relative path resolves against the file that sets it.' },
      ...SELECTION_SCHEMA,
      ...POSE_CONVENTION_SCHEMA,
      max_time_diff: { type: 'number', exclusiveMinimum: 0, default: 0.02, description: 'With trajectory.txt: the largest gap in seconds between an image timestamp and its pose (TUM associate.py uses 0.02).' },
    },
  },
  outputs: { frame: 'Frame' },
  provides: ['depth', 'pose'],
  check: (options, ctx): PluginNote[] => checkByOpening(() => openRgbdFolder(absolute(options, ctx.baseDir), () => {}), 'folder'),
  async create(options, ctx): Promise<DatasetSource> {
    return openRgbdFolder(absolute(options, ctx.baseDir), (note) => ctx.warn(note))
  },
})
