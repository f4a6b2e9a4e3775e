import type { OverrideArg } from './load.js'
import { escapeSegment, type Origin, type Provenance } from './provenance.js'
import type { ResolvedPipeline } from './resolve.js'

/** One variant of a sweep: its name (used as sub-directory) and its `--set` overrides. */
export interface SweepVariant {
  name: string
  overrides: string[]
  /**
   * For each override, the JSON pointer of the value in the pipeline that gave it: a matrix value
   * (`/sweep/matrix/stages.masker.use/1`) or an `include` entry's (`/sweep/include/0/runtime.threads`).
   */
  sources: string[]
}

const short = (path: string): string => path.split('.').filter((s) => s !== 'stages' && s !== 'with').join('.')
const slug = (v: unknown): string => String(typeof v === 'object' ? JSON.stringify(v) : v).replace(/[^A-Za-z0-9._-]+/g, '_')

type Combo = Record<string, { value: unknown; ptr: string }>

function matches(combo: Combo, pattern: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([k, v]) => JSON.stringify(combo[k]?.value) === JSON.stringify(v))
}

/** The combination is exactly `pattern`: the same keys with the same values. */
const same = (combo: Combo, pattern: Record<string, unknown>): boolean => matches(combo, pattern) && Object.keys(combo).every((k) => k in pattern)

/** Expands `sweep:` into variants: the cartesian product of `matrix`, minus `exclude`, plus `include`. */
export function expandSweep(sweep: NonNullable<ResolvedPipeline['sweep']>): SweepVariant[] {
  let combos: Combo[] = [{}]
  for (const [path, list] of Object.entries(sweep.matrix)) {
    const at = `/sweep/matrix/${escapeSegment(path)}`
    combos = combos.flatMap((c) => list.map((value, i) => ({ ...c, [path]: { value, ptr: `${at}/${i}` } })))
  }
  combos = combos.filter((c) => !(sweep.exclude ?? []).some((x) => matches(c, x)))
  ;(sweep.include ?? []).forEach((inc, j) => {
    if (combos.some((c) => same(c, inc))) return
    combos.push(Object.fromEntries(Object.entries(inc).map(([k, value]) => [k, { value, ptr: `/sweep/include/${j}/${escapeSegment(k)}` }])))
  })
  return combos.map((c) => {
    const entries = Object.entries(c)
    return {
      name: entries.map(([k, e]) => `${short(k)}=${slug(e.value)}`).join(',') || 'base',
      overrides: entries.map(([k, e]) => `${k}=${typeof e.value === 'string' ? e.value : JSON.stringify(e.value)}`),
      sources: entries.map(([, e]) => e.ptr),
    }
  })
}

/**
 * A variant's overrides located in the pipeline file that holds the sweep: each at its matrix (or
 * `include`) value, with the matrix key as its key position, so a diagnostic about a variant
 * points at the value in the YAML that made it, not at a `--set` nobody typed.
 */
export function sweepOverrides(variant: SweepVariant, provenance: Provenance): OverrideArg[] {
  return variant.overrides.map((arg, i) => {
    const ptr = variant.sources[i] ?? ''
    const value = provenance.get(ptr)
    const key = ptr.startsWith('/sweep/matrix/') ? provenance.get(ptr.slice(0, ptr.lastIndexOf('/'))) : value
    const origin: Origin | undefined = value
      ? { file: value.file, source: value.source, line: value.line, column: value.column, keyLine: key?.keyLine ?? value.keyLine, keyColumn: key?.keyColumn ?? value.keyColumn }
      : undefined
    return { arg, origin, label: `sweep ${arg}` }
  })
}
