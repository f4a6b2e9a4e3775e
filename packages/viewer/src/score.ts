/**
 * Scores of texts over the rows of a feature table (the 3D map's pool, or one frame's mask
 * table), in the run querier's score mode, with `@plaf/query`'s own functions: `scoreRows`
 * (cosines on the tensor seam), `applyMode` (softmax / LERF relevancy), `otsuThreshold` and
 * `argmaxLabels` (the auto threshold of labels). One D-dimensional product per row and text,
 * never per point or pixel: the page maps row scores to points through each point's ref (on the
 * GPU) and to pixels through the id map.
 */
import { PlafError, diagnostic, type TensorBackend, type TextEmbeddings } from '@plaf/core'
import { applyMode, argmaxLabels, autoThreshold, negativesError, scoreRows, type RowScores, type ScoreMode } from '@plaf/query'
import type { ScoreKind, ScoresReply, ViewerScoring } from './wire.js'

/** A table to score: rows×d features, optionally their row norms (`prepareMap`), and Otsu's weights per row. */
export interface ScoreTable {
  data: Float32Array
  rows: number
  norms?: Float64Array
  /** Weight of each row in Otsu's histogram (points per pool row, pixels per mask), given the valid rows. */
  weights(valid: Uint8Array): Float64Array
}

/** Float32 values as base64 (little-endian), exactly: the page compares them with the threshold as the querier does. */
export const f32Base64 = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')

/** The rows `idx` of Q×rows cosines, as a RowScores of their own. */
function pick(cos: RowScores, idx: number[]): RowScores {
  const rows = cos.shape[1]
  const data = new Float32Array(idx.length * rows)
  idx.forEach((k, i) => data.set(cos.data.subarray(k * rows, k * rows + rows), i * rows))
  return { texts: idx.map((k) => cos.texts[k]), data, shape: [idx.length, rows], valid: cos.valid }
}

/** The texts a text competes with in softmax mode: the run's queries besides itself. */
export const softmaxRivals = (text: string, s: ViewerScoring): string[] => s.queries.filter((q) => q !== text)

/**
 * Scores `texts` over `table` in `mode`, as the run's `text` querier would: `text` kind, each text
 * on its own (softmax: over the text and the run's queries, so a run's own query scores as in the
 * run; relevancy: against the querier's negatives); `labels` kind, the texts as one label set
 * (softmax over the labels). Returns per text the mode scores (NaN for rows without a feature),
 * the best, and Otsu's threshold of the scores weighted by `table.weights` (labels: one, of each
 * row's best label score), which is the querier's `threshold: auto`.
 */
export async function scoreTexts(
  table: ScoreTable, texts: string[], kind: ScoreKind, mode: ScoreMode, s: ViewerScoring, embed: (texts: string[]) => Promise<TextEmbeddings>, tensor: TensorBackend,
): Promise<{ reply: ScoresReply; scores: Float32Array[] }> {
  const negatives = mode === 'relevancy' ? s.negatives : []
  if (mode === 'softmax') {
    // softmax over one text is 1 on every row: it would select everything, so it is refused
    const alone = kind === 'labels' ? (texts.length === 1 ? texts[0] : undefined) : texts.find((t) => !softmaxRivals(t, s).length)
    if (alone !== undefined) {
      throw new PlafError(diagnostic('PLAF_INVALID_OPTION', kind === 'labels'
        ? `mode softmax scores each label against the other labels, and there is only one (${JSON.stringify(alone)}): softmax over one text is 1 everywhere, so every point would be selected`
        : `mode softmax scores ${JSON.stringify(alone)} against the run's other queries (${s.queries.join(', ') || 'none'}), and there is none besides it: softmax over one text is 1 everywhere, so every point would be selected`, {
        path: 'mode', actual: 'softmax', hint: kind === 'labels' ? 'give at least two labels, or use mode cosine or relevancy' : 'use mode cosine (raw scores) or relevancy (against negative phrases); softmax needs a run with at least two queries',
      }))
    }
  }
  const rivals = mode === 'softmax' && kind === 'text' ? s.queries : []
  const all = [...new Set([...texts, ...rivals, ...negatives])]
  const at = new Map(all.map((t, i) => [t, i]))
  const cos = await scoreRows(table.data, table.rows, await embed(all).catch((e: unknown) => { throw negativesError(e, negatives, [...texts, ...rivals]) }), tensor, table.norms)
  const rows = table.rows
  const neg = negatives.map((t) => at.get(t)!)
  const scores: Float32Array[] = []
  if (kind === 'labels') {
    const m = applyMode(pick(cos, [...texts.map((t) => at.get(t)!), ...neg]), { queries: 0, labels: texts.length, negatives: neg.length }, mode, s.temperature)
    for (let i = 0; i < texts.length; i++) scores.push(m.labels.slice(i * rows, i * rows + rows))
  } else {
    for (const t of texts) {
      const set = mode === 'softmax' ? [t, ...softmaxRivals(t, s)] : [t]
      const m = applyMode(pick(cos, [...set.map((x) => at.get(x)!), ...neg]), { queries: set.length, labels: 0, negatives: neg.length }, mode, s.temperature)
      scores.push(m.queries.slice(0, rows))
    }
  }
  const weights = table.weights(cos.valid)
  let auto: (number | null)[]
  if (kind === 'labels') {
    const flat = new Float32Array(texts.length * rows)
    scores.forEach((x, i) => flat.set(x, i * rows))
    auto = [texts.length ? autoThreshold(mode, argmaxLabels(flat, texts.length, rows, cos.valid, -Infinity).best, weights).threshold : null]
  } else {
    auto = scores.map((x) => autoThreshold(mode, x, weights).threshold)
  }
  const best: (number | null)[] = []
  for (const x of scores) {
    let b: number | null = null
    for (let r = 0; r < rows; r++) {
      if (!cos.valid[r]) x[r] = NaN
      else if (b === null || x[r] > b) b = x[r]
    }
    best.push(b)
  }
  const against = mode === 'relevancy' ? [...negatives] : mode === 'softmax' ? (kind === 'labels' ? [] : [...s.queries]) : []
  return { reply: { texts, kind, mode, scores: scores.map(f32Base64), best, auto, against }, scores }
}

/**
 * `budget` point indices spread evenly over 0…n-1 (all of them when n ≤ budget), in order: the
 * subsample of an exported page. Lifted maps store points in capture order, so an even stride
 * keeps every part of the scene.
 */
export function evenSubsample(n: number, budget: number): Uint32Array {
  if (n <= budget) return Uint32Array.from({ length: n }, (_, i) => i)
  const out = new Uint32Array(budget)
  for (let i = 0; i < budget; i++) out[i] = Math.floor((i * n) / budget)
  return out
}
