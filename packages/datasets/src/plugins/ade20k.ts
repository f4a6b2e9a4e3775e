import { isAbsolute, resolve } from 'node:path'
import { defineInput, type PluginNote } from '@plaf/core'
import { openAde20kSource, type Ade20kReadOptions, type Ade20kSource } from '../ade20k/source.js'
import type { Ade20kSplit } from '../ade20k/reader.js'
import { DATASETS_VERSION } from '../version.js'
import { checkByOpening } from './check-by-opening.js'

/** Options of the `ade20k` input (the `with:` block). */
export interface Ade20kOptions {
  root: string
  split: Ade20kSplit
  frame_step: number
  frame_range: [number, number] | null
  max_frames: number | null
}

const absolute = (o: Ade20kOptions, baseDir: string): Ade20kReadOptions => ({ ...o, root: isAbsolute(o.root) ? o.root : resolve(baseDir, o.root) })

/**
 * `ade20k`: ADEChallengeData2016 (SceneParse150) images with their annotations as labels, for
 * the linear probe. Frames have no depth, no intrinsics and a null pose, so stages that lift or
 * project skip every one of them, counted; a probe or 2D stage uses them.
 */
export const ade20kInput = defineInput<Ade20kOptions>({
  name: 'ade20k',
  kind: 'input',
  version: DATASETS_VERSION,
  package: '@plaf/datasets',
  description: 'ADE20K (ADEChallengeData2016): images with 8-bit annotations as labels (0 = ignore, 1…150 the SceneParse150 classes); no depth, no camera, pose null.',
  options: {
    type: 'object', additionalProperties: false, required: ['root'],
    properties: {
      root: { type: 'string', format: 'path', minLength: 1, description: 'The ADEChallengeData2016 folder (images/, annotations/); a relative path resolves against the file that sets it.' },
      split: { type: 'string', enum: ['training', 'validation'], default: 'validation', description: 'Which split to read: training (20,210 images) or validation (2,000).' },
      frame_step: { type: 'integer', minimum: 1, default: 1, description: 'Use every n-th image of the split in file-name order.' },
      frame_range: {
        type: ['array', 'null'], items: { type: 'integer', minimum: 0 }, minItems: 2, maxItems: 2, default: null,
        description: 'Only images whose position in file-name order is in [start, end); null = all.',
      },
      max_frames: { type: ['integer', 'null'], minimum: 1, default: null, description: 'Stop after this many images (after frame_range and frame_step); null = all.' },
    },
  },
  outputs: { frame: 'Frame' },
  // images without a camera: no depth, no pose (a pipeline that lifts is refused at validate)
  provides: [],
  check: (options, ctx): PluginNote[] => checkByOpening(() => openAde20kSource(absolute(options, ctx.baseDir)), 'root'),
  async create(options, ctx): Promise<Ade20kSource> {
    return openAde20kSource(absolute(options, ctx.baseDir))
  },
})
