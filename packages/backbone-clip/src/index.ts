/** `@plaf/backbone-clip`. */
export { VERSION } from './version.js'
