/** The tensor seam: one interface, several implementations, chosen per run with reasons. */
export { TENSOR_BACKENDS, type BackendChoice, type TensorBackend, type TensorBackendName } from './types.js'
export { createReferenceBackend, matmulReference, normalizeRowsReference, topkReference, argmaxReference } from './reference.js'
