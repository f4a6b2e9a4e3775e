/**
 * Term assignment of one Lab colour: the softmax over the naming model's centres of −ΔE²/τ²
 * (ΔE the CIE76 distance), summed per term. Written to `out[at..at+D-1]`; entries sum to 1. It is
 * the probability that a speaker names the colour with each term, under a kernel estimate from
 * the named colours (each centre counts once, so the survey's naming density is the prior).
 *
 * @param centres N×3 Lab table, row-major.
 * @param centreTerm term index (0..d−1) of each centre.
 * @param temperature τ in ΔE units; smaller is sharper.
 * @param scratch N doubles of work space (avoids an allocation per call).
 */
export function termAssign(
  L: number,
  a: number,
  b: number,
  centres: Float64Array,
  centreTerm: Uint8Array,
  d: number,
  temperature: number,
  out: Float32Array,
  at: number,
  scratch: Float64Array,
): void {
  const n = centreTerm.length
  const inv = 1 / (temperature * temperature)
  let min = Infinity
  for (let i = 0; i < n; i++) {
    const dl = L - centres[3 * i]
    const da = a - centres[3 * i + 1]
    const db = b - centres[3 * i + 2]
    const e = (dl * dl + da * da + db * db) * inv
    scratch[i] = e
    if (e < min) min = e
  }
  for (let t = 0; t < d; t++) out[at + t] = 0
  // Subtracting the smallest exponent keeps the largest term at exp(0) = 1: no underflow to 0/0.
  let sum = 0
  for (let i = 0; i < n; i++) {
    const v = Math.exp(min - scratch[i])
    scratch[i] = v
    sum += v
  }
  for (let i = 0; i < n; i++) out[at + centreTerm[i]] += scratch[i] / sum
}
