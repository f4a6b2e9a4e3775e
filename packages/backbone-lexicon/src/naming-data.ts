import { createRequire } from 'node:module'

/** One named colour of a naming dataset. */
export interface NamedColour {
  /** As the dataset spells it, e.g. `brick red`. */
  name: string
  /** sRGB bytes. */
  rgb: readonly [r: number, g: number, b: number]
}

const HEX = /^#[0-9a-f]{6}$/i

/** Parses a `{ name, hex }[]` list; a malformed entry is a broken dependency, named in the error. */
export function parseHexList(list: unknown, source: string): NamedColour[] {
  if (!Array.isArray(list)) throw new TypeError(`${source}: expected an array of { name, hex }`)
  return list.map((e: { name?: unknown; hex?: unknown }, i) => {
    if (typeof e?.name !== 'string' || typeof e.hex !== 'string' || !HEX.test(e.hex)) {
      throw new TypeError(`${source}[${i}]: expected { name: string, hex: "#rrggbb" }, got ${JSON.stringify(e)}`)
    }
    const h = e.hex
    return { name: e.name.trim(), rgb: [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)] as const }
  })
}

let xkcd: readonly NamedColour[] | undefined

/**
 * The xkcd colour survey's 949 names (Munroe, 2010: the most common names several hundred
 * thousand people typed for RGB monitor colours; CC0), as the npm package `color-name-lists`
 * ships them.
 */
export function xkcdColours(): readonly NamedColour[] {
  const file = 'color-name-lists/lib/colors/xkcd.json'
  xkcd ??= Object.freeze(parseHexList(createRequire(import.meta.url)(file), file))
  return xkcd
}
