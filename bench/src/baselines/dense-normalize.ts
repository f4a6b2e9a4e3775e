/** `F.normalize`'s eps: norms below it are clamped, so zero vectors stay zero. */
export const NORMALIZE_EPS = 1e-12

/**
 * `F.normalize(x, dim=-1)` of `count` vectors of length d: a new array (torch does not normalise
 * in place, so the official path briefly holds two dense tensors), each vector divided by
 * max(‖v‖, 1e-12). Squares are summed in float64.
 */
export function normalizeVectors(x: Float32Array, count: number, d: number, onChunk?: () => void): Float32Array {
  const out = new Float32Array(count * d)
  for (let p = 0; p < count; p++) {
    const o = p * d
    const e = o + d
    // Four partial sums shorten the dependency chain of the adds.
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    let k = o
    for (; k + 3 < e; k += 4) {
      s0 += x[k] * x[k]
      s1 += x[k + 1] * x[k + 1]
      s2 += x[k + 2] * x[k + 2]
      s3 += x[k + 3] * x[k + 3]
    }
    for (; k < e; k++) s0 += x[k] * x[k]
    const inv = 1 / Math.max(Math.sqrt(s0 + s1 + s2 + s3), NORMALIZE_EPS)
    for (let j = o; j < e; j++) out[j] = x[j] * inv
    if (onChunk && (p & 0xffff) === 0xffff) onChunk()
  }
  return out
}
