import { describe, expect, it } from 'vitest'
import { gaussianBlur, gaussianKernel } from '../../src/kernels/gaussian-blur.js'
import { rng } from '../fixtures.js'

/** 2D convolution with the outer product of the two-sided kernel, borders clamped. */
function naive(src: ArrayLike<number>, h: number, w: number, sigma: number): Float64Array {
  const half = gaussianKernel(sigma)
  const r = half.length - 1
  const tap = (i: number) => half[Math.abs(i)]
  const out = new Float64Array(h * w * 3)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0
        for (let dy = -r; dy <= r; dy++) {
          for (let dx = -r; dx <= r; dx++) {
            const yy = Math.min(h - 1, Math.max(0, y + dy))
            const xx = Math.min(w - 1, Math.max(0, x + dx))
            s += tap(dx) * tap(dy) * src[(yy * w + xx) * 3 + c]
          }
        }
        out[(y * w + x) * 3 + c] = s
      }
    }
  }
  return out
}

describe('gaussianKernel', () => {
  it('has ceil(4σ)+1 taps that sum to 1 two-sided', () => {
    const k = gaussianKernel(0.8)
    expect(k.length).toBe(5)
    expect(k[0] + 2 * (k[1] + k[2] + k[3] + k[4])).toBeCloseTo(1, 12)
    expect(k[1] / k[0]).toBeCloseTo(Math.exp(-0.5 / 0.64), 12)
  })

  it('is the identity for σ = 0 (clamped to 0.01 like the reference)', () => {
    expect([...gaussianKernel(0)]).toEqual([1, 0])
  })
})

describe('gaussianBlur', () => {
  it('equals the 2D convolution with the outer-product kernel', () => {
    const r = rng(5)
    const src = new Uint8Array(9 * 13 * 3).map(() => Math.floor(r() * 256))
    for (const sigma of [0.5, 0.8, 2]) {
      const got = gaussianBlur(src, 9, 13, 3, sigma)
      const want = naive(src, 9, 13, sigma)
      let worst = 0
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]))
      expect(worst, `σ ${sigma}`).toBeLessThan(1e-3)
    }
  })

  it('leaves a flat image flat and σ = 0 returns the input', () => {
    const flat = new Uint8Array(6 * 7 * 3).fill(77)
    expect(gaussianBlur(flat, 6, 7, 3, 1.5).every((v) => Math.abs(v - 77) < 1e-4)).toBe(true)
    const src = Uint8Array.from({ length: 6 * 7 * 3 }, (_, i) => (i * 29) % 256)
    expect([...gaussianBlur(src, 6, 7, 3, 0)]).toEqual([...src])
  })
})
