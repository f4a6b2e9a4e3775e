import { type Diagnostic, diagnostic } from '../diagnostics.js'
import { dotted, escapeSegment, originOf, type Provenance } from './provenance.js'
import { isPlainObject } from './merge.js'

const PATTERN = /\$\{([^}]*)\}/g

/**
 * What `${…}` may refer to. `name` and `vars` are undefined where they cannot be used yet:
 * `vars:` is interpolated first (env only), then `name:` (env and vars), then everything else.
 */
export interface InterpolationScope {
  env: Record<string, string | undefined>
  name?: string
  vars?: Record<string, unknown>
}

/**
 * Replaces `${env.NAME}`, `${env.NAME:-default}`, `${name}` and `${vars.key}` in every string.
 * A string that is exactly one `${vars.key}` takes the variable's typed value. Unknown
 * references are diagnostics at the string's location.
 */
export function interpolate(value: unknown, prov: Provenance, scope: InterpolationScope, out: Diagnostic[], ptr = ''): unknown {
  if (typeof value === 'string') return interpolateString(value, prov, scope, out, ptr)
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, prov, scope, out, `${ptr}/${i}`))
  if (isPlainObject(value)) {
    const o: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) o[k] = interpolate(v, prov, scope, out, ptr + '/' + escapeSegment(k))
    return o
  }
  return value
}

function lookup(expr: string, scope: InterpolationScope): { ok: true; value: unknown } | { ok: false; why: string } {
  const m = /^\s*([A-Za-z_][\w.]*)\s*(?::-(.*))?$/.exec(expr)
  if (!m) return { ok: false, why: `"\${${expr}}" is not a reference (use env.NAME, env.NAME:-default, name or vars.KEY)` }
  const [, ref, dflt] = m
  if (ref.startsWith('env.')) {
    const v = scope.env[ref.slice(4)]
    if (v !== undefined && v !== '') return { ok: true, value: v }
    if (dflt !== undefined) return { ok: true, value: dflt }
    return { ok: false, why: `environment variable ${ref.slice(4)} is not set (give a default with \${${ref}:-value})` }
  }
  if (ref === 'name') {
    if (scope.name === undefined) return { ok: false, why: '${name} cannot be used in name: or vars: (they are interpolated before it)' }
    return { ok: true, value: scope.name }
  }
  if (ref.startsWith('vars.')) {
    const key = ref.slice(5)
    if (scope.vars === undefined) return { ok: false, why: 'vars cannot refer to other vars (vars: is interpolated first, with env only)' }
    if (key in scope.vars) return { ok: true, value: scope.vars[key] }
    if (dflt !== undefined) return { ok: true, value: dflt }
    return { ok: false, why: `vars.${key} is not defined under vars:` }
  }
  return { ok: false, why: `unknown reference "${ref}" (use env.NAME, name or vars.KEY)` }
}

function interpolateString(s: string, prov: Provenance, scope: InterpolationScope, out: Diagnostic[], ptr: string): unknown {
  if (!s.includes('${')) return s
  const whole = /^\$\{([^}]*)\}$/.exec(s)
  if (whole) {
    const r = lookup(whole[1], scope)
    if (r.ok) return r.value
  }
  return s.replace(PATTERN, (match, expr: string) => {
    const r = lookup(expr, scope)
    if (r.ok) return String(r.value)
    const o = originOf(prov, ptr)
    out.push(
      diagnostic('PLAF_INTERPOLATION', `cannot interpolate ${match}: ${r.why}`, {
        file: o?.file, line: o?.line, column: o?.column, source: o?.source, path: dotted(ptr), actual: match,
      }),
    )
    return match
  })
}
