/** `@plaf/viewer`: `plaf view`, a local web viewer of a finished run's 3D map with text queries, and its static export. */
export { openViewerData, type ViewerData } from './run-data.js'
export { startViewer, type ViewerServer, type ViewerServerOptions } from './server.js'
export { exportPage, type ExportOptions, type ExportedData } from './export.js'
export { hostAllowed, safeSegments } from './request-path.js'
export { cosineScores, evenSubsample, scoresJson, unitRows, type UnitRows } from './score.js'
export { PAGE_DIR, pageAssets } from './assets.js'
export * from './wire.js'
