import type { Mask, MaskSet } from '@plaf/core'

/**
 * One mask per label of an h×w label map (labels 0..count−1, every pixel labelled), in label
 * order: bbox (XYWH), area and a bitmap cropped to the bbox. Masks are disjoint and cover the
 * image. Scores are 1: these maskers do not predict quality.
 */
export function labelsToMasks(labels: Int32Array, h: number, w: number, count: number): MaskSet {
  const x0 = new Int32Array(count).fill(w)
  const y0 = new Int32Array(count).fill(h)
  const x1 = new Int32Array(count).fill(-1)
  const y1 = new Int32Array(count).fill(-1)
  const area = new Int32Array(count)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const l = labels[y * w + x]
      area[l]++
      if (x < x0[l]) x0[l] = x
      if (x > x1[l]) x1[l] = x
      if (y < y0[l]) y0[l] = y
      if (y > y1[l]) y1[l] = y
    }
  }
  const bitmaps: Uint8Array[] = []
  for (let l = 0; l < count; l++) bitmaps.push(new Uint8Array(area[l] > 0 ? (x1[l] - x0[l] + 1) * (y1[l] - y0[l] + 1) : 0))
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const l = labels[y * w + x]
      bitmaps[l][(y - y0[l]) * (x1[l] - x0[l] + 1) + (x - x0[l])] = 1
    }
  }
  const masks: Mask[] = []
  for (let l = 0; l < count; l++) {
    if (area[l] === 0) continue
    masks.push({
      bbox: [x0[l], y0[l], x1[l] - x0[l] + 1, y1[l] - y0[l] + 1],
      area: area[l],
      bitmap: bitmaps[l],
      predictedIou: 1,
      stabilityScore: 1,
    })
  }
  return { width: w, height: h, masks }
}
