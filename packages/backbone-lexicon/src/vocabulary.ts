import { CSS_COLORS } from './css-colors.js'
import { srgbToLab } from './kernels/srgb-to-lab.js'
import { VERSION } from './version.js'

/** One dimension of the lexicon space: a CSS colour and every name that spells it. */
export interface VocabularyEntry {
  /** Canonical name (the first alias in color-name's alphabetical order, e.g. `aqua` over `cyan`). */
  name: string
  /** Every CSS name with this exact RGB value, canonical first (`gray`, `grey`). */
  aliases: readonly string[]
  /** sRGB bytes. */
  rgb: readonly [r: number, g: number, b: number]
  /** CIE L*a*b* (D65). */
  lab: readonly [L: number, a: number, b: number]
}

/** The vocabulary with its lookup tables, built once. */
export interface Vocabulary {
  entries: readonly VocabularyEntry[]
  /** D×3 Lab table, row-major, the order of `entries`. */
  lab: Float64Array
  /** Every alias (lowercase, no spaces) to its entry index. */
  index: ReadonlyMap<string, number>
}

let built: Vocabulary | undefined

function build(): Vocabulary {
  const byRgb = new Map<string, string[]>()
  for (const [name, rgb] of Object.entries(CSS_COLORS)) {
    const key = rgb.join(',')
    const list = byRgb.get(key)
    if (list) list.push(name)
    else byRgb.set(key, [name])
  }
  const entries: VocabularyEntry[] = []
  const lab = new Float64Array(3 * byRgb.size)
  const index = new Map<string, number>()
  for (const aliases of byRgb.values()) {
    const i = entries.length
    const rgb = CSS_COLORS[aliases[0]]
    srgbToLab(rgb[0], rgb[1], rgb[2], lab, 3 * i)
    entries.push(
      Object.freeze({
        name: aliases[0],
        aliases: Object.freeze([...aliases]),
        rgb: Object.freeze([rgb[0], rgb[1], rgb[2]] as const),
        lab: Object.freeze([lab[3 * i], lab[3 * i + 1], lab[3 * i + 2]] as const),
      }),
    )
    for (const a of aliases) index.set(a, i)
  }
  return { entries: Object.freeze(entries), lab, index }
}

/**
 * The named colours of the npm package `color-name` (CSS Color Module Level 4: 148 names), with
 * exact RGB duplicates merged into one entry (aqua/cyan, fuchsia/magenta and seven gray/grey
 * pairs), in color-name's key order. With color-name 2.1.1 that is D = 139 entries. Each entry is
 * one dimension of the `color-lexicon` space, for the backbone and the text encoder alike.
 */
export function vocabulary(): Vocabulary {
  built ??= build()
  return built
}

/**
 * Default softmax temperature τ, in CIE76 ΔE units. Chosen by measurement on shaded surfaces: a
 * surface of a basic CSS colour (red, green, blue, orange, cyan, yellow) at 80–100 % brightness
 * scores 0.55–1.0 against its own name and at most 0.15 against the other basic names at τ = 20;
 * at τ = 10 the same blue at 80 % scored 0.02 (too sharp: shading moved it to a neighbour name),
 * and at τ = 30 yellow at 80 % scored 0.42 against "orange" (too blunt).
 */
export const DEFAULT_TEMPERATURE = 20

/**
 * The embedding-space id shared by `color-lexicon` and `color-lexicon-text`: `color-lexicon/0.1.0`
 * at the default temperature. Another temperature gives other vectors for the same colour, so it
 * is part of the id (`color-lexicon/0.1.0;t=20`): a querier then refuses to mix the two.
 */
export function lexiconSpace(temperature: number = DEFAULT_TEMPERATURE): string {
  const base = `color-lexicon/${VERSION}`
  return temperature === DEFAULT_TEMPERATURE ? base : `${base};t=${temperature}`
}
