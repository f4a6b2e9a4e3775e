import { describe, expect, it } from 'vitest'
import { maskToBox } from '../../src/amg/boxes.js'
import { cropToBox, pasteMask, recordRuns, type AmgMask } from '../../src/amg/mask-record.js'
import { nms } from '../../src/amg/nms.js'
import { removeSmallRegionsAll } from '../../src/amg/postprocess.js'
import { removeSmallRegions } from '../../src/amg/small-regions.js'
import { blobby } from './masks.js'

/** A record from a full-image mask. */
function record(full: Uint8Array, W: number, H: number, iou: number): AmgMask {
  const b = maskToBox(full, H, W)
  const empty = b[2] === 0 && b[3] === 0 && !full[0]
  const { bitmap, area } = empty ? { bitmap: new Uint8Array(0), area: 0 } : cropToBox(full, W, b)
  return { box: [b[0]!, b[1]!, b[2]!, b[3]!], bitmap, area, predictedIou: iou, stabilityScore: 1, point: [0, 0], cropBox: [0, 0, W, H] }
}

/** SAM's postprocess_small_regions on whole-image masks, written plainly: the naive reference. */
function naive(masks: AmgMask[], W: number, H: number, minArea: number, thr: number): AmgMask[] {
  const cleaned = masks.map((m) => {
    const full = pasteMask(m, W, new Uint8Array(W * H))
    const a = removeSmallRegions(full, H, W, minArea, 'holes')
    const b = removeSmallRegions(full, H, W, minArea, 'islands')
    return { rec: record(full, W, H, m.predictedIou), changed: a || b }
  })
  const boxes = cleaned.flatMap((c) => c.rec.box)
  return Array.from(nms(boxes, cleaned.map((c) => (c.changed ? 0 : 1)), thr), (i) => (cleaned[i]!.changed ? { ...masks[i]!, box: cleaned[i]!.rec.box, bitmap: cleaned[i]!.rec.bitmap, area: cleaned[i]!.rec.area } : masks[i]!))
}

describe('small-region clean-up of all masks (windowed) equals the whole-image computation', () => {
  it('on random masks of small images, where the background itself is often smaller than the limit', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const [H, W] = [10 + (seed % 5), 12 + (seed % 7)]
      const masks = Array.from({ length: 6 }, (_, k) => record(blobby(seed * 10 + k, H, W, 4 + (k % 5)), W, H, 0.9))
      for (const minArea of [3, 12, 40]) {
        expect(removeSmallRegionsAll(masks, W, H, minArea, 0.7), `seed ${seed} min ${minArea}`).toEqual(naive(masks, W, H, minArea, 0.7))
      }
    }
  })

  it('on random masks of larger images with many holes and islands near the limit (the run-based path)', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const [H, W] = [40 + seed, 55 + 2 * seed]
      const masks = Array.from({ length: 5 }, (_, k) => {
        const full = blobby(seed * 31 + k, H, W, 6 + (k % 4))
        // Punch holes and scatter islands of 1–12 pixels.
        let r = seed * 7 + k
        const rnd = (): number => ((r = (r * 1103515245 + 12345) % 2147483648) / 2147483648)
        for (let q = 0; q < 25; q++) {
          const [cx, cy, n] = [Math.floor(rnd() * W), Math.floor(rnd() * H), 1 + Math.floor(rnd() * 12)]
          const v = rnd() < 0.5 ? 0 : 1
          for (let t = 0; t < n; t++) {
            const x = Math.min(W - 1, cx + (t % 4))
            const y = Math.min(H - 1, cy + Math.floor(t / 4))
            full[y * W + x] = v
          }
        }
        return record(full, W, H, 0.9)
      })
      // The same masks carrying the generator's runs (in a crop's coordinates, the crop at (3, 2)).
      const withRuns = masks.map((m) => {
        const c = { ...m }
        const runs: number[] = []
        const bw = m.box[2] - m.box[0] + 1
        for (let i = 0; i < m.bitmap.length; i++) {
          if (!m.bitmap[i] || (i % bw > 0 && m.bitmap[i - 1])) continue
          let e = i
          while (e % bw < bw - 1 && m.bitmap[e + 1]) e++
          runs.push(Math.floor(i / bw) + m.box[1] - 2, (i % bw) + m.box[0] - 3, (e % bw) + m.box[0] - 3 + 1)
        }
        if (m.area > 0) recordRuns.set(c, { runs: Int32Array.from(runs), dx: 3, dy: 2 })
        return c
      })
      for (const minArea of [2, 6, 13, 200]) {
        const want = naive(masks, W, H, minArea, 0.7)
        expect(removeSmallRegionsAll(masks, W, H, minArea, 0.7), `seed ${seed} min ${minArea}`).toEqual(want)
        expect(removeSmallRegionsAll(withRuns, W, H, minArea, 0.7), `seed ${seed} min ${minArea} (runs)`).toEqual(want)
      }
    }
  })

  it('hand-worked: two islands both below the limit keep the larger; a changed duplicate loses to an unchanged mask', () => {
    const [H, W] = [8, 8]
    const full = new Uint8Array(64)
    for (const i of [0, 1, 8, 9, 10]) full[i] = 1 // 5-pixel island
    for (const i of [54, 55, 63]) full[i] = 1 // 3-pixel island
    const [out] = removeSmallRegionsAll([record(full, W, H, 0.9)], W, H, 6, 0.7)
    expect(out!.box).toEqual([0, 0, 2, 1])
    expect(out!.area).toBe(5)
    // The same blob without the far island is unchanged, so it wins the NMS against the cleaned one.
    const clean = full.slice()
    for (const i of [54, 55, 63]) clean[i] = 0
    const kept = removeSmallRegionsAll([record(full, W, H, 0.9), record(clean, W, H, 0.8)], W, H, 4, 0.7)
    expect(kept).toHaveLength(1)
    expect(kept[0]!.predictedIou).toBe(0.8)
  })
})
