import { deflateSync, inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { decodePng, encodePng } from '../../src/formats/png.js'

// PNG chunks checked against the specification with a CRC written here, and decoding of palette
// and 16-bit images (written to kill the mutants `npm run mutate` found surviving; see docs/testing.md).

/** CRC-32 of the PNG specification (ISO 3309), bit by bit. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1
  }
  return (c ^ 0xffffffff) >>> 0
}

/** The chunks of a PNG file: type, data and whether the stored CRC matches type + data. */
function chunks(png: Uint8Array): Array<{ type: string; data: Uint8Array; crcOk: boolean }> {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  const out = []
  for (let off = 8; off < png.length;) {
    const len = view.getUint32(off)
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8))
    const data = png.subarray(off + 8, off + 8 + len)
    out.push({ type, data, crcOk: view.getUint32(off + 8 + len) === crc32(png.subarray(off + 4, off + 8 + len)) })
    off += 12 + len
  }
  return out
}

function chunk(type: string, data: Uint8Array): number[] {
  const body = Uint8Array.from([...type].map((c) => c.charCodeAt(0)).concat(Array.from(data)))
  const len = [data.length >>> 24, (data.length >>> 16) & 0xff, (data.length >>> 8) & 0xff, data.length & 0xff]
  const crc = crc32(body)
  return [...len, ...body, crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff]
}

describe('encodePng', () => {
  const img = { width: 5, height: 3, channels: 3 as const, data: Uint8Array.from({ length: 45 }, (_, i) => (i * 53) % 256) }

  it('writes IHDR, IDAT, IEND with correct lengths and CRCs', () => {
    for (const fast of [false, true]) {
      const cs = chunks(encodePng(img, { fast }))
      expect(cs.map((c) => [c.type, c.crcOk])).toEqual([['IHDR', true], ['IDAT', true], ['IEND', true]])
      expect(Array.from(cs[0].data)).toEqual([0, 0, 0, 5, 0, 0, 0, 3, 8, 2, 0, 0, 0])
    }
  })

  it('fast mode changes only the deflate strategy: same filtered rows, another stream', () => {
    const noisy = { width: 64, height: 16, channels: 3 as const, data: Uint8Array.from({ length: 64 * 16 * 3 }, (_, i) => (i * 7919) % 251) }
    const slow = chunks(encodePng(noisy))[1].data
    const fast = chunks(encodePng(noisy, { fast: true }))[1].data
    expect(Buffer.from(inflateSync(fast)).equals(Buffer.from(inflateSync(slow)))).toBe(true)
    expect(Buffer.from(fast).equals(Buffer.from(slow))).toBe(false)
  })

  it('names the expected value count for multi-channel data', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) })).toThrow('PNG data has 5 values, 2×2×3 needs 12')
  })
})

describe('decodePng', () => {
  it('keeps 16-bit samples as 16-bit', () => {
    const back = decodePng(encodePng({ width: 2, height: 1, channels: 1, data: Uint16Array.of(1, 65535) }))
    expect([back.depth, back.data instanceof Uint16Array, Array.from(back.data)]).toEqual([16, true, [1, 65535]])
    expect(decodePng(encodePng({ width: 1, height: 1, channels: 1, data: Uint8Array.of(9) })).depth).toBe(8)
  })

  it('expands palette images to RGB, and to RGBA when the palette has transparency', () => {
    const [w, h] = [3, 2]
    const indices = [0, 1, 2, 3, 2, 1]
    const raw = Uint8Array.from([0, ...indices.slice(0, 3), 0, ...indices.slice(3)]) // filter 0 per row
    const palette = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30])
    const ihdr = Uint8Array.from([0, 0, 0, w, 0, 0, 0, h, 8, 3, 0, 0, 0])
    const png = (extra: number[]) => Uint8Array.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...chunk('IHDR', ihdr), ...chunk('PLTE', palette), ...extra,
      ...chunk('IDAT', deflateSync(raw)), ...chunk('IEND', new Uint8Array(0)),
    ])
    const rgb = decodePng(png([]))
    expect([rgb.width, rgb.height, rgb.channels, rgb.depth]).toEqual([3, 2, 3, 8])
    expect(Array.from(rgb.data)).toEqual(indices.flatMap((i) => Array.from(palette.subarray(3 * i, 3 * i + 3))))
    const rgba = decodePng(png(chunk('tRNS', Uint8Array.of(255, 128, 0, 255))))
    expect(rgba.channels).toBe(4)
    const alpha = [255, 128, 0, 255]
    expect(Array.from(rgba.data)).toEqual(indices.flatMap((i) => [...palette.subarray(3 * i, 3 * i + 3), alpha[i]]))
  })
})

/** Applies PNG filter `f` to row `cur` (previous row `prev`, bytes per pixel `bpp`), as the specification defines it. */
function filterRow(f: number, cur: Uint8Array, prev: Uint8Array, bpp: number): number[] {
  return Array.from(cur, (v, x) => {
    const a = x >= bpp ? cur[x - bpp] : 0
    const b = prev[x]
    const c = x >= bpp ? prev[x - bpp] : 0
    const p = a + b - c
    const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c
    return (v - [0, a, b, Math.floor((a + b) / 2), paeth][f]) & 0xff
  })
}

describe('decodePng, native-zlib path', () => {
  it('undoes all five row filters for every channel count at 8 and 16 bits, as fast-png does', async () => {
    const { decode } = await import('fast-png')
    for (const depth of [8, 16] as const) {
      for (const [colorType, channels] of [[0, 1], [4, 2], [2, 3], [6, 4]]) {
        const [w, h] = [7, 10] // two rows per filter type, the first row of each filter also after a row of another
        const bpp = (channels * depth) / 8
        const pixels = Uint8Array.from({ length: w * h * bpp }, (_, i) => (i * 151 + (i >> 3) * 17) % 256)
        const raw: number[] = []
        for (let y = 0; y < h; y++) {
          const f = y % 5
          const prev = y ? pixels.subarray((y - 1) * w * bpp, y * w * bpp) : new Uint8Array(w * bpp)
          raw.push(f, ...filterRow(f, pixels.subarray(y * w * bpp, (y + 1) * w * bpp), prev, bpp))
        }
        const ihdr = Uint8Array.from([0, 0, 0, w, 0, 0, 0, h, depth, colorType, 0, 0, 0])
        const idat = deflateSync(Uint8Array.from(raw))
        const png = Uint8Array.from([
          0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...chunk('IHDR', ihdr),
          ...chunk('IDAT', idat.subarray(0, 5)), ...chunk('IDAT', idat.subarray(5)), ...chunk('IEND', new Uint8Array(0)), // split stream
        ])
        const got = decodePng(png)
        const want = decode(png)
        expect([got.width, got.height, got.channels, got.depth], `${channels} channels, ${depth} bits`).toEqual([w, h, channels, depth])
        expect(got.data.constructor).toBe(depth === 16 ? Uint16Array : Uint8Array)
        expect(Array.from(got.data), `${channels} channels, ${depth} bits`).toEqual(Array.from(want.data))
      }
    }
  })

  it('leaves interlaced and damaged images to fast-png', () => {
    const ihdr = Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 1]) // Adam7
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...chunk('IHDR', ihdr), ...chunk('IDAT', deflateSync(Uint8Array.of(0, 77))), ...chunk('IEND', new Uint8Array(0))])
    expect(Array.from(decodePng(png).data)).toEqual([77])
    const bad = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...chunk('IHDR', Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0])), ...chunk('IDAT', Uint8Array.of(1, 2, 3)), ...chunk('IEND', new Uint8Array(0))])
    expect(() => decodePng(bad)).toThrow()
  })
})
