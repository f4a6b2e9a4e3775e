/**
 * Score modes over per-row cosines (typed arrays, row-major Q×rows), shared by the `text` querier
 * and everything that reuses it (`plaf query` runs the querier through `openRun`).
 */

/** How a row's score for a query is computed from cosines. */
export type ScoreMode = 'cosine' | 'softmax' | 'relevancy'

/** LERF's canonical negative phrases (Kerr et al., 2023, §3.3; `negatives` in its OpenCLIP encoder). */
export const LERF_NEGATIVES: readonly string[] = ['object', 'things', 'stuff', 'texture']

/** LERF's softmax temperature: its relevancy takes softmax(10 · cosines), i.e. τ = 0.1. */
export const LERF_TEMPERATURE = 0.1

/**
 * Softmax over the query set, per row: p_q = exp(c_q / τ) / Σ_q' exp(c_q' / τ) over the Q queries
 * (max-subtracted, in float64). With one query every row scores 1. Rows with `valid` 0 score 0.
 */
export function softmaxOverQueries(cos: Float32Array, q: number, rows: number, temperature: number, valid: Uint8Array): Float32Array {
  const out = new Float32Array(q * rows)
  const e = new Float64Array(q)
  for (let r = 0; r < rows; r++) {
    if (!valid[r]) continue
    let m = -Infinity
    for (let i = 0; i < q; i++) m = Math.max(m, cos[i * rows + r] / temperature)
    let s = 0
    for (let i = 0; i < q; i++) s += (e[i] = Math.exp(cos[i * rows + r] / temperature - m))
    for (let i = 0; i < q; i++) out[i * rows + r] = e[i] / s
  }
  return out
}

/**
 * LERF relevancy, per query and row: min over the negatives n of the pairwise softmax
 * exp(c_q / τ) / (exp(c_q / τ) + exp(c_n / τ)) = 1 / (1 + exp((c_n − c_q) / τ)), where c are
 * cosines of the row with the query and with each negative phrase. 0.5 means the query is no
 * closer than the closest negative. `neg` is N×rows; without negatives every valid row scores 1.
 * Rows with `valid` 0 score 0.
 */
export function relevancy(cos: Float32Array, q: number, neg: Float32Array, n: number, rows: number, temperature: number, valid: Uint8Array): Float32Array {
  const out = new Float32Array(q * rows)
  for (let r = 0; r < rows; r++) {
    if (!valid[r]) continue
    let worst = -Infinity
    for (let j = 0; j < n; j++) worst = Math.max(worst, neg[j * rows + r])
    for (let i = 0; i < q; i++) out[i * rows + r] = n === 0 ? 1 : 1 / (1 + Math.exp((worst - cos[i * rows + r]) / temperature))
  }
  return out
}

/**
 * Otsu's threshold of weighted values: a `bins`-bin histogram over [min, max] of the values with
 * weight > 0, then the bin edge t maximising the between-class variance w0·w1·(μ0 − μ1)² of
 * {v < t} and {v ≥ t} (the first such edge on ties). Returns null when fewer than two distinct
 * values carry weight. `weights` (e.g. pixels per mask) defaults to 1 each.
 */
export function otsuThreshold(values: Float32Array, weights?: ArrayLike<number>, bins = 256): number | null {
  let lo = Infinity
  let hi = -Infinity
  for (let i = 0; i < values.length; i++) {
    if (weights && !(weights[i] > 0)) continue
    if (values[i] < lo) lo = values[i]
    if (values[i] > hi) hi = values[i]
  }
  if (!(hi > lo)) return null
  const hist = new Float64Array(bins)
  const width = (hi - lo) / bins
  for (let i = 0; i < values.length; i++) {
    const w = weights ? weights[i] : 1
    if (!(w > 0)) continue
    hist[Math.min(bins - 1, Math.floor((values[i] - lo) / width))] += w
  }
  let total = 0
  let sum = 0
  for (let b = 0; b < bins; b++) {
    total += hist[b]
    sum += hist[b] * (lo + (b + 0.5) * width)
  }
  let w0 = 0
  let s0 = 0
  let best = -1
  let at = 1
  for (let b = 1; b < bins; b++) {
    w0 += hist[b - 1]
    s0 += hist[b - 1] * (lo + (b - 0.5) * width)
    const w1 = total - w0
    if (w0 === 0 || w1 === 0) continue
    const d = s0 / w0 - (sum - s0) / w1
    const v = w0 * w1 * d * d
    if (v > best) {
      best = v
      at = b
    }
  }
  return lo + at * width
}

/**
 * The relevancy score at which a query and its strongest negative phrase tie: below it the negative
 * wins (exp(c_q/τ) < exp(c_neg/τ)), so no auto threshold in relevancy mode goes below it.
 */
export const RELEVANCY_BREAK_EVEN = 0.5

/** Why an auto threshold in relevancy mode is never below {@link RELEVANCY_BREAK_EVEN}, for outputs and JSON. */
export const RELEVANCY_FLOOR_REASON = 'floored at 0.5, the relevancy break-even: below it the negative phrase scores higher than the query'

/**
 * The `auto` threshold of a score mode: Otsu's threshold of the weighted scores
 * ({@link otsuThreshold}; null when they do not split), and in `relevancy` mode at least
 * {@link RELEVANCY_BREAK_EVEN} (Otsu alone can fall below it, selecting rows where a negative wins).
 * `floored` says whether the floor applied.
 */
export function autoThreshold(mode: ScoreMode | string, values: Float32Array, weights?: ArrayLike<number>): { threshold: number | null; floored: boolean } {
  const t = otsuThreshold(values, weights)
  if (mode === 'relevancy' && t !== null && t < RELEVANCY_BREAK_EVEN) return { threshold: RELEVANCY_BREAK_EVEN, floored: true }
  return { threshold: t, floored: false }
}

/**
 * Per-row label of an argmax over L label scores (L×rows): 1 + the best label's index, or 0 when
 * the row is not valid or its best score is below `threshold` (the background rule). Returns the
 * labels and each row's best score.
 */
export function argmaxLabels(scores: Float32Array, l: number, rows: number, valid: Uint8Array, threshold: number): { labels: Uint16Array; best: Float32Array } {
  const labels = new Uint16Array(rows)
  const best = new Float32Array(rows)
  for (let r = 0; r < rows; r++) {
    if (!valid[r] || l === 0) continue
    let k = 0
    for (let i = 1; i < l; i++) if (scores[i * rows + r] > scores[k * rows + r]) k = i
    best[r] = scores[k * rows + r]
    if (best[r] >= threshold) labels[r] = k + 1
  }
  return { labels, best }
}
