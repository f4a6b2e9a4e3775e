import { fail } from '@plaf/core'

/** The SceneParse150 classes a probe predicts (annotation values 1…150; 0 is ignored). */
export const PROBE_CLASSES = 150

/**
 * The training rows of one image: one row per (memory row, class) pair that occurs, weighted by
 * the pixels that have that memory row and that class. For a linear head (and pixel-weighted
 * batch statistics) the weighted rows give exactly the loss and gradients of training on every
 * pixel, since all pixels sharing a memory row share its feature.
 */
export interface ImageRows {
  /** Memory row (id in the id map) of each training row. */
  row: Int32Array
  /** Class 0…149 (annotation value − 1) of each training row. */
  cls: Int32Array
  /** Pixels of each training row. */
  weight: Float64Array
  /** Labelled pixels of the image (annotation value ≠ 0) = Σ weight. */
  pixels: number
}

/**
 * Counts the (id, class) pairs of an id map against an annotation (0 = ignore, k = class k − 1),
 * both H×W row-major. Sorts one integer key per labelled pixel (id · 151 + value) and counts runs,
 * so no per-pixel objects. Rows come out ordered by id, then class. `file` names the annotation
 * in the error when the sizes differ.
 */
export function imageRows(ids: Uint16Array, idShape: readonly [number, number], labels: Uint8Array, labelShape: readonly [number, number], file?: string): ImageRows {
  checkSameSize(idShape, labelShape, file)
  const n = labelShape[0] * labelShape[1]
  let labelled = 0
  for (let p = 0; p < n; p++) if (labels[p] !== 0) labelled++
  const keys = new Uint32Array(labelled)
  const stride = PROBE_CLASSES + 1
  for (let p = 0, j = 0; p < n; p++) {
    const v = labels[p]
    if (v === 0) continue
    if (v > PROBE_CLASSES) fail('PLAF_INPUT_INVALID', `${file ?? 'annotation'}: label ${v} is outside 0…${PROBE_CLASSES}`, { file, expected: `0…${PROBE_CLASSES}`, actual: String(v) })
    keys[j++] = ids[p] * stride + v
  }
  keys.sort()
  let runs = 0
  for (let j = 0; j < labelled; j++) if (j === 0 || keys[j] !== keys[j - 1]) runs++
  const row = new Int32Array(runs)
  const cls = new Int32Array(runs)
  const weight = new Float64Array(runs)
  for (let j = 0, r = -1; j < labelled; j++) {
    if (j === 0 || keys[j] !== keys[j - 1]) {
      r++
      row[r] = Math.floor(keys[j] / stride)
      cls[r] = (keys[j] % stride) - 1
    }
    weight[r]++
  }
  return { row, cls, weight, pixels: labelled }
}

/** Throws PLAF_INPUT_INVALID naming the annotation `file` unless the id map and the annotation are the same size. */
export function checkSameSize(idShape: readonly [number, number], labelShape: readonly [number, number], file?: string): void {
  const [h, w] = labelShape
  if (idShape[0] === h && idShape[1] === w) return
  fail('PLAF_INPUT_INVALID', `${file ?? 'annotation'}: the annotation is ${w}×${h} but the aggregator's id map is ${idShape[1]}×${idShape[0]}`, {
    file, expected: `${idShape[1]}×${idShape[0]} (the image size)`, actual: `${w}×${h}`,
  })
}
