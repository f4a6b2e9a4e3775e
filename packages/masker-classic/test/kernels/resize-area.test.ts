import { describe, expect, it } from 'vitest'
import { resizeArea } from '../../src/kernels/resize-area.js'
import { rng } from '../fixtures.js'

/** Each output pixel: ∫ of the source over its footprint / footprint area, pixel by pixel. */
function naive(src: Uint8Array, h: number, w: number, oh: number, ow: number): Float64Array {
  const out = new Float64Array(oh * ow * 3)
  const sy = h / oh
  const sx = w / ow
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      for (let yy = 0; yy < h; yy++) {
        const oy = Math.max(0, Math.min(yy + 1, (y + 1) * sy) - Math.max(yy, y * sy))
        if (oy === 0) continue
        for (let xx = 0; xx < w; xx++) {
          const ox = Math.max(0, Math.min(xx + 1, (x + 1) * sx) - Math.max(xx, x * sx))
          for (let c = 0; c < 3; c++) out[(y * ow + x) * 3 + c] += (oy * ox * src[(yy * w + xx) * 3 + c]) / (sx * sy)
        }
      }
    }
  }
  return out
}

describe('resizeArea', () => {
  const r = rng(9)
  const src = new Uint8Array(23 * 31 * 3).map(() => Math.floor(r() * 256))

  it('equals the footprint integral for fractional and integer factors', () => {
    for (const [oh, ow] of [[10, 14], [23, 31], [7, 31], [1, 1], [11, 9]]) {
      const got = resizeArea(src, 23, 31, 3, oh, ow)
      const want = naive(src, 23, 31, oh, ow)
      let worst = 0
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]))
      expect(worst, `${oh}×${ow}`).toBeLessThan(1e-3)
    }
  })

  it('averages 2×2 blocks at half size', () => {
    const s = Uint8Array.from([0, 0, 0, 4, 4, 4, 8, 8, 8, 12, 12, 12])
    expect([...resizeArea(s, 2, 2, 3, 1, 1)]).toEqual([6, 6, 6])
  })

  it('refuses to enlarge', () => {
    expect(() => resizeArea(src, 23, 31, 3, 24, 31)).toThrow(RangeError)
  })
})
