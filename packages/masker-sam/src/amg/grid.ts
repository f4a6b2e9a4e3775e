/**
 * SAM's prompt point grid: `n × n` points evenly spaced in the unit square, at the centres of an
 * `n × n` tiling (`linspace(1/2n, 1 − 1/2n, n)` on each axis). Row-major (x varies fastest),
 * interleaved `[x0, y0, x1, y1, …]`, normalised to [0, 1].
 */
export function buildPointGrid(n: number): Float64Array {
  const out = new Float64Array(n * n * 2)
  const offset = 1 / (2 * n)
  // numpy's linspace: step = (stop − start)/(n − 1), points i·step + start, the last set to stop.
  const step = n > 1 ? (1 - offset - offset) / (n - 1) : 0
  const axis = new Float64Array(n)
  for (let i = 0; i < n; i++) axis[i] = offset + i * step
  if (n > 1) axis[n - 1] = 1 - offset
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      out[(y * n + x) * 2] = axis[x]!
      out[(y * n + x) * 2 + 1] = axis[y]!
    }
  }
  return out
}

/**
 * One grid per crop layer: layer i has `trunc(n / scale^i)` points per side (SAM's
 * `build_all_layer_point_grids`). A layer whose count truncates to 0 gets an empty grid.
 */
export function buildAllLayerPointGrids(n: number, layers: number, scalePerLayer: number): Float64Array[] {
  const grids: Float64Array[] = []
  for (let i = 0; i <= layers; i++) grids.push(buildPointGrid(Math.trunc(n / scalePerLayer ** i)))
  return grids
}
