/** Version of @plaf/masker-sam, reported by its plugins. */
export const VERSION = '0.1.0'
