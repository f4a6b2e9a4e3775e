import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

/**
 * A value a stage writes that legitimately differs between identical runs (a wall-clock timing),
 * declared by the plugin's test so the determinism check skips it, and nothing else.
 */
export interface VolatileField {
  /** A JSON file, relative to the run directory with `/` separators; `*` matches within one path segment. */
  file: string
  /** Dotted paths into the JSON value; a `*` segment matches every key or index. */
  fields: string[]
  /** Why the values differ between runs (it documents the exception). */
  why: string
}

const VOLATILE = '<volatile>'

function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`)
}

/** Replaces the values at a dotted path (with `*` segments) by a marker; returns how many it replaced. */
function blank(value: unknown, path: string[]): number {
  if (value === null || typeof value !== 'object' || path.length === 0) return 0
  const [head, ...rest] = path
  const obj = value as Record<string, unknown>
  const keys = head === '*' ? Object.keys(obj) : Object.prototype.hasOwnProperty.call(obj, head) ? [head] : []
  let n = 0
  for (const k of keys) {
    if (rest.length === 0) {
      obj[k] = VOLATILE
      n++
    } else n += blank(obj[k], rest)
  }
  return n
}

/** Every file under `root` (recursively), as paths relative to it with `/` separators, sorted. */
export function listFiles(root: string): string[] {
  if (!existsSync(root)) return []
  const out: string[] = []
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else out.push(relative(root, p).split(sep).join('/'))
    }
  }
  walk(root)
  return out.sort()
}

/**
 * A sha256 of every file under `root`, keyed by its relative path: what a stage wrote, for the
 * determinism check of sinks (stages with no output ports, such as storage codecs and queriers).
 * Declared volatile JSON fields are replaced by a marker before hashing; `seen` collects the
 * `file fields[i]` declarations that matched a value, so unused declarations can be reported.
 */
export function fingerprintFiles(root: string, volatile: readonly VolatileField[] = [], seen?: Set<string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const rel of listFiles(root)) {
    let bytes: Buffer | string = readFileSync(join(root, rel))
    const rules = volatile.filter((v) => globRegExp(v.file).test(rel))
    if (rules.length) {
      const value = JSON.parse(bytes.toString('utf8')) as unknown
      for (const r of rules) {
        for (const f of r.fields) if (blank(value, f.split('.')) > 0) seen?.add(`${r.file} ${f}`)
      }
      bytes = JSON.stringify(value)
    }
    out[rel] = createHash('sha256').update(bytes).digest('hex')
  }
  return out
}
