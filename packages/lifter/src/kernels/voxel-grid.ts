import { grow } from './grow.js'

const EMPTY = -1

/**
 * A sparse voxel grid with world-anchored keys round(p / size): an open-addressing hash map
 * (linear probing, power-of-two table, ≤ 50 % load) from integer triples to dense voxel indices,
 * plus per-voxel sums of positions and colours. Typed arrays only; no per-point objects.
 * Voxel indices are assigned in first-seen order, so the output order is deterministic.
 */
export class VoxelGrid {
  /** Number of voxels. */
  size = 0
  private table = new Int32Array(1024).fill(EMPTY)
  private keys = new Int32Array(3 * 16)
  private sums = new Float64Array(3 * 16)
  private colorSums = new Uint32Array(3 * 16)
  private counts = new Uint32Array(16)

  constructor(readonly voxelSize: number) {}

  /**
   * Adds one point (metres) with its colour; returns the index of its voxel. With weight w the
   * point stands for w samples at that position and colour (a voxel of a partial map, whose
   * position and colour are already means), so the voxel's mean stays the mean over all samples.
   */
  add(x: number, y: number, z: number, r: number, g: number, b: number, w = 1): number {
    const s = this.voxelSize
    const v = this.index(Math.round(x / s), Math.round(y / s), Math.round(z / s))
    this.accumulate(v, x, y, z, r, g, b, w)
    this.counts[v] += w
    return v
  }

  /** Adds w samples to the voxel of integer key (ix, iy, iz), without position or colour (`addSums` adds those); returns its index. */
  addKey(ix: number, iy: number, iz: number, w: number): number {
    const v = this.index(ix, iy, iz)
    this.counts[v] += w
    return v
  }

  /** Adds w samples' worth of position and colour to the existing voxel (ix, iy, iz), not to its count; false when there is no such voxel. */
  addSums(ix: number, iy: number, iz: number, x: number, y: number, z: number, r: number, g: number, b: number, w: number): boolean {
    const v = this.find(ix, iy, iz)
    if (v < 0) return false
    this.accumulate(v, x, y, z, r, g, b, w)
    return true
  }

  /** Adds w samples' worth of position and colour to voxel v's sums (not its count). */
  private accumulate(v: number, x: number, y: number, z: number, r: number, g: number, b: number, w: number): void {
    const o = v * 3
    this.sums[o] += w * x
    this.sums[o + 1] += w * y
    this.sums[o + 2] += w * z
    this.colorSums[o] += w * r
    this.colorSums[o + 1] += w * g
    this.colorSums[o + 2] += w * b
  }

  /** Integer keys of the voxels, N×3 (a copy). */
  keyList(): Int32Array {
    return this.keys.slice(0, this.size * 3)
  }

  /** Voxel index of an integer key, or -1. */
  find(ix: number, iy: number, iz: number): number {
    const mask = this.table.length - 1
    for (let h = hash(ix, iy, iz) & mask; ; h = (h + 1) & mask) {
      const v = this.table[h]
      if (v === EMPTY) return -1
      const o = v * 3
      if (this.keys[o] === ix && this.keys[o + 1] === iy && this.keys[o + 2] === iz) return v
    }
  }

  /** Voxel index of an integer key, inserting the voxel when it is new. */
  index(ix: number, iy: number, iz: number): number {
    const mask = this.table.length - 1
    let h = hash(ix, iy, iz) & mask
    for (;;) {
      const v = this.table[h]
      if (v === EMPTY) return this.insert(h, ix, iy, iz)
      const o = v * 3
      if (this.keys[o] === ix && this.keys[o + 1] === iy && this.keys[o + 2] === iz) return v
      h = (h + 1) & mask
    }
  }

  /** Mean position of each voxel, N×3 float32. */
  positions(): Float32Array {
    const out = new Float32Array(this.size * 3)
    for (let v = 0; v < this.size; v++) for (let k = 0; k < 3; k++) out[v * 3 + k] = this.sums[v * 3 + k] / this.counts[v]
    return out
  }

  /** Mean colour of each voxel, N×3 uint8 (rounded). */
  colors(): Uint8Array {
    const out = new Uint8Array(this.size * 3)
    for (let v = 0; v < this.size; v++) for (let k = 0; k < 3; k++) out[v * 3 + k] = Math.round(this.colorSums[v * 3 + k] / this.counts[v])
    return out
  }

  /** Number of points added to each voxel. */
  pointCounts(): Uint32Array {
    return this.counts.slice(0, this.size)
  }

  private insert(slot: number, ix: number, iy: number, iz: number): number {
    const v = this.size++
    this.keys = grow(this.keys, this.size * 3, Int32Array)
    this.sums = grow(this.sums, this.size * 3, Float64Array)
    this.colorSums = grow(this.colorSums, this.size * 3, Uint32Array)
    this.counts = grow(this.counts, this.size, Uint32Array)
    this.keys[v * 3] = ix
    this.keys[v * 3 + 1] = iy
    this.keys[v * 3 + 2] = iz
    this.table[slot] = v
    if (this.size * 2 > this.table.length) this.rehash()
    return v
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2).fill(EMPTY)
    const mask = table.length - 1
    for (let v = 0; v < this.size; v++) {
      let h = hash(this.keys[v * 3], this.keys[v * 3 + 1], this.keys[v * 3 + 2]) & mask
      while (table[h] !== EMPTY) h = (h + 1) & mask
      table[h] = v
    }
    this.table = table
  }
}

/** Mixes three int32 keys (large odd multipliers, then a murmur3 finaliser). */
function hash(x: number, y: number, z: number): number {
  let h = Math.imul(x, 0x9e3779b1) ^ Math.imul(y, 0x85ebca77) ^ Math.imul(z, 0xc2b2ae3d)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
