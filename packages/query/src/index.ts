/** `@plaf/query`: the `text` querier, and the scoring functions `plaf query` reuses. */
export { textQuerier, type TextQuerierOptions } from './plugin.js'
export { gatherScores, scoreMap, scoreMemory, scorePool, scoreRows, type MapScores, type RowScores } from './score.js'
export { slugify, uniqueSlugs } from './slug.js'
export { fileSafe, OVERLAY_ALPHA, writeFrameOutputs, writeMapPly } from './outputs.js'
export { heatColors, renderMask, renderOverlay, selectRows } from './kernels/render.js'
export { JET_LUT, jetIndex } from './kernels/colormap.js'
export { VERSION } from './version.js'
