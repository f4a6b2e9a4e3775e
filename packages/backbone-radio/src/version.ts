/** Version of @plaf/backbone-radio; its plugins report it. */
export const VERSION = '0.1.0'
