import type { ErrorObject } from 'ajv'
import { closest, distance } from 'fastest-levenshtein'
import { type Diagnostic, type DiagnosticCode, diagnostic } from '../diagnostics.js'
import type { Plugin } from '../plugin.js'
import { getAt, setAt } from './merge.js'
import { dotted, escapeSegment, fromPointer, originOf, toPointer, type Origin, type Provenance } from './provenance.js'

/** Context for turning ajv errors into located diagnostics. */
export interface ErrorScope {
  value: unknown
  provenance: Provenance
  /** Pointer of the validated object inside the pipeline (`/stages/masker/with`). */
  base: string
  /** Code for errors other than unknown/missing keys. */
  code: DiagnosticCode
  plugin?: string
  stage?: string
  hint?: string
  /** What to call the validated object itself when an error is about all of it (path ''). */
  label?: string
}

const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v))

function expectedOf(e: ErrorObject): string | undefined {
  const p = e.params as Record<string, unknown>
  if (e.keyword === 'type') return String(p.type)
  if (e.keyword === 'enum') return (p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(' | ')
  if (['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'].includes(e.keyword)) return `${p.comparison} ${p.limit}`
  if (e.keyword === 'pattern') return `a string matching ${p.pattern}`
  return undefined
}

/** Converts ajv errors into diagnostics pointing at the offending YAML node (or `--set` argument). */
export function schemaDiagnostics(errors: readonly ErrorObject[], s: ErrorScope): Diagnostic[] {
  const out: Diagnostic[] = []
  const seen = new Set<string>()
  // anyOf/oneOf produce one error per branch plus a summary: keep the most specific per location.
  const list = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'if')
  for (const e of list.length ? list : errors) {
    let ptr = s.base + e.instancePath
    let code = s.code
    let message: string
    let expected = expectedOf(e)
    let actual: string | undefined
    let useKey = false
    let hint = s.hint
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: string }).additionalProperty)
      const allowed = Object.keys(((e.parentSchema as { properties?: object })?.properties) ?? {})
      ptr = ptr + '/' + escapeSegment(key)
      code = 'PLAF_UNKNOWN_OPTION'
      message = `${dotted(ptr)} is not a known option`
      expected = allowed.length ? `one of ${allowed.join(', ')}` : 'no options'
      actual = key
      useKey = true
      const near = allowed.length ? closest(key, allowed) : undefined
      if (near && distance(near, key) <= Math.max(2, key.length / 3)) hint = `did you mean "${near}"?${hint ? ' ' + hint : ''}`
    } else if (e.keyword === 'required') {
      const missing = String((e.params as { missingProperty: string }).missingProperty)
      code = 'PLAF_MISSING_OPTION'
      message = `${dotted(ptr + '/' + escapeSegment(missing))} is required but missing`
      expected = missing
      useKey = true
    } else if (e.keyword === 'uniqueItems') {
      // point at the repeat, in the user's words (1-based positions), not ajv's "items ## i and j"
      const { i, j } = e.params as { i: number; j: number }
      const list = ptr
      ptr = `${list}/${Math.max(i, j)}`
      const v = getAt(s.value, fromPointer(ptr))
      actual = show(v)
      expected = 'each item once'
      message = `${dotted(list)} names ${actual} twice (items ${Math.min(i, j) + 1} and ${Math.max(i, j) + 1})`
      hint = `remove the repeated item${hint ? '; ' + hint : ''}`
    } else {
      const v = getAt(s.value, fromPointer(ptr))
      actual = show(v)
      message = `${dotted(ptr) || s.label || '(pipeline)'} ${e.message ?? 'is invalid'}${expected && e.keyword === 'enum' ? ': ' + expected : ''}`
    }
    const key = `${ptr}|${code}`
    if (seen.has(key)) continue
    seen.add(key)
    const o = originOf(s.provenance, ptr)
    const line = useKey ? (o?.keyLine ?? o?.line) : o?.line
    const column = useKey ? (o?.keyColumn ?? o?.column) : o?.column
    out.push(diagnostic(code, message, {
      file: o?.file, line, column, source: o?.source, path: dotted(ptr), plugin: s.plugin, stage: s.stage, expected, actual, hint,
    }))
  }
  return out
}

/**
 * Where a command-line flag's value sits in its text, for the caret: `--frames 1.5` → column 10;
 * `--set a.b=c` as in a pipeline's `--set` (value after `=`, key after the last dot before it).
 */
export function flagOrigin(text: string): Origin {
  if (text.startsWith('--set ')) {
    const arg = text.slice(6)
    const eq = arg.indexOf('=')
    // columns are 1-based in the text `--set <arg>`: arg[i] is at column 7 + i
    return { source: text, column: 7 + eq + 1, keyColumn: 7 + arg.lastIndexOf('.', eq) + 1 }
  }
  const m = /^\S+[ =]/.exec(text)
  return { source: text, column: m ? m[0].length + 1 : 1, keyColumn: 1 }
}

/** Where options validated outside a pipeline file came from (command-line flags, an API call). */
export interface OptionsSource {
  /** The options as given (before defaults), to report the actual value. */
  value: unknown
  /** Dotted path the options sit at, prefixed to every option path (`stages.querier.with`); none by default. */
  path?: string
  /**
   * The command-line text each option came from, by its dotted path below `path`:
   * `{ frames: '--frames 1.5', threshold: '--set threshold=2' }` (see {@link flagOrigin}), or an
   * explicit origin.
   */
  flags?: Record<string, string | Origin>
  /** Text for options without a flag of their own, e.g. `plaf query runs/demo`. */
  source?: string
  stage?: string
  /** Hint on every diagnostic; default `options: plaf plugins <plugin name>`. */
  hint?: string
  /** Code for errors other than unknown and missing options; default PLAF_INVALID_OPTION. */
  code?: DiagnosticCode
}

/**
 * The shared formatter for option errors found outside a pipeline file: ajv errors of
 * `validateOptions(plugin, value)` become the same diagnostics the pipeline files get (dotted
 * option path, expected/actual, "did you mean" for unknown keys), located at the command-line flag
 * that gave each value when `source.flags` says so.
 */
export function optionDiagnostics(
  plugin: Pick<Plugin, 'options'> & { name?: string },
  errors: readonly ErrorObject[],
  source: OptionsSource,
): Diagnostic[] {
  const base = source.path ? toPointer(source.path.split('.')) : ''
  const provenance: Provenance = new Map()
  if (source.source) provenance.set('', { source: source.source })
  for (const [key, o] of Object.entries(source.flags ?? {})) {
    provenance.set(base + toPointer(key.split('.')), typeof o === 'string' ? flagOrigin(o) : o)
  }
  return schemaDiagnostics(errors, {
    value: setAt({}, fromPointer(base), source.value),
    provenance,
    base,
    code: source.code ?? 'PLAF_INVALID_OPTION',
    plugin: plugin.name,
    stage: source.stage,
    hint: source.hint ?? (plugin.name ? `options: plaf plugins ${plugin.name}` : undefined),
    label: `${plugin.name ?? 'the'} options`,
  })
}
