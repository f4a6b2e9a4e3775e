import { describe, expect, it } from 'vitest'
import { upsampleLabels } from '../../src/kernels/upsample-labels.js'

describe('upsampleLabels', () => {
  it('gives each pixel the label of the cell its centre falls in', () => {
    const small = Int32Array.from([0, 1, 2, 3, 4, 5]) // 2×3
    const big = upsampleLabels(small, 2, 3, 5, 7)
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 7; x++) expect(big[y * 7 + x]).toBe(small[Math.floor(((y + 0.5) * 2) / 5) * 3 + Math.floor(((x + 0.5) * 3) / 7)])
    }
    expect(new Set(big).size).toBe(6)
  })

  it('is the identity at the same size', () => {
    const l = Int32Array.from([3, 1, 4, 1, 5, 9])
    expect(upsampleLabels(l, 2, 3, 2, 3)).toEqual(l)
  })
})
