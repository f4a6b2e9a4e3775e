/** `@plaf/viewer`: `plaf view`, a local web viewer of a finished run's 3D map with text queries, and its static export. */
export { frameScores, openViewerData, poolScores, viewerWarnings, type ViewerData } from './run-data.js'
export { escapeHtml, inlineJson, warningsBanner, withWarnings, WARNINGS_MARK } from './banner.js'
export { startViewer, type ViewerServer, type ViewerServerOptions } from './server.js'
export { exportPage, THUMBNAIL_BUDGET, THUMBNAIL_WIDTH, type ExportOptions } from './export.js'
export { hostAllowed, safeSegments } from './request-path.js'
export { evenSubsample, f32Base64, scoreTexts, softmaxRivals, type ScoreTable } from './score.js'
export { PAGE_DIR, pageAssets } from './assets.js'
export * from './wire.js'
