/**
 * `@plaf/eval`: confusion-matrix metrics, the `plaf eval scannet` / `scannet2d` harness, reports
 * (JSON, CSV, Markdown) and plots. The ADE20K linear probe lives in `src/probe/` and is exported
 * from here too.
 */
export { accumulateConfusion, confusionMatrix, emptyConfusion, mapIds, sumConfusion, type ConfusionMatrix } from './metrics/confusion.js'
export { segmentationScores, type ClassScore, type SegmentationScores } from './metrics/scores.js'
export { BACKGROUND_CLASSES, CLASS_SETS, classLookup, classSet, promptName, type ClassSet, type ClassSetName } from './classes.js'
export { classPrompts, type ClassPrompts } from './prompts.js'
export { poolArgmax } from './kernels/pool-argmax.js'
export { VoxelVotes } from './kernels/voxel-votes.js'
export { PREDICTION_FORMATS, readVertexPredictions, scenePredictionFile, type VertexPredictions } from './scannet/predictions.js'
export { checkSceneDir, vertexGroundTruth, type VertexGroundTruth } from './scannet/vertex-gt.js'
export { ensembleMean, readRunMap, type RunManifestSummary, type RunMap, type RunReportLike } from './scannet/run-map.js'
export { readSceneList, type ListedScene } from '@plaf/core'
export { liftLabelVoxels, voxelEvaluation, VOXEL_SIZE } from './scannet/voxel.js'
export {
  BACKGROUND_MODES, PROTOCOLS_3D, evaluateScannet, runAlignment, transformPoints, type PredictionSource, type ProtocolBlock, type ScannetEval, type ScannetEvalOptions, type SceneResult,
} from './scannet/evaluate.js'
export { evalScannet2d, evaluateScannet2d, evenlySpaced, type Scannet2dEvalOptions } from './scannet2d/evaluate.js'
export { resampleLabels } from './kernels/label-grid.js'
export { evalScannet, sweepVariants, type EvalScannetFlags, type EvalScannetResult } from './scannet/command.js'
export { confusionJson, scoresJson, type ClassResult, type EvalJson, type ScoresJson } from './report/result.js'
export { count, evalCsv, evalJson, evalMarkdown, evalText, manifestLines, pct, protocolLines, type EvalOutcome } from './report/format.js'
export { confusionSpec, perClassIouSpec, renderSvg, storageSpec, writePlot } from './report/plots.js'
export { humanBytes, humanMs, runFigures, sweepMarkdown, writeSweepReport, type SweepRow } from './report/sweep.js'
export { makeOutDir, writeEvalReport } from './report/write.js'
export { VERSION } from './version.js'
// probe (src/probe/): exports below this line
export * from './probe/index.js'
