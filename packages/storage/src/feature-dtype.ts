import { float16ToFloat32, float32ToFloat16, type NpyDtype } from '@plaf/core'

/** How feature rows are stored on disk. */
export type FeatureDtype = 'float32' | 'float16'

/** The JSON Schema of the shared `feature_dtype` option. */
export const featureDtypeOption = {
  type: 'string',
  enum: ['float32', 'float16'],
  default: 'float32',
  description: 'Element type of stored feature rows: float32, or float16 (IEEE half) to halve the bytes; features are unit-norm, so float16 loses under 1e-3.',
} as const

/** The `.npy` dtype of a feature dtype. */
export const npyDtypeOf = (d: FeatureDtype): NpyDtype => (d === 'float16' ? '<f2' : '<f4')

/** Bytes per stored element (b in the paper's equations). */
export const featureBytes = (d: FeatureDtype): number => (d === 'float16' ? 2 : 4)

/** Float32 rows in their on-disk representation (float16 as half bits). */
export function toStored(data: Float32Array, dtype: FeatureDtype): Float32Array | Uint16Array {
  return dtype === 'float16' ? float32ToFloat16(data) : data
}

/** Stored rows back as float32 (`<f2` half bits are widened). */
export function fromStored(data: Float32Array | Uint16Array, npyDtype: NpyDtype): Float32Array {
  return npyDtype === '<f2' ? float16ToFloat32(data as Uint16Array) : (data as Float32Array)
}
