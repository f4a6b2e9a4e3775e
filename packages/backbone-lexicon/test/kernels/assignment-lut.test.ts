import { describe, expect, it } from 'vitest'
import { buildAssignmentLut, lutRow } from '../../src/kernels/assignment-lut.js'
import { srgbToLab } from '../../src/kernels/srgb-to-lab.js'
import { termAssign } from '../../src/kernels/term-assign.js'
import { vocabulary } from '../../src/vocabulary.js'

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
    const lab = new Float64Array(3)
    const want = new Float32Array(d)
    for (const [r, g, b] of [[0, 0, 0], [7, 0, 3], [2, 5, 7], [7, 7, 7]]) {
      const s = 255 / 7
      srgbToLab(r * s, g * s, b * s, lab)
      termAssign(lab[0], lab[1], lab[2], v.model.centres, v.model.centreTerm, d, 10, want, 0, new Float64Array(v.model.centreTerm.length))
      const row = lutRow(lut, r * s, g * s, b * s)
      expect(row).toBe((r * 8 + g) * 8 + b)
      expect([...lut.data.subarray(row * d, (row + 1) * d)]).toEqual([...want])
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
