import { describe, expect, it } from 'vitest'
import { mulberry32, type FeatureGrid } from '@plaf/core'
import { axisTaps, upsampleBilinear } from '../../src/baselines/dense-upsample.js'
import { resizeTransform, syntheticGrid } from '../../src/fixtures.js'
import { maxAbsDiff } from '../../src/report.js'
import { naiveUpsample } from '@plaf/core/testing'

describe('axisTaps', () => {
  it('follows torch align_corners=False: negative sources clamp to cell 0, the last cell repeats', () => {
    // 4 cells onto 10 pixels: s = 0.4·x − 0.3.
    const t = axisTaps(10, 0.4, -0.3, 4)
    expect([t.i0[0], t.i1[0], t.l1[0]]).toEqual([0, 1, 0])
    expect(t.i0[1]).toBe(0)
    expect(t.l1[1]).toBeCloseTo(0.1, 6)
    expect([t.i0[9], t.i1[9], t.l1[9]]).toEqual([3, 3, 0])
  })
})

describe('upsampleBilinear', () => {
  it('matches a naive float64 bilinear oracle on a non-integer resize', () => {
    const grid = syntheticGrid(3, 23, 31, 5, 7, 6)
    expect(maxAbsDiff(upsampleBilinear(grid, 23, 31), naiveUpsample(grid, 23, 31))).toBeLessThan(1e-6)
  })

  it('matches the oracle on a crop/pad transform that clamps on every side', () => {
    const rand = mulberry32(9)
    const data = new Float32Array(4 * 3 * 5).map(() => rand() * 2 - 1)
    const grid: FeatureGrid = { data, shape: [4, 3, 5], space: 's', transform: { inputSize: [64, 48], imageSize: [19, 17], ax: 0.31, bx: -1.7, ay: 0.27, by: -0.9 } }
    expect(maxAbsDiff(upsampleBilinear(grid, 19, 17), naiveUpsample(grid, 19, 17))).toBeLessThan(1e-6)
  })

  it('reproduces the grid itself when the image is the grid size', () => {
    const grid = syntheticGrid(4, 6, 8, 6, 8, 3)
    expect(grid.transform).toEqual(resizeTransform(6, 8, 6, 8))
    expect(maxAbsDiff(upsampleBilinear(grid, 6, 8), grid.data)).toBe(0)
  })

  it('calls onRow once per output row', () => {
    const rows: number[] = []
    upsampleBilinear(syntheticGrid(1, 5, 4, 2, 2, 2), 5, 4, (y) => rows.push(y))
    expect(rows).toEqual([0, 1, 2, 3, 4])
  })
})
