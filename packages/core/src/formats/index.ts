/** File formats readable without PLAF: .npy, 16-bit and 8-bit PNG, binary PLY, half floats. */
export { float16ToFloat32, float32ToFloat16, toHalfBits } from './float16.js'
export { decodePng, encodePng, type PngEncodeOptions, type PngImage } from './png.js'
export {
  decodeNpy, encodeNpy, npyDtypeOf, npyHeader, npyItemSize, parseNpyHeader, typedBytes,
  type NpyArray, type NpyData, type NpyDtype, type NpyHeaderInfo,
} from './npy.js'
export { decodePly, encodePly, plyHeader, type PlyArray, type PlyData, type PlyInput, type PlyProperty, type PlyType } from './ply.js'
// Streaming writers for large .npy files; re-exported here because core/src/index.ts lists util exports by name.
