/** `@plaf/backbone-radio`: RADIO through ONNX (the `radio` backbone) and its paired SigLIP text tower (`siglip-text`). */
export { radioBackbone, type RadioOptions } from './radio.js'
export { siglipTextEncoder, type SiglipTextOptions } from './siglip-text.js'
export { VERSION } from './version.js'

import { radioBackbone } from './radio.js'
import { siglipTextEncoder } from './siglip-text.js'

/** The package's plugins, for registration (default export, as third-party loading expects). */
export const plugins = [radioBackbone, siglipTextEncoder] as const
export default plugins
