import { type FeatureGrid, type Mask } from '@plaf/core'
import { createRunContext, createTestContext, denseMaskMeanOracle, describeStagePlugin, maxAbsDiff } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { patchAggregator, patchMemory, pixelAggregator, pixelMemory, PIXEL_DEFAULTS } from '../../src/index.js'
import { prng, randomGrid, resizeTransform } from '../fixtures.js'

const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v))
/** A 1×2 grid holding e1 and e2 (D = 2) over a 1×4 image: pixels sit at grid x = −0.25, 0.25, 0.75, 1.25. */
const twoCells: FeatureGrid = { data: Float32Array.from([1, 0, 0, 3]), shape: [1, 2, 2], transform: resizeTransform(1, 4, 1, 2), space: 's' }
const small = () => ({ features: randomGrid(prng(9), 3, 4, 6, resizeTransform(11, 13, 3, 4)) })

describeStagePlugin(pixelAggregator, [{ name: 'defaults', inputs: small }])
describeStagePlugin(patchAggregator, [{ name: 'defaults', inputs: small }])

describe('pixel baseline', () => {
  it('hand-computed: each pixel its own unit bilinear feature, id = pixel + 1, row 0 zero', () => {
    const m = pixelMemory(twoCells, PIXEL_DEFAULTS.max_values)
    expect(Array.from(m.ids.data)).toEqual([1, 2, 3, 4])
    expect(m.features.shape).toEqual([5, 2])
    // Pixel 1: 0.75·e1 + 0.25·(0, 3); pixel 2: 0.25·e1 + 0.75·(0, 3).
    const want = [0, 0, 1, 0, ...unit([0.75, 0.75]), ...unit([0.25, 2.25]), 0, 1]
    Array.from(m.features.data).forEach((v, i) => expect(v, `entry ${i}`).toBeCloseTo(want[i], 6))
  })

  it('equals the dense official path with one single-pixel mask per pixel (random grid, crop transform)', () => {
    const [H, W] = [9, 11]
    const grid = randomGrid(prng(4), 3, 4, 10, { inputSize: [48, 64], imageSize: [H, W], ax: 0.37, bx: -0.6, ay: 0.29, by: -0.4 }, 0.2)
    const masks: Mask[] = []
    for (let p = 0; p < H * W; p++) masks.push({ bbox: [p % W, Math.floor(p / W), 1, 1], area: 1, bitmap: Uint8Array.of(1), predictedIou: 1, stabilityScore: 1 })
    const want = denseMaskMeanOracle(grid, { width: W, height: H, masks })
    const got = pixelMemory(grid, PIXEL_DEFAULTS.max_values)
    expect(Array.from(got.ids.data)).toEqual(Array.from(want.ids))
    expect(maxAbsDiff(got.features.data, want.features)).toBeLessThanOrEqual(1e-6)
  })

  it('refuses more than 65,535 pixels and more than max_values values, naming the frame and the budget', async () => {
    const big = randomGrid(prng(1), 2, 2, 2, resizeTransform(256, 257, 2, 2))
    expect(() => pixelMemory(big, PIXEL_DEFAULTS.max_values, '000003')).toThrow(expect.objectContaining({
      code: 'PLAF_INPUT_INVALID',
      diagnostics: [expect.objectContaining({ frame: '000003', expected: 'H·W ≤ 65535 (one uint16 id per pixel)', actual: 'H·W = 65792, H·W·D = 131584' })],
    }))
    const inst = await pixelAggregator.create({ max_values: 100 }, createTestContext())
    await expect(inst.run(small(), createRunContext({ id: '000005', index: 5 })))
      .rejects.toMatchObject({ code: 'PLAF_INPUT_INVALID', diagnostics: [{ frame: '000005', expected: 'H·W·D ≤ max_values = 100', actual: 'H·W = 143, H·W·D = 858' }] })
  })
})

describe('patch baseline', () => {
  it('hand-computed: rows are the unit patch features; each pixel takes its nearest patch', () => {
    const m = patchMemory(twoCells)
    expect(Array.from(m.ids.data)).toEqual([1, 1, 2, 2])
    expect(Array.from(m.features.data)).toEqual([0, 0, 1, 0, 0, 1])
    expect(Array.from(patchMemory(twoCells, false).features.data)).toEqual([0, 0, 1, 0, 0, 3])
  })

  it('random grid: h·w + 1 rows, each the unit patch feature; ids follow the rounded grid coordinate', async () => {
    const { features } = small()
    const inst = await patchAggregator.create({ normalize: true }, createTestContext())
    const { memory } = await inst.run({ features }, createRunContext({ id: '000001', index: 1 }))
    const m = memory!
    expect(m.features.shape).toEqual([13, 6])
    for (let c = 0; c < 12; c++) {
      const want = unit(Array.from(features.data.subarray(c * 6, c * 6 + 6)))
      want.forEach((v, k) => expect(m.features.data[(c + 1) * 6 + k]).toBeCloseTo(v, 6))
    }
    const { ax, bx, ay, by } = features.transform
    const near = (g: number, n: number) => Math.min(Math.max(Math.round(g), 0), n - 1)
    for (let y = 0; y < 11; y++) for (let x = 0; x < 13; x++) expect(m.ids.data[y * 13 + x]).toBe(near(ay * y + by, 3) * 4 + near(ax * x + bx, 4) + 1)
  })
})
