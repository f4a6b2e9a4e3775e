import { fail, type SemanticMap3D, type SemanticMemory2D, type TensorBackend } from '@plaf/core'
import type { BackprojectedPoints } from './kernels/backproject.js'
import { VoteTable } from './kernels/vote-table.js'
import { VoxelGrid } from './kernels/voxel-grid.js'
import { FeaturePool } from './pool.js'

/** How a MapBuilder fuses frames. */
export interface MapBuilderOptions {
  /** Voxel edge in metres; keys are round(p / size). */
  voxelSize: number
  /** Cosine above which a new pool row reuses an existing one; null keeps every row. */
  poolMergeThreshold: number | null
  tensor: TensorBackend
}

/**
 * Accumulates back-projected frames into a voxel-downsampled point map whose points reference a
 * shared feature pool. Per voxel: the mean position, the mean colour, and the pool ref with the
 * most observations (majority vote, ties to the earliest row). Memory: the voxels, the pool, and
 * one frame's votes (all votes when pool merging is on).
 */
export class MapBuilder {
  private readonly grid: VoxelGrid
  private readonly votes = new VoteTable()
  private pool: FeaturePool | null = null
  private space: string | null = null

  constructor(private readonly opts: MapBuilderOptions) {
    this.grid = new VoxelGrid(opts.voxelSize)
  }

  /** Number of voxels so far. */
  get points(): number {
    return this.grid.size
  }

  /** Fuses one frame's points; `memory` is the frame's 2D memory the point ids index into. */
  async addFrame(points: BackprojectedPoints, memory: SemanticMemory2D, frame?: string): Promise<void> {
    const [rows, d] = memory.features.shape
    if (this.space === null) this.space = memory.space
    else if (memory.space !== this.space) {
      fail('PLAF_SPACE_MISMATCH', `frame memory is in space "${memory.space}" but earlier frames were in "${this.space}"`, {
        frame, expected: this.space, actual: memory.space,
      })
    }
    this.pool ??= new FeaturePool(d, this.opts.poolMergeThreshold, this.opts.tensor)
    if (d !== this.pool.dim) {
      fail('PLAF_INPUT_INVALID', `frame memory has ${d}-dimensional features but earlier frames had ${this.pool.dim}`, {
        frame, expected: String(this.pool.dim), actual: String(d),
      })
    }
    const used = new Uint8Array(rows)
    for (let i = 0; i < points.count; i++) {
      const id = points.ids[i]
      if (id >= rows) fail('PLAF_INPUT_INVALID', `mask id ${id} has no feature row (the table has ${rows} rows)`, { frame })
      used[id] = 1
    }
    const which: number[] = []
    for (let r = 0; r < rows; r++) if (used[r]) which.push(r)
    const refs = await this.pool.add(memory.features.data, which)
    const refOf = new Uint32Array(rows)
    which.forEach((r, j) => (refOf[r] = refs[j]))
    const { positions: p, colors: c, ids } = points
    for (let i = 0; i < points.count; i++) {
      const o = i * 3
      const v = this.grid.add(p[o], p[o + 1], p[o + 2], c[o], c[o + 1], c[o + 2])
      this.votes.vote(v, refOf[ids[i]])
    }
    // Without merging this frame's refs never recur, so its votes can be folded now.
    if (this.opts.poolMergeThreshold === null) this.votes.fold()
  }

  /** The map: one point per voxel, refs compacted to the pool rows some point uses. */
  finish(): SemanticMap3D {
    this.votes.fold()
    const n = this.grid.size
    const winners = this.votes.winners(n)
    const pool = this.pool
    if (!pool) return { positions: new Float32Array(0), colors: new Uint8Array(0), refs: new Uint32Array(0), pool: { data: new Float32Array(0), shape: [0, 0] }, space: this.space ?? '' }
    // Background rows of different frames are all zero: keep one (after the vote, so it is unaffected).
    const canon = pool.canonicalRows()
    for (let v = 0; v < n; v++) winners[v] = canon[winners[v]]
    const used = new Uint8Array(pool.rows)
    for (let v = 0; v < n; v++) used[winners[v]] = 1
    const { data, rows, remap } = pool.compact(used)
    const refs = new Uint32Array(n)
    for (let v = 0; v < n; v++) refs[v] = remap[winners[v]]
    return { positions: this.grid.positions(), colors: this.grid.colors(), refs, pool: { data, shape: [rows, pool.dim] }, space: this.space ?? '' }
  }
}
