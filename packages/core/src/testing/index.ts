/** `@plaf/core/testing`: the conformance kit and standalone contexts for plugin tests. */
export { describeInputPlugin, describeStagePlugin, fingerprint, type InputCase, type StageCase } from './conformance.js'
export { createRunContext, createTestContext, type TestContextOptions } from './context.js'
export { findPython, runPython } from './python.js'
