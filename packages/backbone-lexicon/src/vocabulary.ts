import { BASIC_TERMS, basicTermIndex, fileUnder } from './basic-terms.js'
import { CSS_COLORS } from './css-colors.js'
import { srgbToLab } from './kernels/srgb-to-lab.js'
import { xkcdColours } from './naming-data.js'
import { VERSION } from './version.js'

/** One dimension of the lexicon space: a basic colour term. */
export interface VocabularyEntry {
  /** The term, e.g. `grey`. */
  name: string
  /** Every spelling of it (`grey`, `gray`). */
  aliases: readonly string[]
}

/** A colour name a phrase may use: a survey name (filed or not) or a CSS name. */
export interface NamedColourEntry {
  /** As spelled in its source, e.g. `navy blue`, `darkgreen`. */
  name: string
  source: 'xkcd' | 'css'
  rgb: readonly [r: number, g: number, b: number]
  /** CIE L*a*b* (D65). */
  lab: readonly [L: number, a: number, b: number]
}

/**
 * The naming model: the survey colours filed under a basic term, as a Lab table and the term of
 * each row. A colour's vector is the share of the kernel mass exp(−ΔE²/τ²) of these colours that
 * falls on each term (see `termAssign`).
 */
export interface NamingModel {
  /** N×3 Lab of the filed colours, row-major. */
  centres: Float64Array
  /** Term index (dimension) of each centre. */
  centreTerm: Uint8Array
  /** Names of the centres, in row order. */
  centreNames: readonly string[]
  /** Number of terms, D. */
  d: number
}

/** The vocabulary with its lookup tables, built once. */
export interface Vocabulary {
  /** The D basic terms, the dimensions of the space. */
  entries: readonly VocabularyEntry[]
  model: NamingModel
  /** Every spelling of a basic term to its dimension. */
  index: ReadonlyMap<string, number>
  /** Every named colour (lowercase, no spaces: `navyblue`), survey names over CSS names. */
  names: ReadonlyMap<string, NamedColourEntry>
}

let built: Vocabulary | undefined

const key = (name: string): string => name.toLowerCase().replace(/[^a-z]/g, '')

function named(name: string, source: NamedColourEntry['source'], rgb: readonly [number, number, number]): NamedColourEntry {
  const lab = new Float64Array(3)
  srgbToLab(rgb[0], rgb[1], rgb[2], lab)
  return Object.freeze({ name, source, rgb: Object.freeze([rgb[0], rgb[1], rgb[2]] as const), lab: Object.freeze([lab[0], lab[1], lab[2]] as const) })
}

function build(): Vocabulary {
  const entries = BASIC_TERMS.map((t) => Object.freeze({ name: t, aliases: Object.freeze(t === 'grey' ? ['grey', 'gray'] : [t]) }))
  const index = new Map<string, number>()
  for (const e of entries) for (const a of e.aliases) index.set(a, basicTermIndex(a)!)
  const names = new Map<string, NamedColourEntry>()
  const filed: { entry: NamedColourEntry; term: number }[] = []
  for (const c of xkcdColours()) {
    const entry = named(c.name, 'xkcd', c.rgb)
    if (!names.has(key(c.name))) names.set(key(c.name), entry)
    const term = fileUnder(c.name)
    if (term !== undefined) filed.push({ entry, term })
  }
  for (const [name, rgb] of Object.entries(CSS_COLORS)) if (!names.has(name)) names.set(name, named(name, 'css', rgb))
  const centres = new Float64Array(3 * filed.length)
  const centreTerm = new Uint8Array(filed.length)
  filed.forEach((f, i) => {
    centres.set(f.entry.lab, 3 * i)
    centreTerm[i] = f.term
  })
  const model = { centres, centreTerm, centreNames: Object.freeze(filed.map((f) => f.entry.name)), d: entries.length }
  return { entries: Object.freeze(entries), model, index, names }
}

/**
 * The lexicon: its dimensions are the eleven basic colour terms (BASIC_TERMS); its naming model
 * is the xkcd colour survey's names filed under a term by their head word (`brick red` → red; 509
 * of the 949 names with color-name-lists 3.33); the names a phrase may use are every survey name
 * and, where the survey has no such name, every CSS colour name (npm `color-name`).
 */
export function vocabulary(): Vocabulary {
  built ??= build()
  return built
}

/**
 * Default softmax temperature τ, in CIE76 ΔE units. Chosen on the naming model's own data:
 * leave-one-out, each filed survey colour given its most likely term by the others, errs on 38–40
 * of the 509 filed colours for τ from 8 to 12 (45–47 with a uniform prior over terms instead of
 * the survey's; 67–71 when two-term compounds such as `yellow green` are filed too). 10 is the
 * middle of that flat range and well above the 5-bit RGB lattice's step, so the lattice costs little.
 */
export const DEFAULT_TEMPERATURE = 10

/**
 * The embedding-space id shared by `color-lexicon` and `color-lexicon-text`: `color-lexicon/0.3.0`
 * at the default temperature. Another temperature gives other vectors for the same colour, so it
 * is part of the id (`color-lexicon/0.3.0;t=20`): a querier then refuses to mix the two.
 */
export function lexiconSpace(temperature: number = DEFAULT_TEMPERATURE): string {
  const base = `color-lexicon/${VERSION}`
  return temperature === DEFAULT_TEMPERATURE ? base : `${base};t=${temperature}`
}
