/** The ADE20K linear probe: per-(memory row, class) rows, the BN + linear head, AdamW training, the probe run. */
export { checkSameSize, imageRows, PROBE_CLASSES, type ImageRows } from './rows.js'
export {
  BN_EPS, BN_MOMENTUM, batchGradients, cloneHead, initHead, predictRows, transpose, updateRunningStats, weightedMoments,
  type BatchResult, type HeadGradients, type ProbeBatch, type ProbeHead,
} from './head.js'
export { ADAMW_DEFAULTS, adamwStep, createAdamW, learningRate, type AdamW, type AdamWOptions } from './adamw.js'
export { TrainingSet, concatBatch, trainProbe, type ImageSamples, type TrainOptions, type TrainResult } from './train.js'
export { aggregatorClosure, openProbeExtractor, type ProbeExtractor, type ProbeVariant, type VariantStages } from './features.js'
export {
  PROBE_DEFAULTS, runAde20kProbe,
  type Ade20kProbeOptions, type Ade20kProbeResult, type ProbeClassScore, type ProbeProgress, type ProbeVariantResult,
} from './probe.js'
export { probeClassesSpec, probeComparisonSpec, probeMarkdown, writeProbeReport } from './report.js'
