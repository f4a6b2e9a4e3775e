import { describe, expect, it } from 'vitest'
import { l2Normalize, softAssign } from '../../src/kernels/soft-assign.js'

const vocab = new Float64Array([0, 0, 0, 50, 10, -10, 100, 0, 0, 60, 60, 60])

function naive(lab: number[], tau: number): number[] {
  const e = [0, 1, 2, 3].map((i) => Math.exp(-((lab[0] - vocab[3 * i]) ** 2 + (lab[1] - vocab[3 * i + 1]) ** 2 + (lab[2] - vocab[3 * i + 2]) ** 2) / tau ** 2))
  const s = e.reduce((a, b) => a + b, 0)
  return e.map((v) => v / s)
}

describe('softAssign', () => {
  it('equals a direct softmax of −ΔE²/τ² where that does not underflow', () => {
    const out = new Float32Array(6)
    const scratch = new Float64Array(4)
    for (const lab of [[40, 5, -3], [0, 0, 0], [70, 40, 30]]) {
      softAssign(lab[0], lab[1], lab[2], vocab, 40, out, 2, scratch)
      const want = naive(lab, 40)
      for (let i = 0; i < 4; i++) expect(out[2 + i]).toBeCloseTo(want[i], 6)
      expect(out[0]).toBe(0)
    }
  })

  it('stays finite and one-hot at a tiny temperature, where the direct softmax is 0/0', () => {
    const out = new Float32Array(4)
    softAssign(49, 10, -10, vocab, 0.01, out, 0, new Float64Array(4))
    expect(naive([49, 10, -10], 0.01).every(Number.isNaN)).toBe(true)
    expect([...out]).toEqual([0, 1, 0, 0])
  })
})

describe('l2Normalize', () => {
  it('normalises a slice and leaves zero vectors at zero', () => {
    const v = new Float32Array([9, 3, 4, 0, 0])
    l2Normalize(v, 1, 2)
    expect([...v]).toEqual([9, 0.6000000238418579, 0.800000011920929, 0, 0])
    l2Normalize(v, 3, 2)
    expect([v[3], v[4]]).toEqual([0, 0])
  })
})
