/** Kernel half-width factor of the FH reference code (`WIDTH 4.0` in filter.h). */
const WIDTH = 4

/**
 * The one-sided Gaussian mask of Felzenszwalb's `make_fgauss` + `normalize`: taps 0..len−1 with
 * len = ceil(4σ) + 1, scaled so the two-sided kernel (tap 0 once, the others twice) sums to 1.
 * σ is clamped at 0.01 as in the reference, where it makes the kernel the identity.
 */
export function gaussianKernel(sigma: number): Float64Array {
  const s = Math.max(sigma, 0.01)
  const len = Math.ceil(s * WIDTH) + 1
  const mask = new Float64Array(len)
  for (let i = 0; i < len; i++) mask[i] = Math.exp(-0.5 * (i / s) * (i / s))
  let sum = 0
  for (let i = 1; i < len; i++) sum += Math.abs(mask[i])
  sum = 2 * sum + Math.abs(mask[0])
  for (let i = 0; i < len; i++) mask[i] /= sum
  return mask
}

/**
 * Separable Gaussian blur of an h×w×c interleaved image, rows first then columns, with the
 * border pixel repeated (the reference's `convolve_even`). Float32 output, like the reference's
 * float images; sums are taken in float64.
 */
export function gaussianBlur(src: ArrayLike<number>, h: number, w: number, c: number, sigma: number): Float32Array {
  const mask = gaussianKernel(sigma)
  const len = mask.length
  const tmp = new Float32Array(h * w * c)
  for (let y = 0; y < h; y++) {
    const row = y * w
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) {
        let sum = mask[0] * src[(row + x) * c + k]
        for (let i = 1; i < len; i++) {
          const l = x - i < 0 ? 0 : x - i
          const r = x + i > w - 1 ? w - 1 : x + i
          sum += mask[i] * (src[(row + l) * c + k] + src[(row + r) * c + k])
        }
        tmp[(row + x) * c + k] = sum
      }
    }
  }
  const out = new Float32Array(h * w * c)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) {
        let sum = mask[0] * tmp[(y * w + x) * c + k]
        for (let i = 1; i < len; i++) {
          const u = y - i < 0 ? 0 : y - i
          const d = y + i > h - 1 ? h - 1 : y + i
          sum += mask[i] * (tmp[(u * w + x) * c + k] + tmp[(d * w + x) * c + k])
        }
        out[(y * w + x) * c + k] = sum
      }
    }
  }
  return out
}
