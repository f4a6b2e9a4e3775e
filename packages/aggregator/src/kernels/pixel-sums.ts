import type { AxisSampling } from './axis-sampling.js'

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

/** Builds the {@link PixelSums} of an H×W map of 1/n(p) (float64 running sums). */
export function pixelSums(invNorm: Float32Array, W: number, H: number, xs: AxisSampling): PixelSums {
  const stride = W + 1
  const s = new Float64Array(H * stride)
  const st = new Float64Array(H * stride)
  const t = xs.t
  for (let y = 0; y < H; y++) {
    const o = y * stride
    const p = y * W
    let a = 0
    let b = 0
    for (let x = 0; x < W; x++) {
      const v = invNorm[p + x]
      a += v
      b += v * t[x]
      s[o + x + 1] = a
      st[o + x + 1] = b
    }
  }
  return { s, st, stride }
}
