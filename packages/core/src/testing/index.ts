/** `@plaf/core/testing`: the conformance kit and standalone contexts for plugin tests. */
export { describeInputPlugin, describeStagePlugin, fingerprint, type InputCase, type StageCase } from './conformance.js'
export {
  createRunContext,
  createStandaloneContext as createTestContext,
  type StandaloneContextOptions as TestContextOptions,
} from '../runtime/context.js'
export { findPython, pythonCheck, runPython, type PythonCheck } from './python.js'
export { frameOf, makeFrame } from './frames.js'
export { describeReadmeOptions } from './readme.js'
