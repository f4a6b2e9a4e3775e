import type { ClassSet } from '../classes.js'
import type { ConfusionMatrix } from '../metrics/confusion.js'
import type { SegmentationScores } from '../metrics/scores.js'

/** One class in the result: `iou` and `acc` are null for a class absent from the ground truth. */
export interface ClassResult {
  id: number
  name: string
  iou: number | null
  acc: number | null
  support: number
}

/** Scores of one matrix in the `--json` shape. */
export interface ScoresJson {
  classes: ClassResult[]
  miou: number | null
  fmiou: number | null
  macc: number | null
  /** What was not scored: ground-truth samples outside the class set, and classes absent from the ground truth (left out of the means). */
  ignored: { samples: number; classes: string[] }
  /** Overall accuracy (Σ TP / Σ support). */
  oacc: number | null
  /** Scored samples whose prediction was outside the class set or missing (misses). */
  outside_predictions: number
  samples: number
}

/** The `--json` object of `plaf eval scannet` / `scannet2d`, also written by `--out` as result.json. */
export interface EvalJson extends ScoresJson {
  protocol: Record<string, unknown>
  /** The run manifests (pipeline, plugins, models and hashes) the predictions came from; empty for prediction files. */
  runs: unknown[]
  /** Per scene: the file or run (and how it was transferred) the predictions came from. */
  sources: { scene: string; prediction: string | null }[]
  /** Per scene (only with several scenes); the top level is then the pooled result. */
  scenes?: (ScoresJson & { scene: string })[]
  /** The pooled confusion matrix: rows = ground truth (class order), columns = prediction + "outside". */
  confusion: { rows: string[]; columns: string[]; counts: number[][] }
  /** The evaluation's warnings, when there were any. */
  warnings?: unknown[]
}

/** Scores in the `--json` shape. */
export function scoresJson(set: ClassSet, s: SegmentationScores): ScoresJson {
  return {
    classes: s.classes.map((c) => ({ id: set.ids[c.index], name: set.names[c.index], iou: c.iou, acc: c.acc, support: c.support })),
    miou: s.miou, fmiou: s.fmiou, macc: s.macc,
    ignored: { samples: s.ignored, classes: s.absent.map((i) => set.names[i]) },
    oacc: s.oacc, outside_predictions: s.outsidePredictions, samples: s.samples,
  }
}

/** The confusion matrix as nested arrays with its row and column names. */
export function confusionJson(set: ClassSet, cm: ConfusionMatrix): EvalJson['confusion'] {
  const k = cm.classes
  const counts: number[][] = []
  for (let g = 0; g < k; g++) counts.push(Array.from(cm.counts.subarray(g * (k + 1), (g + 1) * (k + 1))))
  return { rows: [...set.names], columns: [...set.names, 'outside the set / none'], counts }
}
