/** Version of `@plaf/query`, stamped on its plugins. */
export const VERSION = '0.1.0'
