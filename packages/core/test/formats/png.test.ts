import { describe, expect, it } from 'vitest'
import { decode } from 'fast-png'
import { encodePng } from '../../src/formats/png.js'

// Our encoder is checked with a decoder we did not write (fast-png).
const noise = (n: number, max: number, seed = 1) => {
  let s = seed
  return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) % (max + 1))
}

describe('encodePng', () => {
  for (const fast of [false, true]) {
    it(`round-trips 8-bit grey and RGB and 16-bit grey exactly (fast: ${fast})`, () => {
      const cases = [
        { width: 7, height: 5, channels: 1 as const, data: Uint8Array.from(noise(35, 255)) },
        { width: 13, height: 4, channels: 3 as const, data: Uint8Array.from(noise(156, 255, 2)) },
        { width: 9, height: 6, channels: 1 as const, data: Uint16Array.from(noise(54, 65535, 3)) },
        { width: 1, height: 1, channels: 4 as const, data: Uint8Array.of(1, 2, 3, 4) },
      ]
      for (const c of cases) {
        const d = decode(encodePng(c, { fast }))
        expect([d.width, d.height, d.channels, d.depth]).toEqual([c.width, c.height, c.channels, c.data instanceof Uint16Array ? 16 : 8])
        expect(Array.from(d.data)).toEqual(Array.from(c.data))
      }
    })
  }
  it('rejects data of the wrong length or type', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 1, data: new Uint8Array(3) })).toThrow(/needs 4/)
    expect(() => encodePng({ width: 1, height: 1, channels: 1, data: new Uint8Array(1), depth: 16 })).toThrow(/Uint16Array/)
  })
})
