/**
 * The basic colour terms of English (Berlin & Kay, 1969): the eleven words every speaker uses
 * and files every other colour name under. They are the dimensions of the lexicon space, in
 * Berlin & Kay's order.
 */
export const BASIC_TERMS = ['white', 'black', 'red', 'green', 'yellow', 'blue', 'brown', 'purple', 'pink', 'orange', 'grey'] as const

/** One basic colour term. */
export type BasicTerm = (typeof BASIC_TERMS)[number]

/** Other spellings of a term (American `gray`). */
const SPELLINGS: Readonly<Record<string, BasicTerm>> = { gray: 'grey' }

/** Index in BASIC_TERMS of a word that spells a basic term (`gray` → grey), or undefined. */
export function basicTermIndex(word: string): number | undefined {
  const w = SPELLINGS[word] ?? word
  const i = (BASIC_TERMS as readonly string[]).indexOf(w)
  return i < 0 ? undefined : i
}

/**
 * The basic term a colour name is filed under: its head, the last word, when that word is a basic
 * term and no other word is one. English colour compounds are head-final, so `brick red` and
 * `bluish green` are a red and a green; a compound of two terms (`yellow green`, `blue grey`)
 * names a colour between two categories (Berlin & Kay) and is not filed, nor are names whose head
 * is no basic term (`teal`, `lavender`, `red wine`).
 */
export function fileUnder(name: string): number | undefined {
  const words = name.toLowerCase().split(/[^a-z]+/).filter((w) => w.length > 0)
  if (!words.length || words.slice(0, -1).some((w) => basicTermIndex(w) !== undefined)) return undefined
  return basicTermIndex(words[words.length - 1])
}
