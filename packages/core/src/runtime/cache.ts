import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../util/atomic.js'
import { decodeValue, encodeValue } from './serialize.js'

/** sha256 of a JSON-able value (keys sorted, so option order does not matter). */
export function hashJson(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex')
}

/** JSON.stringify with sorted object keys. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  )
}

/** A content-addressed store of stage outputs: `<dir>/<key[0:2]>/<key>.bin`. */
export class StageCache {
  hits = 0
  misses = 0
  constructor(readonly dir: string, readonly enabled: boolean) {}

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.bin`)
  }

  /** The cached outputs for a key, or undefined (a corrupt entry counts as a miss). */
  get(key: string): Record<string, unknown> | undefined {
    if (!this.enabled) return undefined
    const p = this.path(key)
    if (!existsSync(p)) return undefined
    try {
      return decodeValue(readFileSync(p)) as Record<string, unknown>
    } catch {
      return undefined
    }
  }

  /** Stores outputs atomically. */
  set(key: string, value: Record<string, unknown>): void {
    if (this.enabled) writeFileAtomic(this.path(key), encodeValue(value))
  }
}
