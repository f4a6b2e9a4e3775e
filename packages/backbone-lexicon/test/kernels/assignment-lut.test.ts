import { describe, expect, it } from 'vitest'
import { buildAssignmentLut, fillLutRow, lazyAssignmentLut, lutRow } from '../../src/kernels/assignment-lut.js'
import { vocabulary } from '../../src/vocabulary.js'
import { plainShadedAssign } from './shaded-oracle.js'

describe('buildAssignmentLut', () => {
  const v = vocabulary()
  const lut = buildAssignmentLut(3, v.model, 10)
  const d = v.entries.length

  it('holds nodes³ rows of D probabilities', () => {
    expect(lut.nodes).toBe(8)
    expect(lut.data.length).toBe(8 * 8 * 8 * d)
    for (let row = 0; row < 512; row += 37) {
      let s = 0
      for (let i = 0; i < d; i++) s += lut.data[row * d + i]
      expect(s).toBeCloseTo(1, 5)
    }
  })

  it('stores the term assignment of each lattice node colour', () => {
    for (const [r, g, b] of [[0, 0, 0], [7, 0, 3], [2, 5, 7], [7, 7, 7]]) {
      const s = 255 / 7
      const want = plainShadedAssign(r * s, g * s, b * s, 10)
      const row = lutRow(lut, r * s, g * s, b * s)
      expect(row).toBe((r * 8 + g) * 8 + b)
      lut.data.subarray(row * d, (row + 1) * d).forEach((x, i) => expect(Math.abs(x - want[i])).toBeLessThan(1e-6))
    }
  })

  it('rounds a colour to the nearest node, with 0 and 255 exact', () => {
    expect(lutRow(lut, 0, 0, 0)).toBe(0)
    expect(lutRow(lut, 255, 255, 255)).toBe(511)
    expect(lutRow(lut, 255, 0, 0)).toBe(7 * 64)
    expect(lutRow(lut, 18, 0, 0)).toBe(0) // 18 < 255/14: nearer node 0 than node 1 (36.4)
    expect(lutRow(lut, 19, 0, 0)).toBe(64)
  })
})

describe('lazyAssignmentLut', () => {
  const v = vocabulary()
  const eager = buildAssignmentLut(3, v.model, 10)

  it('starts empty and fills a row with exactly the eager lattice\'s values', () => {
    const lazy = lazyAssignmentLut(3, v.model, 10)
    expect(lazy.rowsFilled).toBe(0)
    expect(lazy.filled.every((f) => f === 0)).toBe(true)
    const d = lazy.d
    for (const row of [0, 1, 7, 8, 64, 137, 300, 511]) {
      fillLutRow(lazy, row)
      expect(lazy.filled[row]).toBe(1)
      expect(Array.from(lazy.data.subarray(row * d, (row + 1) * d))).toEqual(Array.from(eager.data.subarray(row * d, (row + 1) * d)))
    }
    expect(lazy.rowsFilled).toBe(8)
    expect(lazy.filled.reduce((a, f) => a + f, 0)).toBe(8)
    expect(eager.rowsFilled).toBe(512)
  })
})
