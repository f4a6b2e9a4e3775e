import { crc32 } from 'node:zlib'
import { mutate, type Mutation } from './mutate.js'

/** Big-endian u32 values that break PNG headers: zero, PNG's and libvips' limits, 2^31, 2^32 − 1. */
export const PNG_EXTREMES = [0, 1, 0x3fff, 0x4000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff] as const

/** A byte-level mutation, or a big-endian u32 written at `at` (rounded down to 4-aligned from byte 8: chunk lengths, IHDR width and height). */
export type PngEdit = Mutation | { kind: 'u32'; at: number; value: number }

/**
 * Applies PNG edits in order (positions modulo the first `focus` bytes, as `mutate`), then, when
 * `fixCrc`, rewrites the CRC of every chunk that still fits the file, so a decoder that checks CRCs
 * (libpng) looks past them at the damaged sizes and data.
 */
export function mutatePng(base: Uint8Array, edits: readonly PngEdit[], focus: number, fixCrc: boolean): Uint8Array {
  let b = base
  for (const e of edits) {
    if (e.kind !== 'u32') {
      b = mutate(b, [e], focus)
      continue
    }
    const span = Math.max(1, Math.min(focus, b.length) - 4)
    const at = 8 + (Math.floor((e.at % span) / 4) * 4)
    if (at + 4 > b.length) continue
    b = Uint8Array.from(b)
    new DataView(b.buffer).setUint32(at, e.value >>> 0)
  }
  if (fixCrc) {
    b = Uint8Array.from(b)
    const dv = new DataView(b.buffer)
    for (let o = 8; o + 12 <= b.length;) {
      const len = dv.getUint32(o)
      if (o + 12 + len > b.length) break
      dv.setUint32(o + 8 + len, crc32(b.subarray(o + 4, o + 8 + len)))
      o += 12 + len
    }
  }
  return b
}
