import { describe, expect, it } from 'vitest'
import { termAssign } from '../../src/kernels/term-assign.js'
import { vocabulary } from '../../src/vocabulary.js'
import { rng } from '../fixtures.js'

// Five centres filed under three terms (term 1 has none: its share must be exactly 0).
const centres = new Float64Array([0, 0, 0, 50, 10, -10, 100, 0, 0, 60, 60, 60, 55, 12, -8])
const centreTerm = new Uint8Array([0, 2, 3, 3, 2])

/** Test oracle: the direct softmax over centres, summed per term, in plain numbers. */
function naive(lab: number[], tau: number, c: Float64Array = centres, t: Uint8Array = centreTerm, d = 4): number[] {
  const n = t.length
  const e = Array.from({ length: n }, (_, i) => Math.exp(-((lab[0] - c[3 * i]) ** 2 + (lab[1] - c[3 * i + 1]) ** 2 + (lab[2] - c[3 * i + 2]) ** 2) / tau ** 2))
  const s = e.reduce((a, b) => a + b, 0)
  const out = new Array<number>(d).fill(0)
  e.forEach((v, i) => (out[t[i]] += v / s))
  return out
}

describe('termAssign', () => {
  it('equals the direct softmax over centres summed per term, where that does not underflow', () => {
    const out = new Float32Array(7)
    const scratch = new Float64Array(5)
    for (const lab of [[40, 5, -3], [0, 0, 0], [70, 40, 30], [52, 11, -9]]) {
      out.fill(-1)
      termAssign(lab[0], lab[1], lab[2], centres, centreTerm, 4, 40, out, 2, scratch)
      const want = naive(lab, 40)
      for (let i = 0; i < 4; i++) expect(out[2 + i]).toBeCloseTo(want[i], 6)
      expect(out[3]).toBe(0)
      expect(out[2] + out[4] + out[5]).toBeCloseTo(1, 6)
    }
  })

  it('stays finite at a tiny temperature, where the direct softmax is 0/0, giving the nearest centre its term', () => {
    const out = new Float32Array(4)
    termAssign(49, 10, -10, centres, centreTerm, 4, 0.01, out, 0, new Float64Array(5))
    expect(naive([49, 10, -10], 0.01).some(Number.isNaN)).toBe(true)
    expect([...out]).toEqual([0, 0, 1, 0])
  })

  it('writes only out[at..at+D−1], leaving the neighbouring rows of a shared buffer alone', () => {
    const out = new Float32Array(4 + 4 + 4).fill(-7)
    termAssign(40, 5, -3, centres, centreTerm, 4, 30, out, 4, new Float64Array(5))
    expect(Array.from(out.subarray(0, 4))).toEqual([-7, -7, -7, -7])
    expect(Array.from(out.subarray(8))).toEqual([-7, -7, -7, -7])
    expect(out[4] + out[5] + out[6] + out[7]).toBeCloseTo(1, 6)
  })

  it('matches the oracle on the real naming model for random colours', () => {
    const { model } = vocabulary()
    const r = rng(5)
    const out = new Float32Array(model.d)
    const scratch = new Float64Array(model.centreTerm.length)
    for (let k = 0; k < 20; k++) {
      const lab = [r() * 100, r() * 160 - 80, r() * 160 - 80]
      termAssign(lab[0], lab[1], lab[2], model.centres, model.centreTerm, model.d, 10, out, 0, scratch)
      const want = naive(lab, 10, model.centres, model.centreTerm, model.d)
      // where the direct form underflows (far from every centre) only the stable kernel has an answer
      if (want.some(Number.isNaN)) continue
      for (let i = 0; i < model.d; i++) expect(out[i]).toBeCloseTo(want[i], 5)
    }
  })
})
