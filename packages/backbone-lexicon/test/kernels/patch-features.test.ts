import { describe, expect, it } from 'vitest'
import { buildAssignmentLut, lazyAssignmentLut } from '../../src/kernels/assignment-lut.js'
import { patchFeatures } from '../../src/kernels/patch-features.js'
import { vocabulary } from '../../src/vocabulary.js'
import { cosine, rng } from '../fixtures.js'
import { plainShadedAssign } from './shaded-oracle.js'

const v = vocabulary()
const d = v.entries.length

/** Test oracle: the dense ih×iw×D tensor of per-pixel assignments, averaged per patch, normalised. */
function naive(img: Float32Array, ih: number, iw: number, p: number, colourOf: (r: number, g: number, b: number) => number[]): Float64Array {
  const dense = new Float64Array(ih * iw * d)
  for (let i = 0; i < ih * iw; i++) {
    const [r, g, b] = colourOf(img[3 * i], img[3 * i + 1], img[3 * i + 2])
    dense.set(plainShadedAssign(r, g, b, 10), i * d)
  }
  const gh = ih / p
  const gw = iw / p
  const out = new Float64Array(gh * gw * d)
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      const o = (gy * gw + gx) * d
      for (let y = gy * p; y < (gy + 1) * p; y++) {
        for (let x = gx * p; x < (gx + 1) * p; x++) for (let k = 0; k < d; k++) out[o + k] += dense[(y * iw + x) * d + k] / (p * p)
      }
      const n = Math.hypot(...out.subarray(o, o + d))
      for (let k = 0; k < d; k++) out[o + k] /= n
    }
  }
  return out
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

describe('patchFeatures', () => {
  const r = rng(3)
  const ih = 16
  const iw = 24
  const img = new Float32Array(ih * iw * 3).map(() => r() * 255)

  it('exact mode equals the dense per-pixel oracle', () => {
    const got = patchFeatures(img, ih, iw, 8, { kind: 'exact', model: v.model, temperature: 10 })
    expect(got.length).toBe(2 * 3 * d)
    expect(maxDiff(got, naive(img, ih, iw, 8, (r, g, b) => [r, g, b]))).toBeLessThan(1e-5)
  })

  it('lattice mode equals the oracle run on colours snapped to the lattice', () => {
    const lut = buildAssignmentLut(4, v.model, 10)
    const s = 255 / 15
    const snap = (c: number) => Math.round(c / s) * s
    const got = patchFeatures(img, ih, iw, 8, { kind: 'lut', lut })
    expect(maxDiff(got, naive(img, ih, iw, 8, (r, g, b) => [snap(r), snap(g), snap(b)]))).toBeLessThan(1e-5)
  })

  it('lattice mode (5 bits) stays close to exact mode on noise', () => {
    const lut = buildAssignmentLut(5, v.model, 10)
    const a = patchFeatures(img, ih, iw, 8, { kind: 'lut', lut })
    const b = patchFeatures(img, ih, iw, 8, { kind: 'exact', model: v.model, temperature: 10 })
    for (let c = 0; c < 6; c++) expect(cosine(a, c * d, b, c * d, d)).toBeGreaterThan(0.98)
  })

  it('a lazy lattice gives the eager lattice\'s features bit for bit and fills only the rows the image uses', () => {
    const eager = buildAssignmentLut(5, v.model, 10)
    const lazy = lazyAssignmentLut(5, v.model, 10)
    const want = patchFeatures(img, ih, iw, 8, { kind: 'lut', lut: eager })
    expect(Array.from(patchFeatures(img, ih, iw, 8, { kind: 'lut', lut: lazy }))).toEqual(Array.from(want))
    const used = new Set<number>()
    const s = 31 / 255
    for (let i = 0; i < ih * iw; i++) used.add((Math.round(img[3 * i] * s) * 32 + Math.round(img[3 * i + 1] * s)) * 32 + Math.round(img[3 * i + 2] * s))
    expect(lazy.rowsFilled).toBe(used.size)
    // a second image over the same rows computes nothing new and reads the same values
    const before = lazy.rowsFilled
    expect(Array.from(patchFeatures(img, ih, iw, 8, { kind: 'lut', lut: lazy }))).toEqual(Array.from(want))
    expect(lazy.rowsFilled).toBe(before)
  })
})
