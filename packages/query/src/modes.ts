import { PlafError, type PluginNote } from '@plaf/core'
import { LERF_NEGATIVES, relevancy, softmaxOverQueries, type ScoreMode } from './kernels/scoring.js'
import type { RowScores } from './score.js'

/** How many of the embedded texts are queries, labels and negative phrases (in that order). */
export interface TextSets {
  queries: number
  labels: number
  negatives: number
}

/** Scores of the queries (Q×rows) and of the labels (L×rows) in a score mode. */
export interface ModeScores {
  queries: Float32Array
  labels: Float32Array
}

/**
 * Turns the cosines of every embedded text (queries, then labels, then negatives; T×rows) into
 * mode scores. `cosine`: the cosines. `softmax`: over the queries for queries, over the labels for
 * labels. `relevancy`: each query and each label against the negatives (LERF's relevancy).
 */
export function applyMode(cos: RowScores, sets: TextSets, mode: ScoreMode, temperature: number): ModeScores {
  const rows = cos.shape[1]
  const q = cos.data.subarray(0, sets.queries * rows)
  const l = cos.data.subarray(sets.queries * rows, (sets.queries + sets.labels) * rows)
  if (mode === 'cosine') return { queries: q, labels: l }
  if (mode === 'softmax') {
    return { queries: softmaxOverQueries(q, sets.queries, rows, temperature, cos.valid), labels: softmaxOverQueries(l, sets.labels, rows, temperature, cos.valid) }
  }
  const neg = cos.data.subarray((sets.queries + sets.labels) * rows, (sets.queries + sets.labels + sets.negatives) * rows)
  return {
    queries: relevancy(q, sets.queries, neg, sets.negatives, rows, temperature, cos.valid),
    labels: relevancy(l, sets.labels, neg, sets.negatives, rows, temperature, cos.valid),
  }
}

/**
 * An encoder's error about a text that is one of the relevancy mode's negative phrases (and not a
 * query or label the user typed), said as such: the phrase is a negative, which negatives are in
 * use (LERF's defaults named as the defaults) and how to change them (`--negatives`, the querier's
 * `negatives` option). Any other error is returned as it is.
 */
export function negativesError(e: unknown, negatives: readonly string[], typed: readonly string[]): unknown {
  if (!(e instanceof PlafError) || !negatives.length) return e
  const isNegative = (t: unknown) => typeof t === 'string' && negatives.includes(t) && !typed.includes(t)
  const named = (m: string) => negatives.find((n) => !typed.includes(n) && m.includes(`"${n}"`))
  if (!e.diagnostics.some((d) => isNegative(d.actual) || named(d.message))) return e
  const defaults = negatives.length === LERF_NEGATIVES.length && negatives.every((n, i) => n === LERF_NEGATIVES[i])
  const which = defaults ? `the default negative phrases (LERF's: ${negatives.join(', ')})` : `the negative phrases (${negatives.join(', ')})`
  return new PlafError(e.diagnostics.map((d) => {
    const n = isNegative(d.actual) ? (d.actual as string) : named(d.message)
    if (!n) return d
    return {
      ...d,
      message: `relevancy mode scores each query against ${which}, and the encoder cannot embed "${n}": ${d.message}`,
      hint: `choose negatives the encoder embeds with --negatives <a,b,…> (plaf query, plaf view) or the querier's negatives option${d.hint ? `; ${d.hint}` : ''}`,
    }
  }), { cause: e })
}

/**
 * Softmax over a single text is 1 on every row, so it would select everything: a `softmax` mode
 * with exactly one query (or one label) is refused with this note (null when the texts compare).
 */
export function softmaxOfOne(mode: ScoreMode, queries: readonly string[], labels: readonly string[]): PluginNote | null {
  if (mode !== 'softmax') return null
  const [what, texts] = queries.length === 1 ? ['query', queries] : labels.length === 1 ? ['label', labels] : [null, []]
  if (!what) return null
  return {
    code: 'PLAF_INVALID_OPTION', path: 'mode', actual: 'softmax', expected: `at least two ${what === 'query' ? 'queries' : 'labels'} to compare`,
    message: `mode softmax scores each ${what} against the other ${what === 'query' ? 'queries' : 'labels'}, and there is only one (${JSON.stringify(texts[0])}): ` +
      'softmax over one text is 1 everywhere, so every mask and point would be selected',
    hint: what === 'query'
      ? 'give at least two queries (plaf query: --text a --text b), or use mode cosine (raw scores) or relevancy (against negative phrases)'
      : 'give at least two labels, or use mode cosine or relevancy',
  }
}
