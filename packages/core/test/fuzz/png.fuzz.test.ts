import { deflateSync } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PlafError } from '../../src/diagnostics.js'
import { PNG_MAX_PIXELS, decodePng, encodePng } from '../../src/formats/png.js'
import { pngEditArb } from '../../../../test/support/fuzz-edits.js'
import { mutatePng } from '../../src/testing/png-mutate.js'
import { FUZZ_RUNS, fuzzParams } from './mutate.js'

/**
 * `decodePng` (stored id maps of a run directory, prediction images of `plaf eval scannet2d`) on
 * mutated PNGs: an image, or a PlafError of PLAF_INPUT_INVALID naming the file; never a RangeError
 * or TypeError, an allocation sized by a forged IHDR, or a zlib stream inflated past what IHDR
 * implies.
 */
const FILE = '/run/storage2d/000000.ids.png'

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length)
  out.writeUInt32BE(body.length, 0)
  out.write(type, 4, 'latin1')
  out.set(body, 8)
  return out
}
/** A hand-built PNG (palette, interlaced, 4-bit: what encodePng does not write); CRCs zero, as the decoder does not check them. */
function png(width: number, height: number, depth: number, colorType: number, interlace: number, raw: Uint8Array, extra: Buffer[] = []): Uint8Array {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([depth, colorType, 0, 0, interlace], 8)
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), ...extra, chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))])
}

const bases: Uint8Array[] = [
  encodePng({ width: 5, height: 3, channels: 1, data: Uint16Array.from({ length: 15 }, (_, i) => i * 4099) }),
  encodePng({ width: 4, height: 3, channels: 3, data: Uint8Array.from({ length: 36 }, (_, i) => (i * 53) % 256) }),
  encodePng({ width: 3, height: 2, channels: 4, data: Uint16Array.from({ length: 24 }, (_, i) => i * 2731) }),
  // palette 4×2, 8-bit indices, with tRNS
  png(4, 2, 8, 3, 0, Uint8Array.from([0, 0, 1, 2, 1, 0, 2, 1, 0, 0]), [chunk('PLTE', Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255])), chunk('tRNS', Uint8Array.of(128))]),
  // interlaced 8-bit grey 3×3: seven passes, the empty ones without rows
  png(3, 3, 8, 0, 1, Uint8Array.from([0, 10, 0, 20, 0, 30, 40, 0, 50, 0, 60, 0, 70, 80, 90])),
]

const mutatedArb = fc.tuple(fc.constantFrom(...bases), fc.array(pngEditArb, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.boolean())
  .map(([b, edits, header, fixCrc]) => mutatePng(b, edits, header ? 41 : b.length, fixCrc))

function decodesOrRefuses(bytes: Uint8Array): void {
  try {
    const img = decodePng(bytes, FILE)
    expect(img.data.length).toBe(img.width * img.height * img.channels)
  } catch (e) {
    if (!(e instanceof PlafError)) throw new Error(`not a PlafError on ${bytes.length} bytes: ${(e as Error)?.stack ?? String(e)}`)
    for (const d of e.diagnostics) expect(d).toMatchObject({ code: 'PLAF_INPUT_INVALID', severity: 'error', file: FILE, message: expect.stringContaining(FILE) })
  }
}

describe(`fuzzing decodePng (${FUZZ_RUNS} mutated files; PLAF_FUZZ_RUNS for more)`, () => {
  it('the bases decode', () => {
    for (const b of bases) expect(() => decodePng(b, FILE)).not.toThrow()
  })

  it('mutated 16-bit grey, RGB, 16-bit RGBA, palette and interlaced PNGs decode or are refused naming the file', () => {
    fc.assert(fc.property(mutatedArb, decodesOrRefuses), fuzzParams())
  })

  it('a forged IHDR is refused before anything its size is allocated; a zlib bomb before it inflates', () => {
    const forged = mutatePng(bases[1], [{ kind: 'u32', at: 8, value: 0x7fffffff }, { kind: 'u32', at: 12, value: 0x7fffffff }], 41, false)
    expect(() => decodePng(forged, FILE)).toThrow(`${FILE}: IHDR size 2147483647×2147483647 is 4611686014132420609 pixels, more than the ${PNG_MAX_PIXELS} a PNG may have here`)
    // 16383 × 16383 fits the limit, but its data is 4×3 pixels: refused after inflating them, not allocated
    const big = mutatePng(bases[1], [{ kind: 'u32', at: 8, value: 0x3fff }, { kind: 'u32', at: 12, value: 0x3fff }], 41, false)
    expect(() => decodePng(big, FILE)).toThrow(`${FILE}: image data ends early: 39 of the 805224450 bytes its 16383×16383 IHDR implies`)
    // 1 MB of zeros deflates to 1 kB; a 1×1 RGB IHDR implies 4 bytes
    const bomb = png(1, 1, 8, 2, 0, new Uint8Array(1 << 20))
    expect(() => decodePng(bomb, FILE)).toThrow(`${FILE}: image data inflates to more than the 4 bytes its 1×1 IHDR implies (by over 65536 bytes)`)
  })
})
