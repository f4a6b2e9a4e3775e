import type { AxisSampling } from './axis-sampling.js'
import type { InnerProductTables } from './inner-products.js'
import { RowNorms } from './inverse-norms.js'

/**
 * Running sums along each image row of 1/n(p) and t_x(p)/n(p): the sum over any horizontal run
 * of pixels is two subtractions. Entry y·(W+1) + x holds the sum over pixels 0..x−1 of row y.
 */
export interface PixelSums {
  /** Σ 1/n(p) over the row prefix. */
  s: Float64Array
  /** Σ t_x/n(p) over the row prefix (t_x: the weight of the upper grid column, {@link AxisSampling}). */
  st: Float64Array
  /** Entries per image row: W + 1. */
  stride: number
}

/** The {@link PixelSums} of an H×W map of 1/n(p) (float64 running sums). */
export function pixelSums(invNorm: Float32Array, W: number, H: number, xs: AxisSampling): PixelSums {
  const stride = W + 1
  const s = new Float64Array(H * stride)
  const st = new Float64Array(H * stride)
  for (let y = 0; y < H; y++) prefix(invNorm, y * W, xs.t, s, st, y * stride)
  return { s, st, stride }
}

/**
 * The {@link PixelSums} straight from the inner-product tables, one image row at a time, without
 * the H×W map of 1/n(p): equal to `pixelSums(inverseNorms(tables, …), …)`.
 */
export function pixelSumsFromTables(tables: InnerProductTables, gridW: number, ys: AxisSampling, xs: AxisSampling): PixelSums {
  const H = ys.i0.length
  const W = xs.i0.length
  const stride = W + 1
  const s = new Float64Array(H * stride)
  const st = new Float64Array(H * stride)
  const row = new Float64Array(W)
  const norms = new RowNorms(tables, gridW, xs)
  for (let y = 0; y < H; y++) {
    norms.write(ys, y, row, 0)
    prefix(row, 0, xs.t, s, st, y * stride)
  }
  return { s, st, stride }
}

function prefix(v: Float32Array | Float64Array, from: number, t: Float64Array, s: Float64Array, st: Float64Array, o: number): void {
  const W = t.length
  let a = 0
  let b = 0
  for (let x = 0; x < W; x++) {
    const u = v[from + x]
    a += u
    b += u * t[x]
    s[o + x + 1] = a
    st[o + x + 1] = b
  }
}
