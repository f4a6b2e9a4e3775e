/**
 * Soft assignment of one Lab colour to a vocabulary: softmax over entries of −ΔE²/τ², where ΔE
 * is the CIE76 distance (Euclidean in L*a*b*). Written to `out[at..at+D-1]`; entries sum to 1.
 *
 * @param vocabLab D×3 Lab table, row-major.
 * @param temperature τ in ΔE units; smaller is sharper.
 * @param scratch D doubles of work space (avoids an allocation per call).
 */
export function softAssign(
  L: number,
  a: number,
  b: number,
  vocabLab: Float64Array,
  temperature: number,
  out: Float32Array,
  at: number,
  scratch: Float64Array,
): void {
  const d = vocabLab.length / 3
  const inv = 1 / (temperature * temperature)
  let min = Infinity
  for (let i = 0; i < d; i++) {
    const dl = L - vocabLab[3 * i]
    const da = a - vocabLab[3 * i + 1]
    const db = b - vocabLab[3 * i + 2]
    const e = (dl * dl + da * da + db * db) * inv
    scratch[i] = e
    if (e < min) min = e
  }
  // Subtracting the smallest exponent keeps the largest term at exp(0) = 1: no underflow to 0/0.
  let sum = 0
  for (let i = 0; i < d; i++) {
    const v = Math.exp(min - scratch[i])
    scratch[i] = v
    sum += v
  }
  for (let i = 0; i < d; i++) out[at + i] = scratch[i] / sum
}

/** L2-normalises `v[at..at+n-1]` in place; a zero vector stays zero. */
export function l2Normalize(v: Float32Array, at: number, n: number): void {
  let s = 0
  for (let i = at; i < at + n; i++) s += v[i] * v[i]
  if (s === 0) return
  const inv = 1 / Math.sqrt(s)
  for (let i = at; i < at + n; i++) v[i] *= inv
}
