import { vocabulary, type Vocabulary } from './vocabulary.js'

/** Longest run of words joined into one CSS name: "light goldenrod yellow", "light golden rod yellow". */
const MAX_WORDS = 4

/** The colour a phrase names. */
export interface ColorMatch {
  /** Entry index in the vocabulary (the dimension of the lexicon space). */
  entry: number
  /** The CSS name matched, e.g. `darkgreen` for "Dark green!". */
  name: string
  /** The phrase's words that spelled it. */
  words: string[]
}

/** Lowercase words of a phrase: every run of characters other than a–z is a separator. */
export function phraseWords(text: string): string[] {
  return text.toLowerCase().split(/[^a-z]+/).filter((w) => w.length > 0)
}

/**
 * Finds the colour a phrase names, or null when it names none. Scanning left to right, at each
 * word the longest run of up to four words that joins into a CSS name wins, so modifiers compound
 * when CSS has the compound ("dark green" → darkgreen, "light sea green" → lightseagreen) and are
 * dropped when it has not ("light red" → red). The first colour found is the phrase's colour and
 * the rest is ignored: "navy blue chair" → navy, "red and white mug" → red.
 */
export function parseColorPhrase(text: string, vocab: Vocabulary = vocabulary()): ColorMatch | null {
  const words = phraseWords(text)
  for (let i = 0; i < words.length; i++) {
    for (let n = Math.min(MAX_WORDS, words.length - i); n >= 1; n--) {
      const name = words.slice(i, i + n).join('')
      const entry = vocab.index.get(name)
      if (entry !== undefined) return { entry, name, words: words.slice(i, i + n) }
    }
  }
  return null
}
