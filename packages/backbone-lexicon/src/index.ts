/** `@plaf/backbone-lexicon`: the weight-free colour backbone and its text encoder. */
export { colorLexiconBackbone, resizeTransform, type ColorLexiconOptions } from './color-lexicon.js'
export { colorLexiconTextEncoder, type ColorLexiconTextOptions } from './color-lexicon-text.js'
export { BASIC_TERMS, basicTermIndex, fileUnder, type BasicTerm } from './basic-terms.js'
export { colourEmbedding, phraseEmbedding, termEmbedding } from './embedding.js'
export { xkcdColours, type NamedColour } from './naming-data.js'
export { parseColorPhrase, phraseWords, type ColorMatch } from './phrase.js'
export { DEFAULT_TEMPERATURE, lexiconSpace, vocabulary, type NamedColourEntry, type NamingModel, type Vocabulary, type VocabularyEntry } from './vocabulary.js'
export { VERSION } from './version.js'

import { colorLexiconBackbone } from './color-lexicon.js'
import { colorLexiconTextEncoder } from './color-lexicon-text.js'

/** Both plugins of the package, for registration (default export, as third-party loading expects). */
export const plugins = [colorLexiconBackbone, colorLexiconTextEncoder] as const
export default plugins
