import { createReferenceBackend, type FeatureGrid, type GridTransform, type MaskSet } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { accumulateMaskWeights, aggregateMasks, axisSampling, orderMasks, pixelSums } from '../src/index.js'
import { denseMaskMeanOracle as denseOracle, maxAbsDiff } from '@plaf/core/testing'
import { ellipse, maskFromFull, prng, randomGrid, randomMasks, resizeTransform } from './fixtures.js'

const tensor = createReferenceBackend()
const defaults = { overlap: 'smallest-wins', min_area: 0, background: 'none' } as const

async function compare(grid: FeatureGrid, masks: MaskSet) {
  const got = await aggregateMasks(grid, masks, defaults, tensor)
  const want = denseOracle(grid, masks)
  expect(got.features.shape).toEqual([want.rows, grid.shape[2]])
  expect(Array.from(got.ids.data)).toEqual(Array.from(want.ids))
  return maxAbsDiff(got.features.data, want.features)
}

describe('aggregateMasks equals the dense official path', () => {
  const cases: Array<{ name: string; H: number; W: number; h: number; w: number; d: number; transform?: GridTransform; bias?: number }> = [
    { name: 'grid 7×9 → image 53×61 (non-integer scale)', H: 53, W: 61, h: 7, w: 9, d: 24 },
    { name: 'square 512-resize-like: 32×32 grid over a 45×70 image', H: 45, W: 70, h: 32, w: 32, d: 16,
      transform: resizeTransform(45, 70, 32, 32, [512, 512]) },
    { name: 'positive-biased features (realistic cosines)', H: 40, W: 33, h: 5, w: 4, d: 32, bias: 0.8 },
    { name: 'crop/pad transform clamping on every side', H: 30, W: 41, h: 6, w: 5, d: 12,
      transform: { inputSize: [96, 80], imageSize: [30, 41], ax: 0.13, bx: -1.7, ay: 0.31, by: -2.2 } },
    { name: 'one-cell-wide grid', H: 17, W: 23, h: 1, w: 3, d: 8 },
  ]
  for (const c of cases) {
    it(`${c.name}: max abs diff ≤ 1e-5`, async () => {
      const rand = prng(c.H * 1000 + c.W)
      const grid = randomGrid(rand, c.h, c.w, c.d, c.transform ?? resizeTransform(c.H, c.W, c.h, c.w), c.bias)
      const diff = await compare(grid, randomMasks(rand, c.W, c.H, 12))
      expect(diff).toBeLessThanOrEqual(1e-5)
    })
  }

  it('pixels whose upsampled feature is zero contribute nothing', async () => {
    const rand = prng(11)
    const grid = randomGrid(rand, 6, 6, 8, resizeTransform(36, 36, 6, 6))
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) grid.data.fill(0, (y * 6 + x) * 8, (y * 6 + x + 1) * 8)
    const zeroOnly = maskFromFull(ellipse(36, 36, 8, 8, 4, 4), 36, 36) // entirely inside the zero block
    const masks = randomMasks(rand, 36, 36, 6)
    masks.masks.push(zeroOnly)
    expect(await compare(grid, masks)).toBeLessThanOrEqual(1e-5)
    const got = await aggregateMasks(grid, { width: 36, height: 36, masks: [zeroOnly] }, defaults, tensor)
    expect(Array.from(got.features.data).every((v) => v === 0)).toBe(true)
  })

  it('dropping the 1/n(p) factor does NOT match (so the comparison can fail)', async () => {
    const rand = prng(5)
    const H = 53
    const W = 61
    const grid = randomGrid(rand, 7, 9, 24, resizeTransform(H, W, 7, 9))
    const masks = randomMasks(rand, W, H, 12)
    const want = denseOracle(grid, masks)
    const order = orderMasks(masks.masks, 0)
    const xs = axisSampling(W, grid.transform.ax, grid.transform.bx, 9)
    const ys = axisSampling(H, grid.transform.ay, grid.transform.by, 7)
    const ones = pixelSums(new Float32Array(H * W).fill(1), W, H, xs)
    const acc = new Float64Array(order.length * 63)
    order.forEach((m, k) => accumulateMaskWeights(masks.masks[m], ones, W, ys, xs, 9, acc, k * 63))
    const f = await tensor.matmul(Float32Array.from(acc), grid.data, order.length, 63, 24)
    await tensor.normalizeRows(f, order.length, 24)
    const withZeroRow = new Float32Array(24 + f.length)
    withZeroRow.set(f, 24)
    expect(maxAbsDiff(withZeroRow, want.features)).toBeGreaterThan(1e-3)
  })

  it('prints the time of a 968×1296 frame with K=100, D=140, a 32×32 grid (no assertion on time)', async () => {
    const H = 968
    const W = 1296
    const rand = prng(2024)
    const grid = randomGrid(rand, 32, 32, 140, resizeTransform(H, W, 32, 32, [512, 512]), 0.3)
    const masks: MaskSet = { width: W, height: H, masks: [] }
    for (let i = 0; i < 100; i++) {
      const full = ellipse(W, H, rand() * W, rand() * H, 10 + rand() * 250, 10 + rand() * 200)
      masks.masks.push(maskFromFull(full, W, H))
    }
    const pixels = masks.masks.reduce((s, m) => s + m.area, 0)
    await aggregateMasks(grid, masks, defaults, tensor) // warm-up
    const t0 = performance.now()
    const mem = await aggregateMasks(grid, masks, defaults, tensor)
    const ms = performance.now() - t0
    console.log(`mask-mean 968×1296, K=100 (${(pixels / 1e6).toFixed(2)} M mask pixels), D=140, grid 32×32, reference backend: ${ms.toFixed(1)} ms`)
    expect(mem.features.shape).toEqual([101, 140])
  })
})
