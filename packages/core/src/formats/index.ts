/** File formats readable without PLAF: .npy, 16-bit and 8-bit PNG, binary PLY, half floats. */
export { float16ToFloat32, float32ToFloat16, toHalfBits } from './float16.js'
