import { describeStagePlugin } from '@plaf/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { samMasker } from '../src/plugin.js'
import { quadrants, rectIou, runSam, testStore } from './fixtures.js'

const store = testStore()
store.add()
afterAll(() => store.home.cleanup())

const [H, W, SX, SY] = [120, 160, 70, 50]
const RECTS = [[0, 0, SX, SY], [SX, 0, W, SY], [0, SY, SX, H], [SX, SY, W, H]] as const

describeStagePlugin(samMasker, [
  { name: 'paper settings on four quadrants', options: { points_per_side: 8, pred_iou_thresh: 0.85, stability_score_thresh: 0.92, min_mask_region_area: 20 }, inputs: () => ({ frame: quadrants(H, W, SX, SY) }), context: { models: store.models } },
  { name: 'one crop layer', options: { points_per_side: 4, crop_n_layers: 1 }, inputs: () => ({ frame: quadrants(H, W, SX, SY) }), context: { models: store.models } },
])

describe('sam masker on the transformers.js contract model', () => {
  it('finds the four quadrants as the largest masks, sorted by area, with the decoder\'s scores', async () => {
    const { set, logs } = await runSam(store.models, quadrants(H, W, SX, SY), { points_per_side: 8 })
    expect(logs.join('\n')).toContain('transformers.js adapter')
    expect(set.width).toBe(W)
    expect(set.height).toBe(H)
    const areas = set.masks.map((m) => m.area)
    expect(areas).toEqual([...areas].sort((a, b) => b - a))
    for (const r of RECTS) expect(Math.max(...set.masks.map((_, i) => rectIou(set, i, r))), `rectangle ${r}`).toBeGreaterThan(0.95)
    // The whole-region output carries IoU 0.95, the discs 0.9 and 0.92 (the contract model's).
    expect(new Set(set.masks.map((m) => m.predictedIou.toFixed(2)))).toEqual(new Set(['0.90', '0.92', '0.95']))
    for (const m of set.masks) expect(m.stabilityScore).toBeGreaterThanOrEqual(Math.fround(0.95))
  })

  it('pred_iou_thresh above the discs\' scores leaves exactly the four regions', async () => {
    const { set } = await runSam(store.models, quadrants(H, W, SX, SY), { points_per_side: 8, pred_iou_thresh: 0.93 })
    expect(set.masks).toHaveLength(4)
    RECTS.forEach((r) => expect(Math.max(...set.masks.map((_, i) => rectIou(set, i, r)))).toBeGreaterThan(0.95))
  })

  it('a looser box_nms_thresh keeps more overlapping discs, a stricter one fewer', async () => {
    const frame = quadrants(H, W, SX, SY)
    const counts = []
    for (const t of [0.3, 0.7, 0.95]) counts.push((await runSam(store.models, frame, { points_per_side: 8, box_nms_thresh: t })).set.masks.length)
    expect(counts[0]).toBeLessThan(counts[1]!)
    expect(counts[1]).toBeLessThan(counts[2]!)
  })
})
