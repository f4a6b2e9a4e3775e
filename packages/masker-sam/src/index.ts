/** `@plaf/masker-sam`: SAM's automatic mask generator in TypeScript over ONNX SAM exports. */
export { maskToBox } from './amg/boxes.js'
export { connectedComponents } from './amg/components.js'
export { generateCropBoxes, isBoxNearCropEdge, type CropBox } from './amg/crops.js'
export { ClassifierPool, NonFiniteLogits, threadCpuMs } from './amg/classify-pool.js'
export type { PlaneResult } from './amg/classify-job.js'
export { generateMasks, pointGridsFor } from './amg/generator.js'
export { buildAllLayerPointGrids, buildPointGrid } from './amg/grid.js'
export { cropToBox, pasteMask, type AmgMask } from './amg/mask-record.js'
export { nms } from './amg/nms.js'
export { AMG_DEFAULTS, type AmgOptions } from './amg/options.js'
export { removeSmallRegionsAll } from './amg/postprocess.js'
export type { AmgTimings, EncodedCrop, MaskPredictor, PromptBatch } from './amg/predictor.js'
export { areaFromRle, maskToRle, rleToMask, type Rle } from './amg/rle.js'
export { removeSmallRegions, type OutsidePixels } from './amg/small-regions.js'
export { stabilityScore } from './amg/stability.js'
export { linearTaps, resizeBilinear, upsampleLogits, type UpsamplePlan } from './amg/upsample.js'
export { VERSION } from './version.js'
export { samMasker, toMaskSet } from './plugin.js'
export { checkSamOptions, samOptionProblems, samOptionsSchema, type SamOptions } from './options-schema.js'
export { openSamModel, type SamModel } from './session.js'
export { decoderLayout, familiesOf, samManifestProblem } from './family.js'
export { ADAPTERS, SAM_FAMILIES } from './adapters/layouts.js'
export { maskSelection, readMasks, type AdapterInfo, type Binding, type DecoderAdapter, type SamLayout, type TensorNeed } from './adapters/types.js'

import { samMasker } from './plugin.js'

/** The package's plugins, for registration (default export, as third-party loading expects). */
export const plugins = [samMasker] as const
export default plugins
