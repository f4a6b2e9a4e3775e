/** `@plaf/backbone-radio`. */
export { VERSION } from './version.js'
