import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aggregateMasks, MASK_MEAN_DEFAULTS } from '@plaf/aggregator'
import { createReferenceBackend, selectTensorBackend, type Mask, type MaskSet, type TensorBackend } from '@plaf/core'
import { denseAggregate } from '../../src/baselines/dense-aggregate.js'
import { denseMaskMeans } from '../../src/baselines/dense-mask-mean.js'
import { normalizeVectors } from '../../src/baselines/dense-normalize.js'
import { upsampleBilinear } from '../../src/baselines/dense-upsample.js'
import { syntheticGrid, syntheticMasks } from '../../src/fixtures.js'
import { countDiffering, maxAbsDiff } from '../../src/report.js'
import { denseMaskMeanOracle } from '@plaf/core/testing'

const W = 37
const H = 29

/** Random masks plus the edge cases: an empty mask, the whole image, and two equal areas (order ties). */
function masks(): MaskSet {
  const set = syntheticMasks(11, W, H, 9)
  const full: Mask = { bbox: [0, 0, W, H], area: W * H, bitmap: new Uint8Array(W * H).fill(1), predictedIou: 1, stabilityScore: 1 }
  const empty: Mask = { bbox: [0, 0, 0, 0], area: 0, bitmap: new Uint8Array(0), predictedIou: 1, stabilityScore: 1 }
  const a: Mask = { bbox: [2, 3, 4, 2], area: 8, bitmap: new Uint8Array(8).fill(1), predictedIou: 1, stabilityScore: 1 }
  const b: Mask = { bbox: [3, 3, 2, 4], area: 8, bitmap: new Uint8Array(8).fill(1), predictedIou: 1, stabilityScore: 1 }
  return { ...set, masks: [empty, ...set.masks.slice(0, 4), a, full, b, ...set.masks.slice(4)] }
}

describe('denseAggregate (the official path, op for op)', () => {
  const grid = syntheticGrid(5, H, W, 4, 5, 24)
  const set = masks()
  const dense = denseAggregate(grid, set)
  let auto: TensorBackend

  beforeAll(async () => {
    auto = (await selectTensorBackend('auto')).backend
  })
  afterAll(async () => {
    await auto?.dispose()
  })

  it('equals a naive float64 oracle: same ids, features within 1e-6', () => {
    const oracle = denseMaskMeanOracle(grid, set)
    expect(dense.rows).toBe(set.masks.length + 1)
    expect(countDiffering(dense.ids, oracle.ids)).toBe(0)
    expect(maxAbsDiff(dense.features, oracle.features)).toBeLessThan(1e-6)
  })

  it('gives the empty mask a zero row and paints nothing for it', () => {
    const emptyRow = set.masks.length // the empty mask sorts last
    expect(Array.from(dense.features.subarray(emptyRow * 24, emptyRow * 24 + 24)).every((v) => v === 0)).toBe(true)
    expect(dense.ids.includes(emptyRow)).toBe(false)
  })

  it('equals aggregateMasks within 1e-5 on the reference and the auto tensor backend', async () => {
    for (const backend of [createReferenceBackend(), auto]) {
      const sparse = await aggregateMasks(grid, set, MASK_MEAN_DEFAULTS, backend)
      expect(countDiffering(sparse.ids.data, dense.ids), backend.name).toBe(0)
      expect(maxAbsDiff(sparse.features.data, dense.features), backend.name).toBeLessThanOrEqual(1e-5)
    }
  })

  it('would catch a path that skips the per-pixel normalisation (off by far more than 1e-5)', async () => {
    const unnormalised = denseMaskMeans(upsampleBilinear(grid, H, W), W, H, 24, set.masks)
    const sparse = await aggregateMasks(grid, set, MASK_MEAN_DEFAULTS, createReferenceBackend())
    expect(maxAbsDiff(sparse.features.data, unnormalised.features)).toBeGreaterThan(1e-4)
  })

  it('reports each step and calls onStep while it runs', () => {
    let calls = 0
    const r = denseAggregate(grid, set, () => calls++)
    expect(calls).toBeGreaterThan(H)
    for (const v of Object.values(r.steps)) expect(v).toBeGreaterThanOrEqual(0)
  })
})

describe('normalizeVectors', () => {
  it('returns a new array of unit vectors and keeps zero vectors zero', () => {
    const x = Float32Array.of(3, 4, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1)
    const y = normalizeVectors(x, 3, 5)
    expect(y).not.toBe(x)
    expect(Array.from(y.subarray(0, 5))).toEqual([0.6000000238418579, 0.800000011920929, 0, 0, 0])
    expect(Array.from(y.subarray(5, 10))).toEqual([0, 1, 1, 1, 1].map((v) => Math.fround(v / 2)))
    expect(x[0]).toBe(3)
    expect(Array.from(normalizeVectors(new Float32Array(4), 1, 4))).toEqual([0, 0, 0, 0])
  })
})
