import { describe, expect, it } from 'vitest'
import { axisSampling } from '../../src/kernels/axis-sampling.js'
import { innerProductTables } from '../../src/kernels/inner-products.js'
import { inverseNorms } from '../../src/kernels/inverse-norms.js'
import { pixelSums, pixelSumsFromTables } from '../../src/kernels/pixel-sums.js'
import { prng } from '../fixtures.js'

describe('inverseNorms via the five inner-product tables', () => {
  it('equals 1/‖bilinear sample‖ computed naively, at every pixel', () => {
    const rand = prng(9)
    const [h, w, d, H, W] = [5, 6, 7, 23, 29]
    const f = Float32Array.from({ length: h * w * d }, () => rand() * 2 - 1)
    const xs = axisSampling(W, w / W, (0.5 * w) / W - 0.5, w)
    const ys = axisSampling(H, h / H, (0.5 * h) / H - 0.5, h)
    const got = inverseNorms(innerProductTables(f, h, w, d), w, ys, xs)
    let worst = 0
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let n2 = 0
        for (let k = 0; k < d; k++) {
          const at = (yy: number, xx: number) => f[(yy * w + xx) * d + k]
          const v = (1 - ys.t[y]) * ((1 - xs.t[x]) * at(ys.i0[y], xs.i0[x]) + xs.t[x] * at(ys.i0[y], xs.i1[x])) +
            ys.t[y] * ((1 - xs.t[x]) * at(ys.i1[y], xs.i0[x]) + xs.t[x] * at(ys.i1[y], xs.i1[x]))
          n2 += v * v
        }
        worst = Math.max(worst, Math.abs(got[y * W + x] * Math.sqrt(n2) - 1))
      }
    }
    expect(worst).toBeLessThan(1e-6)
  })

  it('gives 0 where the upsampled feature is zero', () => {
    const f = new Float32Array(2 * 2 * 3)
    f.set([1, 2, 3], 9) // only the last cell is non-zero
    const s = axisSampling(4, 0.5, -0.25, 2)
    const got = inverseNorms(innerProductTables(f, 2, 2, 3), 2, s, s)
    expect(got[0]).toBe(0)
    expect(got[15]).toBeCloseTo(1 / Math.hypot(1, 2, 3), 6)
  })
})

describe('pixelSumsFromTables', () => {
  it('equals the running sums of the per-pixel 1/n(p) map, entry by entry', () => {
    const rand = prng(17)
    const [h, w, d, H, W] = [4, 5, 6, 19, 23]
    const f = Float32Array.from({ length: h * w * d }, () => rand() * 2 - 1)
    f.fill(0, 0, 2 * d) // two zero cells: pixels near them have small or zero norms
    const xs = axisSampling(W, w / W, (0.5 * w) / W - 0.5, w)
    const ys = axisSampling(H, h / H, (0.5 * h) / H - 0.5, h)
    const t = innerProductTables(f, h, w, d)
    const want = pixelSums(inverseNorms(t, w, ys, xs), W, H, xs)
    const got = pixelSumsFromTables(t, w, ys, xs)
    expect(got.stride).toBe(W + 1)
    expect(Array.from(got.s)).toEqual(Array.from(want.s))
    expect(Array.from(got.st)).toEqual(Array.from(want.st))
    expect(want.s[(H - 1) * (W + 1) + W]).toBeGreaterThan(0)
  })
})
