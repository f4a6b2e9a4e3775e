/** `@plaf/backbone-radio/testing`: generators of contract models for tests. */
export { VERSION } from '../version.js'
