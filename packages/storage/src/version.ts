/** Version of `@plaf/storage`, stamped on its plugins. */
export const VERSION = '0.1.0'
