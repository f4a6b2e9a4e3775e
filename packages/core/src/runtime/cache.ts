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

/** First bytes of a cache entry (format 1): magic, then payload length (u64 LE) and sha256. */
const MAGIC = Buffer.from('PLAFCAC1', 'latin1')
const HEADER = MAGIC.length + 8 + 32

/** Frames one cache entry: header (magic, payload length, payload sha256) then the payload. */
export function frameCacheEntry(payload: Uint8Array): Buffer {
  const head = Buffer.alloc(HEADER)
  MAGIC.copy(head, 0)
  head.writeBigUInt64LE(BigInt(payload.byteLength), MAGIC.length)
  createHash('sha256').update(payload).digest().copy(head, MAGIC.length + 8)
  return Buffer.concat([head, payload])
}

/** The payload of a framed entry, or why it cannot be trusted. */
export function unframeCacheEntry(bytes: Buffer): { payload: Buffer } | { damaged: string } {
  if (bytes.length < HEADER || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return { damaged: `not a cache entry of this format (${bytes.length} bytes, no PLAFCAC1 header)` }
  const length = bytes.readBigUInt64LE(MAGIC.length)
  const payload = bytes.subarray(HEADER)
  if (BigInt(payload.length) !== length) return { damaged: `truncated or padded: ${payload.length} payload bytes, the header says ${length}` }
  const sum = createHash('sha256').update(payload).digest()
  if (!sum.equals(bytes.subarray(MAGIC.length + 8, HEADER))) return { damaged: 'its sha256 does not match the header (the bytes changed after writing)' }
  return { payload }
}

/**
 * A content-addressed store of stage outputs: `<dir>/<key[0:2]>/<key>.bin`, each entry framed with
 * its length and sha256 so a damaged entry is a miss (with a reason for a warning), never a hit.
 */
export class StageCache {
  hits = 0
  misses = 0
  constructor(readonly dir: string, readonly enabled: boolean) {}

  /** Where the entry of a key lives. */
  path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.bin`)
  }

  /**
   * The cached outputs for a key, or undefined. An entry that is truncated, altered, of another
   * format or that does not decode is a miss, reported through `onDamaged` with the file and why.
   */
  get(key: string, onDamaged?: (file: string, reason: string) => void): Record<string, unknown> | undefined {
    if (!this.enabled) return undefined
    const p = this.path(key)
    if (!existsSync(p)) return undefined
    const entry = unframeCacheEntry(readFileSync(p))
    if ('damaged' in entry) {
      onDamaged?.(p, entry.damaged)
      return undefined
    }
    try {
      return decodeValue(entry.payload) as Record<string, unknown>
    } catch (e) {
      onDamaged?.(p, `its payload does not decode: ${(e as Error).message}`)
      return undefined
    }
  }

  /** Stores outputs atomically, framed with their length and sha256. */
  set(key: string, value: Record<string, unknown>): void {
    if (this.enabled) writeFileAtomic(this.path(key), frameCacheEntry(encodeValue(value)))
  }
}
