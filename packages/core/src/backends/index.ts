/** The tensor seam: one interface, several implementations, chosen per run with reasons. */
export { TENSOR_BACKENDS, type BackendChoice, type TensorBackend, type TensorBackendName } from './types.js'
export { createReferenceBackend, matmulReference, normalizeRowsReference, topkReference, argmaxReference } from './reference.js'
export {
  buildModel,
  tensorRawData,
  ONNX_DATA_TYPE_CODES,
  type AttributeValue,
  type GraphInitializer,
  type GraphNode,
  type GraphValue,
  type ModelSpec,
  type OnnxDataType,
  type GraphTensorData,
} from './onnx-graph.js'
export { cudaProviderLibraries, onnxruntimeBindingDir, onnxruntimeVersion, planProviders, type OnnxDevice, type OnnxProvider } from './ort-providers.js'
export { createOnnxruntimeBackend, type OnnxruntimeBackend, type OnnxruntimeBackendOptions } from './onnxruntime.js'
export { createTfjsBackend, tfjsNodeBlocker, type TfjsBackend, type TfjsBackendName } from './tfjs.js'
export { createTensorBackend, probeTensorBackends, selectTensorBackend, type TensorBackendOptions } from './select.js'
export {
  liveOnnxSessions,
  openOnnxSession,
  type OnnxBufferStats,
  type OnnxRunOptions,
  type OnnxSession,
  type OnnxSessionOptions,
  type OnnxTensor,
  type OnnxTensorData,
  type OnnxTensorType,
  type OnnxValueInfo,
} from './onnx-session.js'
export { withSessionLog, type SessionRecord } from './session-log.js'
export { describeEnvironment, type EnvironmentReport } from './environment.js'
