import { closeSync, openSync, readSync } from 'node:fs'

/**
 * An image's size read from its header alone (PNG IHDR, JPEG start-of-frame), without decoding:
 * a few small reads per file, so a reader can check every frame's size when a sequence is opened.
 */

/** A size read from a header, and the format it was read as. */
export interface HeaderSize {
  format: 'png' | 'jpeg'
  width: number
  height: number
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
/** How far into a JPEG the start-of-frame is looked for (EXIF and ICC blocks come before it). */
const JPEG_SEARCH = 1 << 20
const CHUNK = 4096

/** Reads `length` bytes at `position`, fewer at the end of the file. */
function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length)
  const n = readSync(fd, buf, 0, length, position)
  return n === length ? buf : buf.subarray(0, n)
}

function pngSize(head: Buffer): HeaderSize | undefined {
  if (head.length < 24 || head.toString('latin1', 12, 16) !== 'IHDR') return undefined
  return { format: 'png', width: head.readUInt32BE(16), height: head.readUInt32BE(20) }
}

/** Walks the JPEG's marker segments (each a 2-byte length) to the first SOFn; undefined when there is none before the scan. */
function jpegSize(fd: number, head: Buffer): HeaderSize | undefined {
  let buf = head
  let base = 0
  /** The bytes [at, at + n) of the file, reading on when they lie past the buffer. */
  const bytes = (at: number, n: number): Buffer | undefined => {
    if (at < base || at + n > base + buf.length) {
      buf = readAt(fd, at, Math.max(n, CHUNK))
      base = at
    }
    return at + n <= base + buf.length ? buf.subarray(at - base, at - base + n) : undefined
  }
  let at = 2
  while (at < JPEG_SEARCH) {
    const m = bytes(at, 2)
    if (!m || m[0] !== 0xff) return undefined
    const marker = m[1]
    if (marker === 0xff) { at += 1; continue } // fill byte
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { at += 2; continue } // no length
    if (marker === 0xd9 || marker === 0xda) return undefined // end of image, start of scan: no frame header before it
    const seg = bytes(at + 2, 7)
    if (!seg) return undefined
    const length = seg.readUInt16BE(0)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { format: 'jpeg', height: seg.readUInt16BE(3), width: seg.readUInt16BE(5) }
    }
    if (length < 2) return undefined
    at += 2 + length
  }
  return undefined
}

/**
 * The width and height a PNG or JPEG header states, or undefined when the file is neither or its
 * header is cut (decoding then names what is wrong). Throws the file system's error when the file
 * cannot be opened.
 */
export function readImageHeaderSize(file: string): HeaderSize | undefined {
  const fd = openSync(file, 'r')
  try {
    const head = readAt(fd, 0, 512)
    if (PNG_SIGNATURE.every((b, i) => head[i] === b)) return pngSize(head)
    if (head.length >= 2 && head[0] === 0xff && head[1] === 0xd8) return jpegSize(fd, head)
    return undefined
  } finally {
    closeSync(fd)
  }
}
