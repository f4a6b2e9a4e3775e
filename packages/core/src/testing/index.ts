/**
 * `@plaf/core/testing`: the conformance kit, standalone contexts and shared helpers for plugin
 * tests. Importable without vitest (an optional peer); only the suites need it.
 */
export {
  describeInputPlugin,
  describeStagePlugin,
  fingerprint,
  runStageCase,
  unusedVolatile,
  type InputCase,
  type StageCase,
  type StageSuiteOptions,
} from './conformance.js'
export {
  createRunContext,
  createStandaloneContext as createTestContext,
  type StandaloneContextOptions as TestContextOptions,
} from '../runtime/context.js'
export { findPython, pythonCheck, runPython, type PythonCheck } from './python.js'
export { frameOf, makeFrame } from './frames.js'
export { describeReadmeOptions } from './readme.js'
export { mulberry32, type Rng } from '../util/random.js'
export { maxAbsDiff } from './numeric.js'
export { tempDir, type TempDir } from './temp.js'
export { FUZZ_RUNS, fuzzParams, mutate, type Mutation } from './mutate.js'
export { denseMaskMeanOracle, naiveUpsample } from './mask-mean-oracle.js'
export { fingerprintFiles, listFiles, type VolatileField } from './written-files.js'
export { InstanceLedger } from './lifecycle.js'
export { uniformColourFeatures, writeImageContractModel, type ContractModel, type ContractOutput, type ImageContractSpec } from './image-contract.js'
export { adaptorForward, adaptorNodes, adaptorWeights, type AdaptorSpec, type AdaptorWeights } from './adaptor-contract.js'
export { serveHub, type HubFaults, type HubRequest, type HubServer } from './hub-server.js'
export { writeModelDir, type ModelManifestParts } from './model-dir.js'
export { bytesToUnicode, clipBpeTokenizerJson, unigramTokenizerJson, type ClipBpeTokenizerOptions, type UnigramPiece, type UnigramTokenizerOptions } from './tokenizers.js'
export { CONTRACT_TEXT_WORDS, writeTextContractModel, type TextContractModel, type TextContractSpec } from './text-contract.js'
export { PNG_EXTREMES, mutatePng, type PngEdit } from './png-mutate.js'
