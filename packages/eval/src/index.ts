/**
 * `@plaf/eval`: confusion-matrix metrics, the `plaf eval scannet` / `scannet2d` harness, reports
 * (JSON, CSV, Markdown) and plots. The ADE20K linear probe lives in `src/probe/` and is exported
 * from here too.
 */
export { accumulateConfusion, confusionMatrix, emptyConfusion, mapIds, sumConfusion, type ConfusionMatrix } from './metrics/confusion.js'
export { segmentationScores, type ClassScore, type SegmentationScores } from './metrics/scores.js'
export { VERSION } from './version.js'
// probe (src/probe/): exports below this line
export * from './probe/index.js'
