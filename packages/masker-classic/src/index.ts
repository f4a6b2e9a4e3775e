/** `@plaf/masker-classic`: class-agnostic maskers without networks (felzenszwalb, grid, slic). */
export { felzenszwalbMasker, type FelzenszwalbOptions } from './felzenszwalb-masker.js'
export { gridMasker, type GridOptions } from './grid-masker.js'
export { slicMasker, type SlicOptions } from './slic-masker.js'
export { slic, type SlicParams, type SlicSegmentation } from './slic.js'
export { rgbToLab } from './kernels/rgb-to-lab.js'
export { initialCentres, slicCluster, type Centres } from './kernels/slic-cluster.js'
export { enforceConnectivity } from './kernels/enforce-connectivity.js'
export { felzenszwalb, segmentationSize, type FelzenszwalbParams, type Segmentation } from './felzenszwalb.js'
export { labelsToMasks } from './kernels/labels-to-masks.js'
export { VERSION } from './version.js'

import { felzenszwalbMasker } from './felzenszwalb-masker.js'
import { gridMasker } from './grid-masker.js'
import { slicMasker } from './slic-masker.js'

/** The package's plugins, for registration (default export, as third-party loading expects). */
export const plugins = [felzenszwalbMasker, gridMasker, slicMasker] as const
export default plugins
