import { stableStringify } from '../runtime/cache.js'

/** Where two JSON values first differ, and what each holds there (undefined: the key is absent). */
export interface FirstDifference {
  /** Dotted path (`stages.masker.use`), `(root)` when the values differ as a whole. */
  path: string
  a: unknown
  b: unknown
}

/**
 * The first place (object keys in sorted order, depth first) where two JSON values differ, or null
 * when they are equal as `stableStringify` writes them (key order aside). Arrays, and values of
 * different kinds, differ as a whole. `plaf merge` names it for partials of different pipelines,
 * `--resume` for a run directory started with another configuration.
 */
export function firstDifference(a: unknown, b: unknown, path: string[] = []): FirstDifference | null {
  if (stableStringify(a) === stableStringify(b)) return null
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], [...path, k])
      if (d !== null) return d
    }
  }
  return { path: path.join('.') || '(root)', a, b }
}

/** A value for a message: compact JSON, cut to `max` characters; `absent` for undefined. */
export function describeJsonValue(v: unknown, max = 60): string {
  if (v === undefined) return 'absent'
  const s = stableStringify(v) ?? String(v)
  return s.length > max ? `${s.slice(0, max - 1)}…` : s
}
