/** Version of @plaf/masker-classic, reported by its plugins. */
export const VERSION = '0.2.0'
