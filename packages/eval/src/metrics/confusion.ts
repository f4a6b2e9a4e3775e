/**
 * The confusion matrix every `plaf eval` score comes from. Rows are ground-truth classes
 * (0..K-1, the class set's order), columns are predicted classes plus one more column, K, for
 * predictions outside the class set: such a prediction is a miss of the row's class, never
 * dropped (as the ScanNet benchmark's UNKNOWN column). Ground truth outside 0..K-1
 * (unannotated, a class not in the set, a background class left out) is not scored and is
 * counted in `ignored`.
 */

/** A K×(K+1) confusion matrix, row-major; counts are float64 so pooled scenes stay exact (< 2^53). */
export interface ConfusionMatrix {
  /** K, the number of classes. */
  classes: number
  /** counts[g·(K+1) + p]: samples of ground-truth class g predicted as p (p = K: outside the set). */
  counts: Float64Array
  /** Ground-truth samples outside 0..K-1, not scored. */
  ignored: number
}

/** An empty K-class matrix. */
export function emptyConfusion(classes: number): ConfusionMatrix {
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`a confusion matrix needs at least one class, got ${classes}`)
  return { classes, counts: new Float64Array(classes * (classes + 1)), ignored: 0 }
}

/**
 * Adds one sample per index i: ground truth `gt[i]`, prediction `pred[i]` (both class indices;
 * anything that is not an integer in 0..K-1 is outside the set). Returns the same matrix.
 */
export function accumulateConfusion(cm: ConfusionMatrix, gt: ArrayLike<number>, pred: ArrayLike<number>): ConfusionMatrix {
  if (gt.length !== pred.length) throw new RangeError(`ground truth has ${gt.length} samples, predictions ${pred.length}`)
  const k = cm.classes, cols = k + 1, counts = cm.counts
  let ignored = 0
  for (let i = 0; i < gt.length; i++) {
    const g = gt[i]
    if (!(g >= 0 && g < k && g === Math.floor(g))) {
      ignored++
      continue
    }
    const p = pred[i]
    counts[g * cols + (p >= 0 && p < k && p === Math.floor(p) ? p : k)]++
  }
  cm.ignored += ignored
  return cm
}

/** The matrix of one set of samples. */
export function confusionMatrix(gt: ArrayLike<number>, pred: ArrayLike<number>, classes: number): ConfusionMatrix {
  return accumulateConfusion(emptyConfusion(classes), gt, pred)
}

/** Sum of matrices over the same class set: the pooled matrix of several scenes. */
export function sumConfusion(list: readonly ConfusionMatrix[]): ConfusionMatrix {
  if (!list.length) throw new RangeError('nothing to pool')
  const out = emptyConfusion(list[0].classes)
  for (const cm of list) {
    if (cm.classes !== out.classes) throw new RangeError(`cannot pool a ${cm.classes}-class matrix with a ${out.classes}-class one`)
    for (let i = 0; i < cm.counts.length; i++) out.counts[i] += cm.counts[i]
    out.ignored += cm.ignored
  }
  return out
}

/**
 * Maps raw ids (NYU40 ids, ScanNet ids, …) to class indices through a lookup table
 * (`table[id]` = index, or anything ≥ K for "not in the set"); ids past the table's end map to
 * -1. Returns Int32Array class indices, -1 = outside the set.
 */
export function mapIds(ids: ArrayLike<number>, table: ArrayLike<number>, classes: number): Int32Array {
  const out = new Int32Array(ids.length)
  const n = table.length
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]
    const c = id >= 0 && id < n && id === Math.floor(id) ? table[id] : -1
    out[i] = c >= 0 && c < classes ? c : -1
  }
  return out
}
