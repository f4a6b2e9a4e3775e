/** `@plaf/backbone-radio`: RADIO through ONNX (the `radio` backbone). */
export { radioBackbone, type RadioOptions } from './radio.js'
export { VERSION } from './version.js'

import { radioBackbone } from './radio.js'

/** The package's plugins, for registration (default export, as third-party loading expects). */
export const plugins = [radioBackbone] as const
export default plugins
