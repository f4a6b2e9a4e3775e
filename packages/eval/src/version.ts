/** Version of `@plaf/eval`, stamped on its reports. */
export const VERSION = '0.1.0'
