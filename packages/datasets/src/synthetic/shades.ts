import { createRequire } from 'node:module'

/**
 * The shades synthetic objects are painted in: the English colour names of "Many Languages, Many
 * Colors" (Kim, Thayer, Silva Gorsky & Heer, UW Interactive Data Lab: the average colour
 * participants gave each name in an online naming study), as the npm package
 * `many-languages-many-colors-dataset-lists` ships them. A name is a shade of a category when its
 * head (last word) is that basic colour term and no other word is a colour term or its -ish form:
 * `navy blue` and `light green` are, `blue green` and `reddish brown` (between two categories)
 * are not. This is deliberately another source than the colour lexicon's model (the xkcd survey),
 * so a test that paints with these shades does not grade the model on its own data.
 */

/** The chromatic basic colour terms (Berlin & Kay) objects are drawn from, one per object. */
export const OBJECT_CATEGORIES = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'brown'] as const

/** A named shade: its name in the source and its sRGB bytes. */
export interface Shade {
  name: string
  rgb: readonly [number, number, number]
}

const COLOUR_WORD = /^(red|orange|yellow|green|blue|purple|pink|brown|grey|gray|white|black|red+ish|orang(e)?ish|yellowish|greenish|blu(e)?ish|purplish|pinkish|brownish|gr[ae]yish|whitish|blackish)$/
const HEX = /^#[0-9a-f]{6}$/i

/** Files `{ name, hex }` entries under OBJECT_CATEGORIES by the head-word rule above. */
export function fileShades(list: readonly { name: string; hex: string }[]): Record<string, Shade[]> {
  const out: Record<string, Shade[]> = Object.fromEntries(OBJECT_CATEGORIES.map((c) => [c, []]))
  for (const e of list) {
    if (!HEX.test(e.hex)) throw new TypeError(`shade "${e.name}": expected hex "#rrggbb", got ${JSON.stringify(e.hex)}`)
    const words = e.name.toLowerCase().split(/[^a-z]+/).filter((w) => w.length > 0)
    const head = words.at(-1)
    if (!head || !(head in out) || words.slice(0, -1).some((w) => COLOUR_WORD.test(w))) continue
    out[head].push({ name: e.name, rgb: [1, 3, 5].map((i) => parseInt(e.hex.slice(i, i + 2), 16)) as unknown as Shade['rgb'] })
  }
  return out
}

let filed: Readonly<Record<string, readonly Shade[]>> | undefined

/** Every shade of every object category (built once from the dataset). */
export function objectShades(): Readonly<Record<string, readonly Shade[]>> {
  const file = 'many-languages-many-colors-dataset-lists/json/en-english.json'
  filed ??= Object.freeze(fileShades(createRequire(import.meta.url)(file) as { name: string; hex: string }[]))
  return filed
}
