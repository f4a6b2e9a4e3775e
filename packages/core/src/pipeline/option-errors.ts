import type { ErrorObject } from 'ajv'
import { closest, distance } from 'fastest-levenshtein'
import { type Diagnostic, type DiagnosticCode, diagnostic } from '../diagnostics.js'
import { getAt } from './merge.js'
import { dotted, escapeSegment, fromPointer, originOf, type Provenance } from './provenance.js'

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
export function optionDiagnostics(errors: readonly ErrorObject[], s: ErrorScope): Diagnostic[] {
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
    } else {
      const v = getAt(s.value, fromPointer(ptr))
      actual = show(v)
      message = `${dotted(ptr) || '(pipeline)'} ${e.message ?? 'is invalid'}${expected && e.keyword === 'enum' ? ': ' + expected : ''}`
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
