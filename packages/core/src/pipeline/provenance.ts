/** Where a value in a merged pipeline came from. */
export interface Origin {
  /** The YAML file, or undefined when it came from the command line. */
  file?: string
  /** 1-based position of the value node. */
  line?: number
  column?: number
  /** 1-based position of the key that introduced the value (for unknown-key errors). */
  keyLine?: number
  keyColumn?: number
  /** The `--set` argument that set it. */
  source?: string
}

/** JSON pointer → origin, kept alongside the merged plain object. */
export type Provenance = Map<string, Origin>

/** Escapes one JSON-pointer segment. */
export const escapeSegment = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1')

/** Joins path segments into a JSON pointer. */
export const toPointer = (path: readonly (string | number)[]): string => path.map((p) => '/' + escapeSegment(String(p))).join('')

/** Splits a JSON pointer into segments. */
export const fromPointer = (ptr: string): string[] =>
  ptr === '' ? [] : ptr.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))

/** Dotted form of a pointer for messages: `/stages/masker/with/k` → `stages.masker.with.k`. */
export const dotted = (ptr: string): string => fromPointer(ptr).join('.')

/** The origin of a pointer, or of its nearest ancestor that has one. */
export function originOf(prov: Provenance, ptr: string): Origin | undefined {
  let p = ptr
  for (;;) {
    const o = prov.get(p)
    if (o) return o
    if (p === '') return undefined
    p = p.slice(0, p.lastIndexOf('/'))
  }
}

/** Removes every entry at or below a pointer. */
export function dropBelow(prov: Provenance, ptr: string): void {
  for (const k of [...prov.keys()]) if (k === ptr || k.startsWith(ptr + '/')) prov.delete(k)
}
