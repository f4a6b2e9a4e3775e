import { vocabulary, type NamedColourEntry, type Vocabulary } from './vocabulary.js'

/** Longest run of words joined into one name: "really light blue", "light golden rod yellow". */
const MAX_WORDS = 4

/** The colour a phrase names: a basic term (a category), or a named colour (one shade). */
export type ColorMatch =
  | { kind: 'term'; /** Dimension of the term. */ entry: number; name: string; words: string[] }
  | { kind: 'colour'; colour: NamedColourEntry; name: string; words: string[] }

/** Lowercase words of a phrase: every run of characters other than a–z is a separator. */
export function phraseWords(text: string): string[] {
  return text.toLowerCase().split(/[^a-z]+/).filter((w) => w.length > 0)
}

/**
 * Finds the colour a phrase names, or null when it names none. Scanning left to right, at each
 * word the longest run of up to four words that joins into a known name wins: a survey or CSS
 * colour name ("navy blue", "dark green", "lightseagreen"), else a basic term ("red", "gray").
 * The first colour found is the phrase's colour and the rest is ignored: "navy blue chair" → navy
 * blue, "red and white mug" → red.
 */
export function parseColorPhrase(text: string, vocab: Vocabulary = vocabulary()): ColorMatch | null {
  const words = phraseWords(text)
  for (let i = 0; i < words.length; i++) {
    for (let n = Math.min(MAX_WORDS, words.length - i); n >= 1; n--) {
      const run = words.slice(i, i + n)
      const name = run.join('')
      const entry = vocab.index.get(name)
      if (entry !== undefined) return { kind: 'term', entry, name, words: run }
      const colour = vocab.names.get(name)
      if (colour) return { kind: 'colour', colour, name: colour.name, words: run }
    }
  }
  return null
}
