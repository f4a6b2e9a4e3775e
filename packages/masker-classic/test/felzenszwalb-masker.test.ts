import { validateOptions, type Frame, type MaskSet } from '@plaf/core'
import { createRunContext, createTestContext, describeStagePlugin } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { segmentationSize } from '../src/felzenszwalb.js'
import { felzenszwalbMasker, type FelzenszwalbOptions } from '../src/felzenszwalb-masker.js'
import { coverage, frameOf, makeFrame, rng } from './fixtures.js'

const COLOURS = [[200, 40, 40], [40, 190, 60], [50, 60, 210], [230, 220, 70]]

/** Four flat rectangles split at (sx, sy), plus uniform noise of ±amp per channel. */
function rectangles(h: number, w: number, sx: number, sy: number, amp: number, seed = 1): Frame {
  const r = rng(seed)
  return makeFrame(h, w, (x, y) => COLOURS[(x < sx ? 0 : 1) + (y < sy ? 0 : 2)].map((c) => c + (r() * 2 - 1) * amp))
}

async function segment(frame: Frame, options: Partial<FelzenszwalbOptions> = {}) {
  const opts = validateOptions(felzenszwalbMasker, options)
  expect(opts.errors).toEqual([])
  const logs: string[] = []
  const ctx = createTestContext({ stage: 'masker' })
  ctx.log = (m) => void logs.push(m)
  const inst = await felzenszwalbMasker.create(opts.value as unknown as FelzenszwalbOptions, ctx)
  const rc = createRunContext({ id: frame.id, index: 0 })
  const { masks } = await inst.run({ frame }, rc)
  return { set: masks!, logs, metrics: rc.metrics }
}

/** IoU of a mask with the rectangle [x0, x1) × [y0, y1). */
function rectIou(set: MaskSet, i: number, x0: number, y0: number, x1: number, y1: number): number {
  const { owner } = coverage(set)
  let inter = 0
  let area = 0
  for (let y = 0; y < set.height; y++) {
    for (let x = 0; x < set.width; x++) {
      const inMask = owner[y * set.width + x] === i
      const inRect = x >= x0 && x < x1 && y >= y0 && y < y1
      if (inMask && inRect) inter++
      if (inMask || inRect) area++
    }
  }
  return inter / area
}

describeStagePlugin(felzenszwalbMasker, [
  { name: 'defaults on noisy rectangles', inputs: () => ({ frame: rectangles(60, 80, 30, 25, 12) }) },
  { name: 'downscaled, no smoothing', options: { max_side: 40, sigma: 0, k: 200, min_size: 10 }, inputs: () => ({ frame: rectangles(60, 80, 30, 25, 12) }) },
])

describe('felzenszwalb masker', () => {
  const [h, w, sx, sy] = [120, 160, 70, 50]
  const rects = [[0, 0, sx, sy], [sx, 0, w, sy], [0, sy, sx, h], [sx, sy, w, h]]
  const bestIou = (set: MaskSet, [x0, y0, x1, y1]: number[]) => Math.max(...set.masks.map((_, i) => rectIou(set, i, x0, y0, x1, y1)))

  it('finds the four rectangles of a noisy image without smoothing (4 segments, IoU > 0.95 each)', async () => {
    for (const seed of [1, 2, 3]) {
      const { set, metrics } = await segment(rectangles(h, w, sx, sy, 15, seed), { sigma: 0 })
      expect(set.masks, `seed ${seed}`).toHaveLength(4)
      expect(metrics.masks).toBe(4)
      for (const r of rects) expect(bestIou(set, r), `seed ${seed} rectangle ${r}`).toBeGreaterThan(0.95)
    }
  })

  it('with σ 0.8 and edge_strips keep finds the rectangles plus thin strips where smoothing blends the edges', async () => {
    // Smoothing gives the pixels on each side of a sharp edge an in-between colour; those 1 px
    // strips are coherent along the edge, so FH keeps them (as the reference code does) when
    // they are longer than min_size. A larger min_size folds them into a neighbour.
    const { set } = await segment(rectangles(h, w, sx, sy, 15), { edge_strips: 'keep' })
    const byArea = [...set.masks].sort((a, b) => b.area - a.area)
    const big = { ...set, masks: byArea.slice(0, 4) }
    for (const r of rects) expect(bestIou(big, r), `rectangle ${r}`).toBeGreaterThan(0.95)
    for (const m of byArea.slice(4)) expect(Math.min(m.bbox[2], m.bbox[3]), 'a strip').toBeLessThanOrEqual(2)
    expect(set.masks.length).toBeGreaterThan(4)
    // Folded strips widen a rectangle by a pixel or two along an edge: IoU stays above 0.9.
    const folded = await segment(rectangles(h, w, sx, sy, 15, 2), { min_size: 100 })
    expect(folded.set.masks).toHaveLength(4)
    for (const r of rects) expect(bestIou(folded.set, r), `rectangle ${r}`).toBeGreaterThan(0.9)
  })

  it('with the default edge_strips reassign returns the strips to the rectangles they were smoothed from', async () => {
    for (const seed of [1, 2, 3]) {
      const { set } = await segment(rectangles(h, w, sx, sy, 15, seed))
      expect(set.masks, `seed ${seed}`).toHaveLength(4)
      for (const r of rects) expect(bestIou(set, r), `seed ${seed} rectangle ${r}`).toBeGreaterThan(0.97)
      expect(coverage(set).hits.every((c) => c === 1)).toBe(true)
      expect(set.masks.reduce((s, m) => s + m.area, 0)).toBe(h * w)
    }
  })

  it('two flat regions with a smoothed edge: no strip segment along the edge after the pass', async () => {
    // A sharp vertical edge at x = 37 between two flat colours; σ 0.8 blends the columns beside it.
    const frame = makeFrame(40, 80, (x) => (x < 37 ? COLOURS[0] : COLOURS[2]))
    const kept = await segment(frame, { edge_strips: 'keep', min_size: 20 })
    const thin = (set: MaskSet) => set.masks.filter((m) => m.bbox[2] <= 2)
    expect(thin(kept.set).length, 'keep: the smoothing strips are segments').toBeGreaterThan(0)
    const { set } = await segment(frame, { min_size: 20 })
    expect(thin(set)).toEqual([])
    expect(set.masks).toHaveLength(2)
    expect(bestIou(set, [0, 0, 37, 40])).toBe(1)
    expect(bestIou(set, [37, 0, 80, 40])).toBe(1)
    expect(coverage(set).hits.every((c) => c === 1)).toBe(true)
    expect(set.masks.reduce((s, m) => s + m.area, 0)).toBe(40 * 80)
  })

  it('covers every pixel exactly once, with tight areas and unit scores', async () => {
    const r = rng(8)
    const frame = makeFrame(50, 70, () => [r() * 255, r() * 255, r() * 255])
    const { set } = await segment(frame, { k: 100, min_size: 20 })
    expect(set.masks.length).toBeGreaterThan(5)
    const { hits } = coverage(set)
    expect(hits.every((c) => c === 1)).toBe(true)
    expect(set.masks.reduce((s, m) => s + m.area, 0)).toBe(50 * 70)
    for (const m of set.masks) expect([m.predictedIou, m.stabilityScore]).toEqual([1, 1])
  })

  it('honours min_size: small blobs survive at min_size 1 and are merged at 50', async () => {
    // 5×5 white blobs (25 px) on a flat grey background.
    const frame = makeFrame(64, 64, (x, y) => (x % 16 < 5 && y % 16 < 5 ? [255, 255, 255] : [90, 90, 90]))
    const loose = await segment(frame, { min_size: 1, sigma: 0 })
    expect(loose.set.masks.length).toBe(17)
    expect(Math.min(...loose.set.masks.map((m) => m.area))).toBe(25)
    const strict = await segment(frame, { min_size: 50, sigma: 0 })
    expect(strict.set.masks.every((m) => m.area >= 50)).toBe(true)
    expect(strict.set.masks.length).toBeLessThan(17)
  })

  it('segments large frames on a downscaled copy, reports the scale and still covers every pixel', async () => {
    const frame = rectangles(300, 400, 170, 120, 10)
    expect(segmentationSize(300, 400, 200)).toEqual({ size: [150, 200], scale: 0.5 })
    const { set, logs } = await segment(frame, { max_side: 200, sigma: 0 })
    expect(logs).toEqual(['felzenszwalb: 300×400 frames segmented at 150×200 (scale 0.5000, max_side 200)'])
    expect(set.masks).toHaveLength(4)
    expect(coverage(set).hits.every((c) => c === 1)).toBe(true)
    expect(rectIou(set, set.masks.findIndex((m) => m.bbox[0] === 0 && m.bbox[1] === 0), 0, 0, 170, 120)).toBeGreaterThan(0.95)
  })

  it('segments a 1296×968 frame (ScanNet colour size) in reasonable time', async () => {
    // A room-like picture: 60 random overlapping rectangles with noise, painted box by box.
    const r = rng(3)
    const [H, W] = [968, 1296]
    const rgb = new Float32Array(H * W * 3).fill(128)
    for (let b = 0; b < 60; b++) {
      const [x0, y0] = [Math.floor(r() * W), Math.floor(r() * H)]
      const [x1, y1] = [Math.min(W, x0 + 50 + Math.floor(r() * 400)), Math.min(H, y0 + 50 + Math.floor(r() * 300))]
      const c = [r() * 255, r() * 255, r() * 255]
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) rgb.set(c, (y * W + x) * 3)
    }
    const frame = frameOf(Uint8Array.from(rgb, (v) => Math.max(0, Math.min(255, Math.round(v + (r() - 0.5) * 20)))), H, W)
    for (const max_side of [640, 0]) {
      const t0 = performance.now()
      const { set } = await segment(frame, { max_side })
      const ms = performance.now() - t0
      const size = segmentationSize(968, 1296, max_side).size.join('×')
      console.log(`felzenszwalb 1296×968 (max_side ${max_side}, graph at ${size}): ${set.masks.length} masks in ${ms.toFixed(0)} ms`)
      expect(set.masks.length).toBeGreaterThan(20)
      expect(set.masks.reduce((s, m) => s + m.area, 0)).toBe(968 * 1296)
    }
  }, 60_000)
})
