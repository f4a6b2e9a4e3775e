/** `@plaf/core`: contracts, port types, diagnostics, registry, pipeline language, runtime, tensor seam. */
export * from './ports.js'
export * from './plugin.js'
export * from './diagnostics.js'
export * from './options.js'
export * from './backends/index.js'
export * from './formats/index.js'
export { writeFileAtomic, writeJsonAtomic } from './util/atomic.js'
