/** Names of the tensor seam implementations, in the order `auto` tries them. */
export const TENSOR_BACKENDS = ['tfjs-node-gpu', 'onnxruntime', 'tfjs-node', 'tfjs-wasm', 'reference'] as const

/** A tensor seam implementation name. */
export type TensorBackendName = (typeof TENSOR_BACKENDS)[number]

/**
 * The tensor work the stages need outside the networks. Matrices are row-major float32.
 * Every implementation must agree with `reference` (plain typed arrays) within 1e-4 relative.
 */
export interface TensorBackend {
  readonly name: TensorBackendName
  /** Device the work runs on, e.g. `cpu`, `cuda:0`. */
  readonly device: string
  /** C (m×n) = A (m×k) · B (k×n). */
  matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Promise<Float32Array>
  /** L2-normalises each row of an m×n matrix in place and returns it; zero rows stay zero. */
  normalizeRows(a: Float32Array, m: number, n: number): Promise<Float32Array>
  /** Index of the largest entry of each row of an m×n matrix (first one on ties). */
  argmax(a: Float32Array, m: number, n: number): Promise<Int32Array>
  /** Per row, the k largest entries, descending (lower index first on ties). */
  topk(a: Float32Array, m: number, n: number, k: number): Promise<{ indices: Int32Array; values: Float32Array }>
  /** IEEE half-precision bits of each value, round to nearest even. */
  toFloat16(a: Float32Array): Promise<Uint16Array>
  /** float32 values of IEEE half-precision bits. */
  fromFloat16(a: Uint16Array): Promise<Float32Array>
  dispose(): Promise<void>
}

/** Why each candidate was chosen or skipped; written to the run manifest and `plaf doctor`. */
export interface BackendChoice {
  name: TensorBackendName
  status: 'chosen' | 'skipped' | 'available'
  why: string
}
