import { createReferenceBackend, type FeatureGrid, type Mask, type MaskSet } from '@plaf/core'
import { denseMaskMeanOracle as denseOracle } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { aggregateMasks, MASK_MEAN_DEFAULTS, type MaskMeanOptions } from '../src/index.js'
import { prng, randomGrid, randomMasks, resizeTransform } from './fixtures.js'

const tensor = createReferenceBackend()
const opts = (o: Partial<MaskMeanOptions>): MaskMeanOptions => ({ ...MASK_MEAN_DEFAULTS, ...o })
const row = (f: Float32Array, i: number, d: number) => Array.from(f.subarray(i * d, (i + 1) * d))
const unit = (v: number[]) => {
  const n = Math.hypot(...v)
  return v.map((x) => x / n)
}
const mask = (bbox: [number, number, number, number], bits: number[]): Mask =>
  ({ bbox, area: bits.reduce((s, b) => s + b, 0), bitmap: Uint8Array.from(bits), predictedIou: 1, stabilityScore: 1 })

/** A 1×2 grid holding e1 and e2 (D = 2). */
const twoCells = (H: number, W: number, transform = resizeTransform(H, W, 1, 2)): FeatureGrid =>
  ({ data: Float32Array.from([1, 0, 0, 1]), shape: [1, 2, 2], transform, space: 's' })

describe('overlap, hand-computed (pixel 0 = e1, pixel 1 = e2; mask A covers both, B covers pixel 1)', () => {
  // Identity transform: grid coordinate = pixel coordinate, so pixels sample the cells exactly.
  const grid = twoCells(1, 2, { inputSize: [1, 2], imageSize: [1, 2], ax: 1, bx: 0, ay: 1, by: 0 })
  const masks: MaskSet = { width: 2, height: 1, masks: [mask([1, 0, 1, 1], [1]), mask([0, 0, 2, 1], [1, 1])] }
  const a = unit([1, 1])

  it('smallest-wins: ids [A, B]; rows average whole masks', async () => {
    const m = await aggregateMasks(grid, masks, opts({}), tensor)
    expect(Array.from(m.ids.data)).toEqual([1, 2])
    expect(m.features.shape).toEqual([3, 2])
    row(m.features.data, 1, 2).forEach((v, i) => expect(v).toBeCloseTo(a[i], 6))
    expect(row(m.features.data, 2, 2)).toEqual([0, 1])
  })

  it('largest-wins: ids [A, A], same rows', async () => {
    const m = await aggregateMasks(grid, masks, opts({ overlap: 'largest-wins' }), tensor)
    expect(Array.from(m.ids.data)).toEqual([1, 1])
    expect(m.features.shape).toEqual([3, 2])
  })

  it('average: pixel 1 gets set {A, B} = id 3, whose row is the unit mean of rows A and B', async () => {
    const m = await aggregateMasks(grid, masks, opts({ overlap: 'average' }), tensor)
    expect(Array.from(m.ids.data)).toEqual([1, 3])
    expect(m.features.shape).toEqual([4, 2])
    const want = unit([a[0] + 0, a[1] + 1])
    row(m.features.data, 3, 2).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6))
  })
})

describe('background: patch, hand-computed (1×4 image over a 1×2 grid of e1, e2; a mask on pixel 1)', () => {
  // Grid coordinates of pixels 0..3: −0.25, 0.25, 0.75, 1.25 → nearest cells 0, 0, 1, 1.
  const grid = twoCells(1, 4)
  const masks: MaskSet = { width: 4, height: 1, masks: [mask([1, 0, 1, 1], [1])] }

  it('uncovered pixels form one row per nearest cell, ids after the masks, in cell order', async () => {
    const m = await aggregateMasks(grid, masks, opts({ background: 'patch' }), tensor)
    expect(Array.from(m.ids.data)).toEqual([2, 1, 3, 3])
    expect(m.features.shape).toEqual([4, 2])
    const f = m.features.data
    unit([0.75, 0.25]).forEach((v, i) => expect(f[2 + i]).toBeCloseTo(v, 6)) // the mask: pixel 1 at g = 0.25
    expect(row(f, 2, 2)).toEqual([1, 0]) // cell 0: pixel 0, clamped onto e1
    const p2 = unit([0.25, 0.75]) // pixel 2 at g = 0.75; pixel 3 clamps onto e2
    unit([p2[0], p2[1] + 1]).forEach((v, i) => expect(row(f, 3, 2)[i]).toBeCloseTo(v, 6))
  })

  it('none keeps id 0 and no extra row', async () => {
    const m = await aggregateMasks(grid, masks, opts({}), tensor)
    expect(Array.from(m.ids.data)).toEqual([0, 1, 0, 0])
    expect(m.features.shape).toEqual([2, 2])
  })

  it('with no masks at all, the whole image is background', async () => {
    const m = await aggregateMasks(grid, { width: 4, height: 1, masks: [] }, opts({ background: 'patch' }), tensor)
    expect(Array.from(m.ids.data)).toEqual([1, 1, 2, 2])
    expect(m.features.shape).toEqual([3, 2])
  })
})

describe('options against the dense reference path (random grids and masks)', () => {
  const H = 41
  const W = 53
  const setup = (seed: number) => {
    const rand = prng(seed)
    const grid = randomGrid(rand, 5, 7, 12, resizeTransform(H, W, 5, 7), 0.3)
    const all = randomMasks(rand, W, H, 10)
    // Without the full-image mask, some pixels stay uncovered.
    const masks: MaskSet = { ...all, masks: all.masks.filter((m) => m.area < W * H) }
    return { grid, masks, oracle: denseOracle(grid, masks) }
  }
  const covering = (masks: MaskSet, order: number[], p: number): number[] => {
    const x = p % W
    const y = (p - x) / W
    return order.map((mi, k) => ({ m: masks.masks[mi], id: k + 1 })).filter(({ m }) => {
      const [bx, by, bw, bh] = m.bbox
      return x >= bx && x < bx + bw && y >= by && y < by + bh && m.bitmap[(y - by) * bw + (x - bx)] !== 0
    }).map(({ id }) => id)
  }
  const areaOrder = (masks: MaskSet) => masks.masks.map((m, i) => ({ a: m.area, i })).sort((p, q) => q.a - p.a).map((e) => e.i)

  it('average: one id per distinct set of covering masks, its row the unit mean of the members\' dense rows', async () => {
    const { grid, masks, oracle } = setup(3)
    const m = await aggregateMasks(grid, masks, opts({ overlap: 'average' }), tensor)
    const d = 12
    const k = masks.masks.length
    const order = areaOrder(masks)
    const idOfSet = new Map<string, number>()
    let overlapped = 0
    for (let p = 0; p < H * W; p++) {
      const set = covering(masks, order, p)
      const id = m.ids.data[p]
      if (set.length <= 1) {
        expect(id, `pixel ${p}`).toBe(set[0] ?? 0)
        continue
      }
      overlapped++
      expect(id).toBeGreaterThan(k)
      const key = set.join(',')
      if (!idOfSet.has(key)) {
        expect([...idOfSet.values()]).not.toContain(id) // different sets, different ids
        idOfSet.set(key, id)
        const sum = new Array<number>(d).fill(0)
        for (const member of set) for (let j = 0; j < d; j++) sum[j] += oracle.features[member * d + j]
        const want = unit(sum)
        row(m.features.data, id, d).forEach((v, j) => expect(Math.abs(v - want[j])).toBeLessThanOrEqual(1e-5))
      }
      expect(id).toBe(idOfSet.get(key))
    }
    expect(overlapped).toBeGreaterThan(0)
    expect(m.features.shape).toEqual([k + 1 + idOfSet.size, d])
    for (let i = 0; i <= k * d + d - 1; i++) expect(Math.abs(m.features.data[i] - oracle.features[i])).toBeLessThanOrEqual(1e-5)
  })

  it('patch: each background cell\'s row equals the dense mean of its uncovered pixels', async () => {
    const { grid, masks, oracle } = setup(4)
    const m = await aggregateMasks(grid, masks, opts({ background: 'patch' }), tensor)
    const d = 12
    const k = masks.masks.length
    const { ax, bx, ay, by } = grid.transform
    const near = (g: number, n: number) => Math.min(Math.max(Math.round(g), 0), n - 1)
    const groups = new Map<number, Uint8Array>()
    for (let p = 0; p < H * W; p++) {
      if (oracle.ids[p] !== 0) {
        expect(m.ids.data[p]).toBe(oracle.ids[p])
        continue
      }
      const x = p % W
      const y = (p - x) / W
      const cell = near(ay * y + by, 5) * 7 + near(ax * x + bx, 7)
      if (!groups.has(cell)) groups.set(cell, new Uint8Array(H * W))
      groups.get(cell)![p] = 1
    }
    expect(groups.size).toBeGreaterThan(1)
    const cells = [...groups.keys()].sort((p, q) => p - q)
    expect(m.features.shape).toEqual([k + 1 + cells.length, d])
    for (const [r, cell] of cells.entries()) {
      const full = groups.get(cell)!
      const id = k + 1 + r
      for (let p = 0; p < H * W; p++) if (full[p]) expect(m.ids.data[p]).toBe(id)
      // The dense path on the group as a single full-image mask gives its row as row 1.
      const alone = denseOracle(grid, { width: W, height: H, masks: [{ bbox: [0, 0, W, H], area: 1, bitmap: full, predictedIou: 1, stabilityScore: 1 }] })
      row(m.features.data, id, d).forEach((v, j) => expect(Math.abs(v - alone.features[d + j])).toBeLessThanOrEqual(1e-5))
    }
  })
})
