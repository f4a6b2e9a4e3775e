import type { ConfusionMatrix } from './confusion.js'

/**
 * Scores of a confusion matrix, per class and averaged.
 *
 * Per class c (row = ground truth, column = prediction, column K = outside the class set):
 * TP = M[c][c]; FN = row sum − TP (the outside column included); FP = column sum − TP;
 * IoU = TP / (TP + FP + FN); accuracy = TP / row sum (recall); support = row sum.
 *
 * **Absent-class rule**: a class with no ground-truth samples (support 0) has IoU and accuracy
 * null and is left out of mIoU, fmIoU and mAcc, even when something was predicted as it. Its
 * false positives still count: they are misses (FN) of the classes whose samples they took.
 * (The ScanNet benchmark script instead scores such a class IoU 0 when it is predicted; over the
 * 312 validation scenes pooled every ScanNet20 class is present, so the two agree there.)
 */
export interface ClassScore {
  /** Index in the class set. */
  index: number
  /** null when the class is absent from the ground truth. */
  iou: number | null
  acc: number | null
  /** Ground-truth samples of the class. */
  support: number
  /** Samples predicted as the class. */
  predicted: number
  tp: number
}

/** The averaged scores; means are null when no class is present. */
export interface SegmentationScores {
  classes: ClassScore[]
  /** Mean IoU over classes present in the ground truth. */
  miou: number | null
  /** Frequency-weighted mIoU: Σ support_c · IoU_c / Σ support over present classes. */
  fmiou: number | null
  /** Mean per-class accuracy over present classes. */
  macc: number | null
  /** Overall accuracy: Σ TP / Σ support. */
  oacc: number | null
  /** Indices of classes absent from the ground truth (excluded from the means). */
  absent: number[]
  /** Scored ground-truth samples (Σ support). */
  samples: number
  /** Ground-truth samples outside the class set, not scored. */
  ignored: number
  /** Scored samples whose prediction lies outside the class set (each a miss). */
  outsidePredictions: number
}

/** Computes every score of `cm`; see {@link ClassScore} for the formulas and the absent-class rule. */
export function segmentationScores(cm: ConfusionMatrix): SegmentationScores {
  const k = cm.classes, cols = k + 1, m = cm.counts
  const rowSum = new Float64Array(k), colSum = new Float64Array(cols)
  for (let g = 0; g < k; g++) {
    for (let p = 0; p < cols; p++) {
      const v = m[g * cols + p]
      rowSum[g] += v
      colSum[p] += v
    }
  }
  const classes: ClassScore[] = []
  const absent: number[] = []
  let samples = 0, tpAll = 0, iouSum = 0, accSum = 0, weighted = 0, present = 0
  for (let c = 0; c < k; c++) {
    const tp = m[c * cols + c], support = rowSum[c], predicted = colSum[c]
    samples += support
    tpAll += tp
    if (support === 0) {
      absent.push(c)
      classes.push({ index: c, iou: null, acc: null, support, predicted, tp })
      continue
    }
    const iou = tp / (support + predicted - tp)
    const acc = tp / support
    present++
    iouSum += iou
    accSum += acc
    weighted += support * iou
    classes.push({ index: c, iou, acc, support, predicted, tp })
  }
  return {
    classes,
    miou: present ? iouSum / present : null,
    fmiou: present ? weighted / samples : null,
    macc: present ? accSum / present : null,
    oacc: samples ? tpAll / samples : null,
    absent, samples, ignored: cm.ignored, outsidePredictions: colSum[k],
  }
}
