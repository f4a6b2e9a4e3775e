import { fail, type SemanticMap3D, type SemanticMemory2D, type TensorBackend } from '@plaf/core'
import { associateFrame } from './associate.js'
import { FusedPool } from './fused-pool.js'
import type { BackprojectedPoints } from './kernels/backproject.js'
import { overlapCounts } from './kernels/overlap-counts.js'
import { VoteTable } from './kernels/vote-table.js'
import { VoxelGrid } from './kernels/voxel-grid.js'
import { FeaturePool } from './pool.js'
import { grow } from './kernels/grow.js'

/** How masks of different frames become pool rows. */
export type FusionMode = 'none' | 'greedy' | 'voxel-overlap'

/** How a MapBuilder fuses frames. */
export interface MapBuilderOptions {
  /** Voxel edge in metres; keys are round(p / size). */
  voxelSize: number
  /** `none` keeps one row per mask per frame; `greedy` reuses rows by cosine; `voxel-overlap` associates masks through the voxels they land on. Default: `greedy` when poolMergeThreshold is set, else `none`. */
  fusion?: FusionMode
  /** greedy: cosine above which a new pool row reuses an existing one; null keeps every row. */
  poolMergeThreshold: number | null
  /** voxel-overlap: least fraction of a mask's points on an entry's voxels (default 0.3). */
  fusionOverlap?: number
  /** voxel-overlap: least cosine between a mask and an entry (default 0.8). */
  fusionCosine?: number
  /**
   * Also return every frame's mask observations (`LiftedMap3D.masks`): per mask its frame, feature
   * row and the voxels its samples landed on, so that `replay` can later redo the association mask
   * by mask (what `plaf run --shard` stores for `plaf merge`).
   */
  keepMasks?: boolean
  tensor: TensorBackend
}

/**
 * The masks a builder saw, frame by frame, as `replay` takes them back. Mask m (in frame order,
 * within a frame in the order the lifter took them) is feature row m of `features` (M×dim, the
 * frame's 2D memory row as it entered the pool), came from frame `frames[m]` (an index into
 * `frameIds`) and has `sizes[m]` samples. Its samples are the (mask, point, count) triples
 * `pairs[3k]`, `pairs[3k+1]`, `pairs[3k+2]`: `count` samples of mask `mask` (an index into the
 * masks) fell in the map's point `point`. Triples are grouped by frame, in the order the frame's
 * samples first reached each (mask, voxel), so a replay creates the voxels in the same order.
 * `keys` (N×3) are the points' integer voxel keys round(p / voxel size).
 */
export interface MaskObservations {
  frameIds: string[]
  frames: Uint32Array
  sizes: Uint32Array
  features: Float32Array
  pairs: Uint32Array
  keys: Int32Array
}

/** One frame's masks for `MapBuilder.replay`: features m×dim, and samples as (mask, voxel key, count). */
export interface ReplayFrame {
  /** m×dim feature rows, one per mask, in the order the lifter took them. */
  features: Float32Array
  masks: number
  /** Per sample group: local mask index (0 … masks − 1). */
  mask: Uint32Array
  /** Per sample group: integer voxel key (ix, iy, iz). */
  keys: Int32Array
  /** Per sample group: the number of samples. */
  counts: Uint32Array
  space: string
}

/** The lifted map plus what fusion knows per point and per pool row. */
export interface LiftedMap3D extends SemanticMap3D {
  /** N observations per point: the depth samples fused into the voxel. */
  counts: Uint32Array
  /** Per pool row, the masks merged into it (1 per row without fusion). */
  observations: Uint32Array
  /** Every frame's masks, when the builder was asked to keep them (`keepMasks`). */
  masks?: MaskObservations
}

/**
 * Accumulates back-projected frames into a voxel-downsampled point map whose points reference a
 * shared feature pool. Per voxel: the mean position, the mean colour, the number of samples, and
 * the pool ref with the most observations (majority vote, ties to the earliest row). Memory: the
 * voxels, the pool, and one frame's votes; with `greedy` or `voxel-overlap` each voxel keeps a
 * (ref, count) list of the rows that voted for it, which grows with the distinct things seen
 * there, not with the frames.
 */
export class MapBuilder {
  private readonly grid: VoxelGrid
  private readonly votes = new VoteTable()
  private readonly fusion: FusionMode
  private pool: FeaturePool | null = null
  private fused: FusedPool | null = null
  private space: string | null = null
  private masks = 0
  private lastMasks = 0
  private readonly record: MaskRecorder | null

  constructor(private readonly opts: MapBuilderOptions) {
    this.grid = new VoxelGrid(opts.voxelSize)
    this.fusion = opts.fusion ?? (opts.poolMergeThreshold === null ? 'none' : 'greedy')
    this.record = opts.keepMasks ? new MaskRecorder() : null
  }

  /** Number of voxels so far. */
  get points(): number {
    return this.grid.size
  }

  /** Masks that contributed at least one point, over all frames so far (frames × masks before fusion). */
  get masksSeen(): number {
    return this.masks
  }

  /** Fuses one frame's points; `memory` is the frame's 2D memory the point ids index into. */
  async addFrame(points: BackprojectedPoints, memory: SemanticMemory2D, frame?: string): Promise<void> {
    const { positions, colors, ids, count } = points
    await this.fuse({ positions, colors, ids, count, weights: null }, memory.features.data, memory.features.shape, memory.space, frame ? `frame ${frame}` : 'a frame', frame)
  }

  /**
   * Takes back one frame's masks as a builder with `keepMasks` saw them (its `MaskObservations`,
   * frames in the order of the whole sequence): voxels, association and votes are exactly those
   * of `addFrame` on the original frame. Positions and colours are not part of the observations:
   * `addGeometry` adds them afterwards.
   */
  async replay(f: ReplayFrame, where: string): Promise<void> {
    const n = f.mask.length
    const d = f.masks > 0 ? f.features.length / f.masks : 0
    if (f.keys.length !== 3 * n || f.counts.length !== n || !Number.isInteger(d)) fail('PLAF_INPUT_INVALID', `${where}: ${n} sample groups but ${f.keys.length / 3} keys and ${f.counts.length} counts`, { file: where })
    await this.fuse({ positions: f.keys, colors: f.keys, ids: f.mask, count: n, weights: f.counts, keyed: true }, f.features, [f.masks, d], f.space, where)
  }

  /**
   * Adds positions and colours of a partial map whose voxels `replay` has already created: each
   * point's mean position and colour weighted by its observation count. A point outside the
   * replayed voxels is a PLAF_INPUT_INVALID naming `where`.
   */
  addGeometry(positions: Float32Array, colors: Uint8Array, counts: Uint32Array, keys: Int32Array, where: string): void {
    for (let i = 0; i < counts.length; i++) {
      const o = i * 3
      if (!this.grid.addSums(keys[o], keys[o + 1], keys[o + 2], positions[o], positions[o + 1], positions[o + 2], colors[o], colors[o + 1], colors[o + 2], counts[i])) {
        fail('PLAF_INPUT_INVALID', `${where}: point ${i} (voxel ${keys[o]}, ${keys[o + 1]}, ${keys[o + 2]}) was in no replayed mask`, { file: where })
      }
    }
  }

  /**
   * Fuses a whole lifted map (a partial map of some of the scene's frames, e.g. one shard) as if
   * it were one frame: its pool rows are the masks, its points the samples, each weighted by its
   * observation count (`counts`, 1 each when null). The same association rule applies, so
   * partial maps of disjoint frame chunks merge into one map much as the frames would have (each
   * point votes once for its winner with its whole count; `replay` of the partials' masks is exact).
   */
  async addMap(map: SemanticMap3D, counts: Uint32Array | null, where: string): Promise<void> {
    const n = map.refs.length
    const [rows, d] = map.pool.shape
    if (counts && counts.length !== n) fail('PLAF_INPUT_INVALID', `${where}: ${counts.length} observation counts for ${n} points`, { file: where })
    await this.fuse({ positions: map.positions, colors: map.colors, ids: map.refs, count: n, weights: counts }, map.pool.data, [rows, d], map.space, where)
    // A partial map's rows are already fused masks: count what they stood for, not one each.
    this.masks -= this.lastMasks
    this.lastMasks = 0
  }

  /** Adds the masks a partial map's rows stood for (its run's masks_seen) to masksSeen. */
  countMasks(n: number): void {
    this.masks += n
  }

  private async fuse(
    points: { positions: ArrayLike<number>; colors: ArrayLike<number>; ids: ArrayLike<number>; count: number; weights: Uint32Array | null; keyed?: boolean },
    table: Float32Array, shape: readonly [number, number], space: string, where: string, frame?: string,
  ): Promise<void> {
    const [rows, d] = shape
    if (this.space === null) this.space = space
    else if (space !== this.space) {
      fail('PLAF_SPACE_MISMATCH', `${where} is in space "${space}" but earlier ones were in "${this.space}"`, {
        frame, expected: this.space, actual: space,
      })
    }
    const dim = this.pool?.dim ?? this.fused?.dim ?? d
    if (d !== dim) {
      fail('PLAF_INPUT_INVALID', `${where} has ${d}-dimensional features but earlier ones had ${dim}`, {
        frame, expected: String(dim), actual: String(d),
      })
    }
    const { positions: p, colors: c, ids, weights, count } = points
    // Points (or weights) per table row; the rows some point uses are this frame's masks.
    const sizes = new Uint32Array(rows)
    for (let i = 0; i < count; i++) {
      const id = ids[i]
      if (id >= rows) fail('PLAF_INPUT_INVALID', `${where}: id ${id} has no feature row (the table has ${rows} rows)`, { frame })
      sizes[id] += weights ? weights[i] : 1
    }
    const which: number[] = []
    for (let r = 0; r < rows; r++) if (sizes[r]) which.push(r)
    this.masks += which.length
    this.lastMasks = which.length
    const voxel = new Int32Array(count)
    const before = this.grid.size
    for (let i = 0; i < count; i++) {
      const o = i * 3
      voxel[i] = points.keyed
        ? this.grid.addKey(p[o], p[o + 1], p[o + 2], weights ? weights[i] : 1)
        : this.grid.add(p[o], p[o + 1], p[o + 2], c[o], c[o + 1], c[o + 2], weights ? weights[i] : 1)
    }
    if (this.record && !weights) this.record.frame(frame ?? where, table, d, which, ids, voxel, count)
    const refOf = new Uint32Array(rows)
    if (this.fusion === 'voxel-overlap') {
      const pool = (this.fused ??= new FusedPool(d))
      const local = new Uint32Array(rows)
      which.forEach((r, j) => (local[r] = j))
      const mask = new Uint32Array(count)
      for (let i = 0; i < count; i++) mask[i] = local[ids[i]]
      const overlaps = overlapCounts(mask, voxel, count, before, this.votes.leaders(), pool.parent, weights ?? undefined)
      const refs = associateFrame(pool, table, which, Uint32Array.from(which, (r) => sizes[r]), overlaps, {
        minOverlap: this.opts.fusionOverlap ?? 0.3, minCosine: this.opts.fusionCosine ?? 0.8,
      })
      which.forEach((r, j) => (refOf[r] = refs[j]))
    } else {
      this.pool ??= new FeaturePool(d, this.fusion === 'greedy' ? this.opts.poolMergeThreshold : null, this.opts.tensor)
      const refs = await this.pool.add(table, which)
      which.forEach((r, j) => (refOf[r] = refs[j]))
    }
    for (let i = 0; i < count; i++) this.votes.vote(voxel[i], refOf[ids[i]], weights ? weights[i] : 1)
    // Without fusion this frame's refs never recur, so its votes can be folded now.
    if (this.fusion === 'none') this.votes.fold()
  }

  /** The map: one point per voxel, refs compacted to the pool rows some point uses. */
  finish(): LiftedMap3D {
    const n = this.grid.size
    const counts = this.grid.pointCounts()
    const space = this.space ?? ''
    if (this.fused) {
      const fused = this.fused
      const winners = this.votes.rootWinners(n, (r) => fused.root(r))
      const used = new Uint8Array(fused.rows)
      for (let v = 0; v < n; v++) used[winners[v]] = 1
      const { data, rows, remap, observations } = fused.compact(used)
      const refs = new Uint32Array(n)
      for (let v = 0; v < n; v++) refs[v] = remap[winners[v]]
      return { positions: this.grid.positions(), colors: this.grid.colors(), refs, counts, observations, pool: { data, shape: [rows, fused.dim] }, space, ...this.recorded() }
    }
    this.votes.fold()
    const winners = this.votes.winners(n)
    const pool = this.pool
    if (!pool) {
      return { positions: new Float32Array(0), colors: new Uint8Array(0), refs: new Uint32Array(0), counts, observations: new Uint32Array(0), pool: { data: new Float32Array(0), shape: [0, 0] }, space, ...this.recorded() }
    }
    // Background rows of different frames are all zero: keep one (after the vote, so it is unaffected).
    const canon = pool.canonicalRows()
    for (let v = 0; v < n; v++) winners[v] = canon[winners[v]]
    const used = new Uint8Array(pool.rows)
    for (let v = 0; v < n; v++) used[winners[v]] = 1
    const { data, rows, remap } = pool.compact(used)
    const refs = new Uint32Array(n)
    for (let v = 0; v < n; v++) refs[v] = remap[winners[v]]
    // Rows that several masks reused (greedy) or zero rows that were collapsed count each mask once.
    const observations = new Uint32Array(rows)
    for (let r = 0; r < pool.rows; r++) if (remap[canon[r]] >= 0) observations[remap[canon[r]]] += pool.uses(r)
    return { positions: this.grid.positions(), colors: this.grid.colors(), refs, counts, observations, pool: { data, shape: [rows, pool.dim] }, space, ...this.recorded() }
  }

  private recorded(): { masks?: MaskObservations } {
    return this.record ? { masks: this.record.result(this.grid.keyList()) } : {}
  }
}

/** Collects what `keepMasks` returns, frame by frame (typed arrays grown by doubling). */
class MaskRecorder {
  private frameIds: string[] = []
  private frames = new Uint32Array(16)
  private sizes = new Uint32Array(16)
  private features = new Float32Array(16)
  private pairs = new Uint32Array(48)
  private m = 0
  private p = 0
  private d = 0

  /** Records the masks `which` (rows of table, m×d) of one frame and their (mask, voxel) sample groups in first-sample order. */
  frame(id: string, table: Float32Array, d: number, which: readonly number[], ids: ArrayLike<number>, voxel: Int32Array, count: number): void {
    if (which.length === 0) return
    const f = this.frameIds.length
    this.frameIds.push(id)
    this.d = d
    const first = this.m
    const local = new Map<number, number>()
    which.forEach((r, j) => local.set(r, first + j))
    this.m += which.length
    this.frames = grow(this.frames, this.m, Uint32Array)
    this.sizes = grow(this.sizes, this.m, Uint32Array)
    this.features = grow(this.features, this.m * d, Float32Array)
    which.forEach((r, j) => {
      this.frames[first + j] = f
      this.features.set(table.subarray(r * d, r * d + d), (first + j) * d)
    })
    // (mask, voxel) → its triple; Map keeps insertion order, i.e. the order of each group's first sample
    const group = new Map<number, number>()
    for (let i = 0; i < count; i++) {
      const mask = local.get(ids[i])!
      this.sizes[mask]++
      const key = voxel[i] * which.length + (mask - first)
      let k = group.get(key)
      if (k === undefined) {
        k = this.p++
        group.set(key, k)
        this.pairs = grow(this.pairs, this.p * 3, Uint32Array)
        this.pairs[k * 3] = mask
        this.pairs[k * 3 + 1] = voxel[i]
        this.pairs[k * 3 + 2] = 0
      }
      this.pairs[k * 3 + 2]++
    }
  }

  result(keys: Int32Array): MaskObservations {
    return {
      frameIds: this.frameIds, frames: this.frames.slice(0, this.m), sizes: this.sizes.slice(0, this.m),
      features: this.features.slice(0, this.m * this.d), pairs: this.pairs.slice(0, this.p * 3), keys,
    }
  }
}


/** One partial run's mask observations for `replayPartials`: `positions[f]` is frame f's place in the whole sequence. */
export interface PartialObservations {
  masks: MaskObservations
  /** Global position (in the whole frame sequence) of each of `masks.frameIds`. */
  positions: ArrayLike<number>
  space: string
  /** Names the partial in messages (its sidecar file). */
  where: string
}

/**
 * Replays the masks of several partial runs into `builder` in the order of the whole sequence
 * (frames sorted by their global position), so association, votes and pool are those of one run
 * over all frames. Two partials claiming the same position is a PLAF_INPUT_INVALID naming both.
 */
export async function replayPartials(builder: MapBuilder, parts: readonly PartialObservations[], progress?: (done: number, total: number) => void): Promise<void> {
  const dim = parts.find((p) => p.masks.frames.length > 0)
  const d = dim ? dim.masks.features.length / dim.masks.frames.length : 0
  // per partial, the first mask and first triple of each of its frames
  const order: Array<{ pos: number; part: number; frame: number; m0: number; m1: number; k0: number; k1: number }> = []
  for (const [pi, p] of parts.entries()) {
    const { frames, pairs } = p.masks
    const pd = frames.length ? p.masks.features.length / frames.length : d
    if (pd !== d) fail('PLAF_INPUT_INVALID', `${p.where}: ${pd}-dimensional mask features but ${parts[0].where} has ${d}`, { file: p.where, expected: String(d), actual: String(pd) })
    let k = 0
    for (let m = 0; m < frames.length; ) {
      let e = m
      while (e < frames.length && frames[e] === frames[m]) e++
      const k0 = k
      while (k < pairs.length / 3 && pairs[3 * k] < e) {
        if (pairs[3 * k] < m) fail('PLAF_INPUT_INVALID', `${p.where}: sample group ${k} is for mask ${pairs[3 * k]}, out of frame order`, { file: p.where })
        k++
      }
      order.push({ pos: p.positions[frames[m]], part: pi, frame: frames[m], m0: m, m1: e, k0, k1: k })
      m = e
    }
    if (k !== pairs.length / 3) fail('PLAF_INPUT_INVALID', `${p.where}: sample group ${k} is for mask ${pairs[3 * k]}, beyond the ${frames.length} masks`, { file: p.where })
  }
  order.sort((a, b) => a.pos - b.pos || a.part - b.part)
  for (let i = 1; i < order.length; i++) {
    const [a, b] = [order[i - 1], order[i]]
    if (a.pos === b.pos) fail('PLAF_INPUT_INVALID', `frame position ${b.pos} is in ${parts[a.part].where} and ${parts[b.part].where === parts[a.part].where ? 'again in the same file' : parts[b.part].where}`, { file: parts[b.part].where })
  }
  for (const [i, f] of order.entries()) {
    const p = parts[f.part]
    const { pairs, keys, features, sizes } = p.masks
    const n = f.k1 - f.k0
    const mask = new Uint32Array(n)
    const key = new Int32Array(3 * n)
    const counts = new Uint32Array(n)
    const total = new Uint32Array(f.m1 - f.m0)
    for (let j = 0; j < n; j++) {
      const o = 3 * (f.k0 + j)
      const pt = pairs[o + 1]
      if (3 * pt + 2 >= keys.length) fail('PLAF_INPUT_INVALID', `${p.where}: sample group ${f.k0 + j} is for point ${pt} but there are ${keys.length / 3} voxel keys`, { file: p.where })
      mask[j] = pairs[o] - f.m0
      key.set(keys.subarray(3 * pt, 3 * pt + 3), 3 * j)
      counts[j] = pairs[o + 2]
      total[mask[j]] += counts[j]
    }
    for (let m = f.m0; m < f.m1; m++) {
      if (total[m - f.m0] !== sizes[m]) fail('PLAF_INPUT_INVALID', `${p.where}: mask ${m} has ${sizes[m]} samples but its sample groups hold ${total[m - f.m0]}`, { file: p.where })
    }
    await builder.replay({ features: features.subarray(f.m0 * d, f.m1 * d), masks: f.m1 - f.m0, mask, keys: key, counts, space: p.space }, `${p.where} (frame ${p.masks.frameIds[f.frame] ?? f.frame})`)
    progress?.(i + 1, order.length)
  }
}
