import { relevancy, softmaxOverQueries, type ScoreMode } from './kernels/scoring.js'
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
