/** Version of @plaf/backbone-lexicon; plugins report it and the embedding space names it. */
export const VERSION = '0.1.0'
