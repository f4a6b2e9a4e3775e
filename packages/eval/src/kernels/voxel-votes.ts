/**
 * Votes of labelled points in cubic voxels: each point adds one vote for its label (0..K-1, or
 * K for "none": unlabelled, or a label outside the set) to the voxel holding it. Voxels are keyed
 * by their integer cell coordinates packed into one exact number; counts are a flat typed array
 * (slots × (K+1)), grown by doubling, with no per-voxel objects.
 */
export class VoxelVotes {
  private readonly slot = new Map<number, number>()
  private counts: Uint32Array
  private cells: Int32Array
  private used = 0
  private readonly inv: number

  constructor(readonly size: number, readonly classes: number) {
    this.inv = 1 / size
    this.counts = new Uint32Array(1024 * (classes + 1))
    this.cells = new Int32Array(1024 * 3)
  }

  /** Voxels holding at least one vote. */
  get voxels(): number {
    return this.used
  }

  /** Adds one vote for `label` (anything outside 0..K-1 votes "none") at (x, y, z) metres. */
  add(x: number, y: number, z: number, label: number): void {
    const ix = Math.floor(x * this.inv), iy = Math.floor(y * this.inv), iz = Math.floor(z * this.inv)
    // 17 bits a coordinate (±65,536 cells): 51 bits, exact in a float64
    const key = ((ix + 65536) * 131072 + (iy + 65536)) * 131072 + (iz + 65536)
    let s = this.slot.get(key)
    if (s === undefined) {
      s = this.used++
      this.slot.set(key, s)
      if (this.used * 3 > this.cells.length) {
        const cells = new Int32Array(this.cells.length * 2); cells.set(this.cells); this.cells = cells
        const counts = new Uint32Array(this.counts.length * 2); counts.set(this.counts); this.counts = counts
      }
      this.cells[3 * s] = ix; this.cells[3 * s + 1] = iy; this.cells[3 * s + 2] = iz
    }
    const k = this.classes
    this.counts[s * (k + 1) + (label >= 0 && label < k ? label : k)]++
  }

  /**
   * Each voxel's winning label (most votes; ties to the lower label, "none" last) as a class
   * index, -1 when "none" wins; and the voxel centres (V×3 float32, metres).
   */
  result(): { labels: Int32Array; centres: Float32Array } {
    const k = this.classes, n = this.used
    const labels = new Int32Array(n)
    const centres = new Float32Array(3 * n)
    for (let s = 0; s < n; s++) {
      let best = -1, arg = -1
      for (let c = 0; c <= k; c++) {
        const v = this.counts[s * (k + 1) + c]
        if (v > best) { best = v; arg = c }
      }
      labels[s] = arg === k ? -1 : arg
      for (let a = 0; a < 3; a++) centres[3 * s + a] = (this.cells[3 * s + a] + 0.5) * this.size
    }
    return { labels, centres }
  }
}
