import { describe, expect, it } from 'vitest'
import { srgbToLab, srgbToLinear } from '../../src/kernels/srgb-to-lab.js'

describe('srgbToLab', () => {
  it('matches published CIELAB (D65) values of the sRGB primaries (Lindbloom calculator)', () => {
    const out = new Float64Array(3)
    const cases: [number[], number[]][] = [
      [[255, 0, 0], [53.24, 80.09, 67.2]],
      [[0, 255, 0], [87.73, -86.18, 83.18]],
      [[0, 0, 255], [32.3, 79.19, -107.86]],
      [[128, 128, 128], [53.59, 0, 0]],
    ]
    for (const [rgb, lab] of cases) {
      srgbToLab(rgb[0], rgb[1], rgb[2], out)
      for (let i = 0; i < 3; i++) expect(Math.abs(out[i] - lab[i]), `${rgb} channel ${i}`).toBeLessThan(0.02)
    }
  })

  it('writes at an offset and accepts fractional channels', () => {
    const out = new Float32Array(6)
    srgbToLab(127.5, 127.5, 127.5, out, 3)
    expect([out[0], out[1], out[2]]).toEqual([0, 0, 0])
    expect(out[3]).toBeGreaterThan(53.1)
    expect(out[3]).toBeLessThan(53.59)
  })

  it('linearises with the sRGB piecewise curve', () => {
    expect(srgbToLinear(0)).toBe(0)
    expect(srgbToLinear(255)).toBeCloseTo(1, 12)
    expect(srgbToLinear(10)).toBeCloseTo(10 / 255 / 12.92, 12)
    expect(srgbToLinear(128)).toBeCloseTo(0.2158605, 6)
  })
})
