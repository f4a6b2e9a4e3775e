import { dropBelow, escapeSegment, type Origin, type Provenance } from './provenance.js'

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Pointers of keys an explicit `null` deleted (in an overlay or a `--set`), each with the origin
 * of that null. The resolver gives such a plugin option the value null instead of its default when
 * the option's schema accepts null (see `applyNulls` in resolve.ts); elsewhere the key stays
 * deleted, so the default (if any) applies.
 */
export type Nulls = Map<string, Origin>

/**
 * Deep-merges `over` onto `base` (both plain values): maps merge key by key, lists and scalars are
 * replaced, and `null` deletes a key. Provenance entries follow the values that won. `nulls`, when
 * given, collects the keys a null deleted (and forgets those below a value that replaced them).
 */
export function deepMerge(
  base: unknown,
  baseProv: Provenance,
  over: unknown,
  overProv: Provenance,
  ptr = '',
  nulls?: Nulls,
): unknown {
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base }
    for (const [k, v] of Object.entries(over)) {
      const p = ptr + '/' + escapeSegment(k)
      // A stage (or input) that names a different plugin replaces the inherited one whole: the
      // parent's `with:` belongs to the parent's plugin.
      if (isPlainObject(v) && isPlainObject(base[k]) && typeof v.use === 'string' && typeof base[k].use === 'string' && v.use !== base[k].use) {
        out[k] = v
        copyBelow(baseProv, overProv, p)
        if (nulls) dropBelow(nulls, p)
        continue
      }
      if (v === null) {
        delete out[k]
        dropBelow(baseProv, p)
        if (nulls) {
          dropBelow(nulls, p)
          const o = overProv.get(p)
          nulls.set(p, o ?? {})
        }
        continue
      }
      if (nulls && !(isPlainObject(base[k]) && isPlainObject(v))) dropBelow(nulls, p)
      out[k] = k in base ? deepMerge(base[k], baseProv, v, overProv, p, nulls) : v
      if (!(k in base) || !isPlainObject(base[k]) || !isPlainObject(v)) copyBelow(baseProv, overProv, p)
      else copyOne(baseProv, overProv, p)
    }
    return out
  }
  dropBelow(baseProv, ptr)
  copyBelow(baseProv, overProv, ptr)
  return over
}

function copyOne(into: Provenance, from: Provenance, ptr: string): void {
  const o = from.get(ptr)
  if (o) into.set(ptr, o)
}

function copyBelow(into: Provenance, from: Provenance, ptr: string): void {
  dropBelow(into, ptr)
  for (const [k, o] of from) if (k === ptr || k.startsWith(ptr + '/')) into.set(k, o)
}

/** Sets a value at a path, creating maps on the way; returns the new root. */
export function setAt(root: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value
  const [head, ...rest] = path
  if (Array.isArray(root) && /^\d+$/.test(head)) {
    const copy = [...root]
    copy[Number(head)] = setAt(copy[Number(head)], rest, value)
    return copy
  }
  const obj = isPlainObject(root) ? { ...root } : {}
  if (value === null && rest.length === 0) delete obj[head]
  else obj[head] = setAt(obj[head], rest, value)
  return obj
}

/** Reads the value at a path, or undefined. */
export function getAt(root: unknown, path: readonly string[]): unknown {
  let v = root
  for (const seg of path) {
    if (Array.isArray(v) && /^\d+$/.test(seg)) v = v[Number(seg)]
    else if (isPlainObject(v)) v = v[seg]
    else return undefined
  }
  return v
}

export { isPlainObject }
