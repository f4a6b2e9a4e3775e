import { SYNTHETIC_OPTIONS_SCHEMA, resolveOptions, type SyntheticOptions } from './synthetic/options.js'
import { generateRoom, type SyntheticScene } from './synthetic/room.js'

/** Generates a synthetic scene from partial options (validated, defaults filled in); throws PLAF_INVALID_OPTION. */
export function generateScene(options: Partial<SyntheticOptions> = {}): SyntheticScene {
  return generateRoom(resolveOptions<SyntheticOptions>(SYNTHETIC_OPTIONS_SCHEMA, options, 'synthetic-room'))
}
