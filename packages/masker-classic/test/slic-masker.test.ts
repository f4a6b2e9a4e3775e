import { validateOptions, type Frame } from '@plaf/core'
import { createRunContext, createTestContext, describeStagePlugin } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { slicMasker, type SlicOptions } from '../src/slic-masker.js'
import { coverage, makeFrame, rng } from './fixtures.js'

/** Two flat halves (red left of x = sx, blue right) with ±amp noise. */
function halves(h: number, w: number, sx: number, amp: number, seed = 1): Frame {
  const r = rng(seed)
  return makeFrame(h, w, (x) => (x < sx ? [200, 40, 40] : [40, 60, 210]).map((c) => c + (r() * 2 - 1) * amp))
}

async function segment(frame: Frame, options: Partial<SlicOptions> = {}) {
  const opts = validateOptions(slicMasker, options)
  expect(opts.errors).toEqual([])
  const logs: string[] = []
  const ctx = createTestContext({ stage: 'masker' })
  ctx.log = (m) => void logs.push(m)
  const inst = await slicMasker.create(opts.value as unknown as SlicOptions, ctx)
  const rc = createRunContext({ id: frame.id, index: 0 })
  const { masks } = await inst.run({ frame }, rc)
  return { set: masks!, logs, metrics: rc.metrics }
}

describeStagePlugin(slicMasker, [
  { name: 'defaults on noisy halves', inputs: () => ({ frame: halves(60, 80, 37, 12) }) },
  { name: 'downscaled, no connectivity enforcement', options: { max_side: 40, enforce_connectivity: false, n_segments: 20 }, inputs: () => ({ frame: halves(60, 80, 37, 12) }) },
])

describe('slic masker', () => {
  it('covers every pixel once with about n_segments superpixels, none straddling the colour edge', async () => {
    // Noise well below the compactness term (m 10): with ±15 the superpixels fragment and merge (about 30).
    const { set, metrics, logs } = await segment(halves(90, 120, 53, 4), { n_segments: 48 })
    expect(coverage(set).hits.every((c) => c === 1)).toBe(true)
    expect(set.masks.length).toBeGreaterThan(48 * 0.7)
    expect(set.masks.length).toBeLessThan(48 * 1.3)
    expect(metrics.masks).toBe(set.masks.length)
    expect(metrics.iterations).toBeGreaterThanOrEqual(1)
    expect(logs).toEqual(['slic: 90×120 frames segmented at full size'])
    const { owner } = coverage(set)
    for (let i = 0; i < set.masks.length; i++) {
      let left = 0
      let right = 0
      for (let p = 0; p < owner.length; p++) {
        if (owner[p] !== i) continue
        if (p % 120 < 53) left++
        else right++
      }
      expect(Math.min(left, right), `superpixel ${i}`).toBe(0)
    }
    for (const m of set.masks) expect([m.predictedIou, m.stabilityScore]).toEqual([1, 1])
  })

  it('segments large frames at max_side and upsamples the labels', async () => {
    const { set, logs } = await segment(halves(120, 160, 70, 10), { max_side: 80, n_segments: 20 })
    expect(logs).toEqual(['slic: 120×160 frames segmented at 60×80 (scale 0.5000, max_side 80)'])
    expect(coverage(set).hits.every((c) => c === 1)).toBe(true)
    expect(set.width).toBe(160)
  })

  it('larger compactness gives squarer superpixels (smaller mean bbox perimeter per area)', async () => {
    const frame = makeFrame(80, 80, (x, y) => [128 + 60 * Math.sin(x / 3 + y / 5), 128 + 60 * Math.cos(x / 4), 100])
    const shape = async (m: number) => {
      const { set } = await segment(frame, { compactness: m, n_segments: 25 })
      return set.masks.reduce((s, k) => s + (2 * (k.bbox[2] + k.bbox[3])) / Math.sqrt(k.area), 0) / set.masks.length
    }
    expect(await shape(40)).toBeLessThan(await shape(2))
  })
})
