/** Version of `@plaf/datasets`, stamped on its plugins. */
export const DATASETS_VERSION = '0.1.0'

/**
 * Version of the procedural scene generator. Bump it whenever the same options would render
 * different pixels, geometry or files: it is part of every synthetic source's identity.
 */
export const GENERATOR_VERSION = 2
