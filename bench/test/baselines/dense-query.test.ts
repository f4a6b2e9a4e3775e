import { describe, expect, it } from 'vitest'
import { createReferenceBackend, mulberry32, selectTensorBackend } from '@plaf/core'
import { scoreMap } from '@plaf/query'
import { densePointFeatures, denseQuery } from '../../src/baselines/dense-query.js'
import { syntheticMap, syntheticTexts } from '../../src/fixtures.js'
import { maxAbsDiff } from '../../src/report.js'

describe('densePointFeatures', () => {
  it('gives every point its own copy of its pool row', () => {
    const map = syntheticMap(2, 500, 12, 8)
    const f = densePointFeatures(map)
    expect(f.length).toBe(500 * 8)
    for (const i of [0, 77, 499]) expect(Array.from(f.subarray(i * 8, i * 8 + 8))).toEqual(Array.from(map.pool.data.subarray(map.refs[i] * 8, map.refs[i] * 8 + 8)))
  })
})

describe('denseQuery', () => {
  const n = 53
  const d = 6
  const rand = mulberry32(4)
  // Rows of different lengths, one of them zero, so the normalisation matters.
  const features = new Float32Array(n * d).map(() => (rand() * 2 - 1) * 3)
  features.fill(0, 10 * d, 11 * d)
  const text = Float32Array.of(0.5, -2, 1, 0, 3, 1)

  it('official: cosines of every point with the text, across several blocks', async () => {
    const r = await denseQuery(features, n, d, text, createReferenceBackend(), { normalize: true, block: 7 })
    const tn = Math.hypot(...text)
    const want = Array.from({ length: n }, (_, i) => {
      const row = features.subarray(i * d, i * d + d)
      const rn = Math.hypot(...row)
      return rn === 0 ? 0 : row.reduce((s, v, k) => s + v * text[k], 0) / (rn * tn)
    })
    expect(maxAbsDiff(r.scores, want)).toBeLessThan(1e-6)
    expect(features[0]).not.toBeCloseTo(r.scores[0], 3) // the features were not normalised in place
  })

  it('product only: raw dot products with the unit text', async () => {
    const r = await denseQuery(features, n, d, text, createReferenceBackend(), { normalize: false, block: 10 })
    const tn = Math.hypot(...text)
    const want = Array.from({ length: n }, (_, i) => features.subarray(i * d, i * d + d).reduce((s, v, k) => s + (v * text[k]) / tn, 0))
    expect(maxAbsDiff(r.scores, want)).toBeLessThan(1e-5)
  })

  it('agrees with pool scoring + gather (scoreMap) within 1e-5 on the auto backend', async () => {
    const map = syntheticMap(6, 4000, 30, 16)
    const texts = syntheticTexts(7, 1, 16)
    const { backend } = await selectTensorBackend('auto')
    try {
      const dense = await denseQuery(densePointFeatures(map), 4000, 16, texts.data, backend, { normalize: true, block: 1000 })
      const plaf = await scoreMap(map, texts, backend)
      expect(maxAbsDiff(plaf.points, dense.scores)).toBeLessThanOrEqual(1e-5)
    } finally {
      await backend.dispose()
    }
  })
})
