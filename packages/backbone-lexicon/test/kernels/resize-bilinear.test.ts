import { describe, expect, it } from 'vitest'
import { resizeBilinear } from '../../src/kernels/resize-bilinear.js'
import { rng } from '../fixtures.js'

/** Naive torch bilinear (align_corners false): sample at the back-projected point, clamped. */
function naive(src: Uint8Array, h: number, w: number, oh: number, ow: number): Float64Array {
  const out = new Float64Array(oh * ow * 3)
  const at = (x: number, y: number, c: number) => src[(Math.min(y, h - 1) * w + Math.min(x, w - 1)) * 3 + c]
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const sy = Math.max(0, ((y + 0.5) * h) / oh - 0.5)
      const sx = Math.max(0, ((x + 0.5) * w) / ow - 0.5)
      const y0 = Math.floor(sy)
      const x0 = Math.floor(sx)
      const ty = sy - y0
      const tx = sx - x0
      for (let c = 0; c < 3; c++) {
        out[(y * ow + x) * 3 + c] =
          (1 - ty) * ((1 - tx) * at(x0, y0, c) + tx * at(x0 + 1, y0, c)) + ty * ((1 - tx) * at(x0, y0 + 1, c) + tx * at(x0 + 1, y0 + 1, c))
      }
    }
  }
  return out
}

describe('resizeBilinear', () => {
  it('reproduces torch F.interpolate(bilinear, align_corners=False) on a 2×2 → 4×4 upsample', () => {
    // torch.nn.functional.interpolate(tensor([[[[0., 1.], [2., 3.]]]]), size=(4, 4), mode='bilinear')
    // row 0 = [0, 0.25, 0.75, 1], row 1 = [0.5, 0.75, 1.25, 1.5]
    const src = new Uint8Array([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
    const out = resizeBilinear(src, 2, 2, 4, 4)
    const red = [...out].filter((_, i) => i % 3 === 0)
    expect(red.slice(0, 8)).toEqual([0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5])
  })

  it('matches the naive reference when shrinking, growing and distorting the aspect', () => {
    const r = rng(7)
    const src = new Uint8Array(37 * 53 * 3).map(() => Math.floor(r() * 256))
    for (const [oh, ow] of [[16, 16], [64, 80], [37, 53], [5, 100]]) {
      const got = resizeBilinear(src, 37, 53, oh, ow)
      const want = naive(src, 37, 53, oh, ow)
      let worst = 0
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]))
      expect(worst, `${oh}×${ow}`).toBeLessThan(1e-3)
    }
  })

  it('is the identity at the same size', () => {
    const src = new Uint8Array(4 * 5 * 3).map((_, i) => (i * 37) % 256)
    expect([...resizeBilinear(src, 4, 5, 4, 5)]).toEqual([...src])
  })

  it('fills a given output buffer (reused across frames) with the same values, and refuses a short one', () => {
    const r = rng(9)
    const src = new Uint8Array(37 * 53 * 3).map(() => Math.floor(r() * 256))
    const buf = new Float32Array(16 * 24 * 3).fill(-1)
    expect(resizeBilinear(src, 37, 53, 16, 24, buf)).toBe(buf)
    expect([...buf]).toEqual([...resizeBilinear(src, 37, 53, 16, 24)])
    expect(() => resizeBilinear(src, 37, 53, 16, 24, new Float32Array(10))).toThrow(RangeError)
  })
})
