/** Version of `@plaf/aggregator`, stamped on its plugins. */
export const VERSION = '0.1.0'
