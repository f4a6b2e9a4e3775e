import { describe, expect, it } from 'vitest'
import { ILLUMINATION, shadedAssign, shadedScratch } from '../../src/kernels/shaded-assign.js'
import { srgbToLab } from '../../src/kernels/srgb-to-lab.js'
import { termAssign } from '../../src/kernels/term-assign.js'
import { basicTermIndex } from '../../src/basic-terms.js'
import { vocabulary } from '../../src/vocabulary.js'
import { rng } from '../fixtures.js'
import { plainShadedAssign } from './shaded-oracle.js'

const { model } = vocabulary()
const d = model.d

describe('shadedAssign', () => {
  it('equals the plain oracle, writing only its slice', () => {
    const r = rng(5)
    const scratch = shadedScratch(model)
    expect(ILLUMINATION).toEqual([1, 0.95, 0.9, 0.85])
    for (let n = 0; n < 20; n++) {
      const rgb = [r() * 255, r() * 255, r() * 255]
      const out = new Float32Array(3 * d).fill(7)
      shadedAssign(rgb[0], rgb[1], rgb[2], model, 10, out, d, scratch)
      const want = plainShadedAssign(rgb[0], rgb[1], rgb[2], 10)
      for (let t = 0; t < d; t++) expect(Math.abs(out[d + t] - want[t])).toBeLessThan(1e-6)
      expect([...out.subarray(0, d), ...out.subarray(2 * d)].every((x) => x === 7)).toBe(true)
    }
  })

  it('with the factor 1 alone is the plain term assignment', () => {
    const lab = new Float64Array(3)
    srgbToLab(200, 120, 40, lab)
    const want = new Float32Array(d)
    termAssign(lab[0], lab[1], lab[2], model.centres, model.centreTerm, d, 10, want, 0, new Float64Array(model.centreTerm.length))
    const got = new Float32Array(d)
    shadedAssign(200, 120, 40, model, 10, got, 0, shadedScratch(model), [1])
    expect([...got]).toEqual([...want])
  })

  it('names a yellow at 85 % of its brightness yellow, where the bare colour is green', () => {
    const yellow = basicTermIndex('yellow')!
    const green = basicTermIndex('green')!
    const shaded = [220 * 0.85, 249 * 0.85, 42 * 0.85] // "highlighter yellow" on a face at 85 %
    const bare = plainShadedAssign(shaded[0], shaded[1], shaded[2], 10, [1])
    expect(bare[green]).toBeGreaterThan(bare[yellow])
    const got = new Float32Array(d)
    shadedAssign(shaded[0], shaded[1], shaded[2], model, 10, got, 0, shadedScratch(model))
    expect(got[yellow]).toBeGreaterThan(got[green])
  })
})
