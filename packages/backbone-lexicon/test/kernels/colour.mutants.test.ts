import { mulberry32 } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { srgbToLab, srgbToLinear } from '../../src/kernels/srgb-to-lab.js'

// Colour kernels against a textbook reference (written to kill the mutants `npm run mutate` found
// surviving; see docs/testing.md).

/** sRGB → CIELAB (D65) as IEC 61966-2-1 and CIE 15 write it, with δ = 6/29. */
function referenceLab(rgb: number[]): number[] {
  const lin = rgb.map((v) => v / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
  const M = [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.072175], [0.0193339, 0.119192, 0.9503041]]
  const white = [0.95047, 1, 1.08883]
  const delta = 6 / 29
  const f = (t: number) => (t > delta ** 3 ? Math.cbrt(t) : t / (3 * delta * delta) + 4 / 29)
  const [fx, fy, fz] = M.map((row, i) => f(row.reduce((s, m, k) => s + m * lin[k], 0) / white[i]))
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)]
}

describe('srgbToLab against the textbook formulas', () => {
  it('agrees on dark colours (the linear segment of f and of the sRGB curve) and on random colours', () => {
    const rand = mulberry32(21)
    const colours = [[0, 0, 0], [1, 0, 0], [0, 3, 0], [0, 0, 9], [5, 5, 5], [10, 20, 2], [20, 0, 30], [12.5, 7.25, 0.5]]
    for (let i = 0; i < 40; i++) colours.push([rand() * 255, rand() * 255, rand() * 255])
    for (let i = 0; i < 20; i++) colours.push([rand() * 25, rand() * 25, rand() * 25])
    const out = new Float64Array(3)
    for (const c of colours) {
      srgbToLab(c[0], c[1], c[2], out)
      const want = referenceLab(c)
      for (let k = 0; k < 3; k++) expect(out[k], `${c} channel ${k}`).toBeCloseTo(want[k], 9)
    }
  })

  it('keeps the knee C = 0.04045 on the linear segment, as IEC 61966-2-1 specifies', () => {
    // The two segments differ there by 2.3e-9, so only the exact rule gives this value.
    expect(srgbToLinear(0.04045 * 255)).toBe(0.04045 / 12.92)
  })
})
