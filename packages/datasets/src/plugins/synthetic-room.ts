import { createHash } from 'node:crypto'
import { PlafError, defineInput, type InputSource } from '@plaf/core'
import { SYNTHETIC_OPTIONS_SCHEMA, checkSyntheticOptions, type SyntheticOptions } from '../synthetic/options.js'
import { createRenderer, toFramePort } from '../synthetic/render.js'
import { generateRoom, type SyntheticScene } from '../synthetic/room.js'
import { DATASETS_VERSION, GENERATOR_VERSION } from '../version.js'

/** A synthetic-room source; `scene` exposes the generated primitives and cameras (ground truth). */
export interface SyntheticRoomSource extends InputSource {
  scene: SyntheticScene
}

/** Content identity of a synthetic scene: sha256 of the generator version and the resolved options. */
export function syntheticIdentity(options: SyntheticOptions): string {
  const canonical = JSON.stringify(Object.keys(options).sort().map((k) => [k, options[k as keyof SyntheticOptions]]))
  return createHash('sha256').update(`plaf-synthetic-room\0generator ${GENERATOR_VERSION}\0${canonical}`).digest('hex')
}

/**
 * `synthetic-room`: renders a procedural ScanNet-like room in memory (no files): colour at
 * colour size, z-depth in metres (millimetre-quantised, as the PNGs would hold it), camera-to-world
 * pose (null for invalid_pose_frames), both intrinsics and raw ScanNet label ids.
 */
export const syntheticRoomInput = defineInput<SyntheticOptions>({
  name: 'synthetic-room',
  kind: 'input',
  version: DATASETS_VERSION,
  package: '@plaf/datasets',
  description: 'Procedural ScanNet-like room (coloured boxes, labelled), rendered in memory by analytic ray casting.',
  options: SYNTHETIC_OPTIONS_SCHEMA,
  outputs: { frame: 'Frame' },
  provides: ['depth', 'pose'],
  // What the schema cannot say (invalid_pose_frames below frames, objects that fit the room),
  // checked at validation: laying out the room is cheap, only rendering is not.
  check(options) {
    try {
      generateRoom(checkSyntheticOptions(options, 'synthetic-room'))
      return []
    } catch (e) {
      if (e instanceof PlafError) return e.diagnostics
      throw e
    }
  },
  async create(options): Promise<SyntheticRoomSource> {
    // Options arrive validated with defaults filled in; only the cross-field rule is left to check.
    const opts = checkSyntheticOptions(options, 'synthetic-room')
    const scene = generateRoom(opts)
    const renderer = createRenderer(scene)
    return {
      scene,
      identity: syntheticIdentity(opts),
      describe: `synthetic room ${opts.room_size.join('×')} m, seed ${opts.seed}, ${opts.objects} objects, ${opts.frames} frames`,
      frameCount: opts.frames,
      async *frames(from = 0) {
        for (let i = from; i < opts.frames; i++) yield toFramePort(scene, renderer.render(i))
      },
    }
  },
})
