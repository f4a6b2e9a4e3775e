/** Version of `@plaf/lifter`, stamped on its plugins. */
export const VERSION = '0.1.0'
