import { defineStage, fail, poseFault, type Frame, type OptionsSchema, type PluginNote } from '@plaf/core'
import { backproject } from './kernels/backproject.js'
import { MapBuilder, type FusionMode } from './map-builder.js'
import { VERSION } from './version.js'

/** Options of the `backproject` lifter (the YAML `with:` block). */
export interface BackprojectLifterOptions {
  stride: number
  min_depth: number
  max_depth: number
  max_depth_jump: number
  voxel_size: number
  keep_background: boolean
  fusion: FusionMode
  pool_merge_threshold: number | null
  fusion_overlap: number
  fusion_cosine: number
}

/**
 * Set (to true) on the options object `create` receives to have the map carry every frame's mask
 * observations (`LiftedMap3D.masks`, MapBuilder's `keepMasks`). Not a YAML option: `plaf run
 * --shard` sets it so that `plaf merge` can replay the association mask by mask (`MapBuilder.replay`).
 */
export const KEEP_MASKS: unique symbol = Symbol.for('@plaf/lifter.keep-masks')

const options: OptionsSchema<BackprojectLifterOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    stride: { type: 'integer', minimum: 1, default: 1, description: 'Use every stride-th depth pixel in each direction (the official script uses 4).' },
    min_depth: { type: 'number', minimum: 0, default: 0.1, description: 'Depths at or below this (metres) are dropped.' },
    max_depth: { type: 'number', exclusiveMinimum: 0, default: 6.0, description: 'Depths at or above this (metres) are dropped (the official script uses 5).' },
    max_depth_jump: {
      type: 'number', minimum: 0, default: 0.05,
      description: 'Drop pixels on a depth discontinuity: a 4-neighbour depth differing by more than this fraction of the pixel depth (0 = off, as the official script). A one-pixel mask error there would label the background metres behind an object.',
    },
    voxel_size: { type: 'number', exclusiveMinimum: 0, default: 0.02, description: 'Voxel edge in metres; one point per voxel, keyed by round(p / voxel_size) in world coordinates.' },
    keep_background: { type: 'boolean', default: false, description: 'Keep depth pixels no mask covers (id 0); they reference a zero feature row.' },
    fusion: {
      type: 'string', enum: ['none', 'greedy', 'voxel-overlap'], default: 'none',
      description: 'How masks of different frames share pool rows: none (one row per mask per frame), greedy (reuse a row by cosine > pool_merge_threshold), voxel-overlap (match a mask to the entries leading the voxels its points land on, if fusion_overlap and fusion_cosine hold; merge by running mean).',
    },
    pool_merge_threshold: {
      type: ['number', 'null'], minimum: -1, maximum: 1, default: null,
      description: 'fusion: greedy only (required there, e.g. 0.95): a new pool row whose cosine to an existing row exceeds this reuses that row.',
    },
    fusion_overlap: {
      type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.3,
      description: 'fusion: voxel-overlap: least fraction of a mask\'s points that must land in voxels an existing entry leads for the mask to match it.',
    },
    fusion_cosine: {
      type: 'number', minimum: -1, maximum: 1, default: 0.8,
      description: 'fusion: voxel-overlap: least cosine between a mask\'s feature and an entry\'s mean feature for the mask to match it.',
    },
  },
}

/**
 * The cross-option rules of `backproject` the schema does not express: min_depth below max_depth,
 * and pool_merge_threshold exactly when fusion is greedy. One PLAF_INVALID_OPTION note per broken
 * rule, its `path` the option inside `with:` (the plugin's validate-time `check`; `create` throws
 * the first for API callers).
 */
export function backprojectOptionProblems(o: BackprojectLifterOptions): PluginNote[] {
  const out: PluginNote[] = []
  if (o.min_depth >= o.max_depth) {
    out.push({ code: 'PLAF_INVALID_OPTION', message: `min_depth (${o.min_depth}) must be below max_depth (${o.max_depth})`, path: 'min_depth', expected: `< ${o.max_depth}`, actual: String(o.min_depth) })
  }
  if (o.fusion === 'greedy' && o.pool_merge_threshold === null) {
    // at fusion: the value that needs the missing option (pool_merge_threshold has no line)
    out.push({
      code: 'PLAF_INVALID_OPTION', message: 'fusion: greedy needs pool_merge_threshold (a cosine, e.g. 0.95)', path: 'fusion',
      expected: 'pool_merge_threshold: a number in [-1, 1]', actual: 'pool_merge_threshold null', hint: 'set pool_merge_threshold, or use fusion: voxel-overlap',
    })
  } else if (o.fusion !== 'greedy' && o.pool_merge_threshold !== null) {
    out.push({
      code: 'PLAF_INVALID_OPTION', message: `pool_merge_threshold applies to fusion: greedy, but fusion is ${o.fusion}`, path: 'pool_merge_threshold',
      expected: 'fusion: greedy', actual: `fusion ${o.fusion}`, hint: 'set fusion: greedy, or remove pool_merge_threshold',
    })
  }
  return out
}

/** Why a frame cannot be lifted, or null. */
function skipReason(frame: Frame): string | null {
  if (!frame.pose) return 'it has no valid camera pose'
  if (!frame.pose.every(Number.isFinite)) return 'its camera pose has non-finite entries'
  const rigid = poseFault(frame.pose)
  if (rigid) return `its camera pose is ${rigid}`
  if (!frame.depth || !frame.depthIntrinsics) return 'it has no depth image'
  return null
}

/**
 * Refuses a depth image whose size is not the one its intrinsics are for: back-projecting it with
 * them would put every point in the wrong place, silently.
 */
function checkDepthSize(frame: Frame): void {
  const [H, W] = frame.depth!.shape
  const k = frame.depthIntrinsics!
  if (k.width === W && k.height === H) return
  const actual = `${W}×${H}`, expected = `${k.width}×${k.height}`
  fail('PLAF_INPUT_INVALID', `frame ${frame.id}: depth image is ${actual} but its intrinsics are for ${expected}; back-projecting it with them would misplace every point`, {
    frame: frame.id, expected: `a ${expected} depth image (as its intrinsics)`, actual,
    hint: 'the input plugin must scale the intrinsics with the image (or resize the depth to the intrinsics\' size)',
  })
}

/** Why a frame gave no point (called only then): no valid depth, none in range, or none kept. */
function noPointReason(depth: Float32Array, W: number, H: number, o: BackprojectLifterOptions): string {
  const lo = Math.fround(o.min_depth), hi = Math.fround(o.max_depth)
  let valid = 0, inRange = 0
  for (let v = 0; v < H; v += o.stride) {
    for (let u = 0; u < W; u += o.stride) {
      const d = depth[v * W + u]
      if (!(d > 0 && d < Infinity)) continue
      valid++
      if (d > lo && d < hi) inRange++
    }
  }
  const range = `(min_depth, max_depth) = (${o.min_depth}, ${o.max_depth}) m`
  if (valid === 0) return 'depth has no valid pixel (all zero)'
  if (inRange === 0) return `depth has no valid pixel within ${range}: all ${valid} measured pixels lie outside it`
  const background = o.keep_background ? '' : 'no mask covers them (keep_background: true keeps them) or '
  return `none of its ${inRange} depth pixels within ${range} became a point: ${background}they lie on depth discontinuities (max_depth_jump ${o.max_depth_jump})`
}

/**
 * `backproject`: lifts every frame's 2D memory into one scene map. Depth pixels become world
 * points (pinhole + camera-to-world pose), take the mask id of the pixel-centre-mapped id-map
 * pixel, and are voxel-downsampled; each voxel references the feature-pool row that most of its
 * observations referenced.
 */
export const backprojectLifter = defineStage<
  BackprojectLifterOptions,
  { frame: 'Frame'; memory: 'SemanticMemory2D' },
  { map: 'SemanticMap3D' }
>({
  name: 'backproject',
  kind: 'lifter',
  version: VERSION,
  package: '@plaf/lifter',
  description: 'Back-projects depth with the camera pose into a voxel-downsampled point map whose points reference a shared feature pool.',
  options,
  inputs: { frame: 'Frame', memory: 'SemanticMemory2D' },
  outputs: { map: 'SemanticMap3D' },
  requires: ['depth', 'pose'],
  check: (o) => backprojectOptionProblems(o),
  async create(opts, ctx) {
    const problem = backprojectOptionProblems(opts)[0]
    if (problem) fail(problem.code, problem.message, problem)
    const builder = new MapBuilder({
      voxelSize: opts.voxel_size, fusion: opts.fusion, poolMergeThreshold: opts.pool_merge_threshold,
      fusionOverlap: opts.fusion_overlap, fusionCosine: opts.fusion_cosine, tensor: ctx.tensor,
      keepMasks: (opts as BackprojectLifterOptions & { [KEEP_MASKS]?: boolean })[KEEP_MASKS] === true,
    })
    return {
      async run({ frame, memory }, rc) {
        const why = skipReason(frame)
        if (why) {
          rc.warn({ code: 'PLAF_FRAME_SKIPPED', severity: 'warning', message: `frame ${frame.id} not lifted: ${why}`, frame: frame.id })
          rc.metric('frames_skipped', 1)
          return {}
        }
        checkDepthSize(frame)
        const depth = frame.depth!
        const k = frame.depthIntrinsics!
        const [H, W] = depth.shape
        const [ih, iw] = memory.ids.shape
        const [ch, cw] = frame.rgb.shape
        const points = backproject(
          { depth: depth.data, width: W, height: H, fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy, pose: frame.pose! },
          { ids: memory.ids.data, idsWidth: iw, idsHeight: ih, rgb: frame.rgb.data, rgbWidth: cw, rgbHeight: ch },
          { stride: opts.stride, minDepth: opts.min_depth, maxDepth: opts.max_depth, keepBackground: opts.keep_background, maxDepthJump: opts.max_depth_jump },
        )
        if (points.count === 0) {
          rc.warn({ code: 'PLAF_FRAME_SKIPPED', severity: 'warning', message: `frame ${frame.id} not lifted: ${noPointReason(depth.data, W, H, opts)}`, frame: frame.id })
          rc.metric('frames_skipped', 1)
          return {}
        }
        await builder.addFrame(points, memory, frame.id)
        rc.metric('frames_used', 1)
        return {}
      },
      finish(_inputs, rc) {
        const map = builder.finish()
        if (map.refs.length === 0) ctx.log('backproject: no frame contributed a point; the map is empty')
        rc.metric('points', map.refs.length)
        rc.metric('pool_rows', map.pool.shape[0])
        rc.metric('masks_seen', builder.masksSeen)
        return { map }
      },
    }
  },
})
