/** `@plaf/backbone-clip`: CLIP/OpenCLIP models through ONNX (the `clip-dense` backbone and the `clip-text` encoder). */
export { clipDenseBackbone, type ClipDenseOptions } from './clip-dense.js'
export { clipTextEncoder, type ClipTextOptions } from './clip-text.js'
export { VERSION } from './version.js'

import { clipDenseBackbone } from './clip-dense.js'
import { clipTextEncoder } from './clip-text.js'

/** The package's plugins, for registration (default export, as third-party loading expects). */
export const plugins = [clipDenseBackbone, clipTextEncoder] as const
export default plugins
