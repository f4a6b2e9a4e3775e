/** `@plaf/backbone-clip`: CLIP/OpenCLIP models through ONNX (the `clip-dense` backbone). */
export { clipDenseBackbone, type ClipDenseOptions } from './clip-dense.js'
export { VERSION } from './version.js'

import { clipDenseBackbone } from './clip-dense.js'

/** The package's plugins, for registration (default export, as third-party loading expects). */
export const plugins = [clipDenseBackbone] as const
export default plugins
