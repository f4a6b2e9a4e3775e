/** `@plaf/masker-classic`: class-agnostic maskers without networks (felzenszwalb, grid). */
export { felzenszwalbMasker, type FelzenszwalbOptions } from './felzenszwalb-masker.js'
export { gridMasker, type GridOptions } from './grid-masker.js'
export { felzenszwalb, segmentationSize, type FelzenszwalbParams, type Segmentation } from './felzenszwalb.js'
export { labelsToMasks } from './kernels/labels-to-masks.js'
export { VERSION } from './version.js'

import { felzenszwalbMasker } from './felzenszwalb-masker.js'
import { gridMasker } from './grid-masker.js'

/** Both plugins of the package, for registration (default export, as third-party loading expects). */
export const plugins = [felzenszwalbMasker, gridMasker] as const
export default plugins
