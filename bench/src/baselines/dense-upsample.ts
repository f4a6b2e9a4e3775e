import type { FeatureGrid } from '@plaf/core'

/** Per output index along one axis: the two source cells and the weight of the second. */
export interface AxisTaps {
  i0: Int32Array
  i1: Int32Array
  /** Weight of i1; i0 gets 1 − l1. */
  l1: Float32Array
}

/**
 * torch's `area_pixel_compute_source_index` for `align_corners=False`, through the grid transform:
 * source s = a·x + b, negative s clamps to 0, i1 = i0 + 1 except at the last cell (which repeats).
 */
export function axisTaps(size: number, a: number, b: number, cells: number): AxisTaps {
  const i0 = new Int32Array(size)
  const i1 = new Int32Array(size)
  const l1 = new Float32Array(size)
  for (let x = 0; x < size; x++) {
    const s = Math.min(Math.max(a * x + b, 0), cells - 1)
    const f = Math.floor(s)
    i0[x] = f
    i1[x] = f < cells - 1 ? f + 1 : f
    l1[x] = s - f
  }
  return { i0, i1, l1 }
}

/**
 * The official path's first op: `F.interpolate(tokens, size=(H, W), mode='bilinear',
 * align_corners=False)` of the h×w×D grid, laid out H×W×D (the `permute(1, 2, 0)` that follows).
 * Computed separably, which is the same bilinear function: each grid row is first interpolated
 * along x to W×D (h·W·D floats of scratch), then each output row blends its two source rows.
 * Allocates the dense H·W·D float32 tensor; `onRow` is called after each output row so a memory
 * probe can sample while this runs.
 */
export function upsampleBilinear(grid: FeatureGrid, H: number, W: number, onRow?: (y: number) => void): Float32Array {
  const [h, w, d] = grid.shape
  const g = grid.data
  const t = grid.transform
  const xs = axisTaps(W, t.ax, t.bx, w)
  const ys = axisTaps(H, t.ay, t.by, h)
  const rowLen = W * d
  const rows = new Float32Array(h * rowLen)
  for (let r = 0; r < h; r++) {
    for (let x = 0; x < W; x++) {
      const lx = xs.l1[x]
      const hx = 1 - lx
      const a = (r * w + xs.i0[x]) * d
      const b = (r * w + xs.i1[x]) * d
      const o = r * rowLen + x * d
      for (let k = 0; k < d; k++) rows[o + k] = hx * g[a + k] + lx * g[b + k]
    }
  }
  const out = new Float32Array(H * rowLen)
  for (let y = 0; y < H; y++) {
    const ly = ys.l1[y]
    const hy = 1 - ly
    const r0 = ys.i0[y] * rowLen
    const r1 = ys.i1[y] * rowLen
    const o = y * rowLen
    for (let j = 0; j < rowLen; j++) out[o + j] = hy * rows[r0 + j] + ly * rows[r1 + j]
    onRow?.(y)
  }
  return out
}
