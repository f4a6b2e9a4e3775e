/**
 * The best class of every pool row: argmax over K unit text embeddings of the cosine with the
 * row (M×D pool, K×D texts, both row-major). A row that is all zero (no feature) gets -1. Ties
 * go to the lower class index. Cosine = row·text / ‖row‖ (texts are unit-norm; the row's norm
 * does not change its argmax, but the best cosine is returned too).
 */
export function poolArgmax(pool: Float32Array, m: number, text: Float32Array, k: number, d: number): { labels: Int32Array; best: Float32Array } {
  const labels = new Int32Array(m).fill(-1)
  const best = new Float32Array(m)
  for (let r = 0; r < m; r++) {
    const o = r * d
    let norm = 0
    for (let i = 0; i < d; i++) norm += pool[o + i] * pool[o + i]
    if (norm === 0) continue
    let top = -Infinity, arg = -1
    for (let c = 0; c < k; c++) {
      const t = c * d
      let s = 0
      for (let i = 0; i < d; i++) s += pool[o + i] * text[t + i]
      if (s > top) { top = s; arg = c }
    }
    labels[r] = arg
    best[r] = top / Math.sqrt(norm)
  }
  return { labels, best }
}
