/** Version of @plaf/backbone-clip; its plugins report it. */
export const VERSION = '0.1.0'
