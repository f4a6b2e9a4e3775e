import { checkPort } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { gridLabels } from '../../src/kernels/grid-labels.js'
import { labelsToMasks } from '../../src/kernels/labels-to-masks.js'
import { coverage, rng } from '../fixtures.js'

describe('labelsToMasks', () => {
  it('builds tight bboxes, areas and bitmaps that paint the label map back', () => {
    const r = rng(4)
    const h = 17
    const w = 23
    const labels = Int32Array.from({ length: h * w }, () => Math.floor(r() * 5))
    const set = labelsToMasks(labels, h, w, 5)
    expect(checkPort('MaskSet', set)).toBeNull()
    expect(set.masks).toHaveLength(5)
    const { hits, owner } = coverage(set)
    expect(hits.every((c) => c === 1)).toBe(true)
    expect(owner).toEqual(labels)
    set.masks.forEach((m, l) => {
      let n = 0
      let x0 = w, y0 = h, x1 = -1, y1 = -1
      for (let i = 0; i < h * w; i++) {
        if (labels[i] !== l) continue
        n++
        const x = i % w
        const y = Math.floor(i / w)
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y)
      }
      expect(m).toMatchObject({ area: n, bbox: [x0, y0, x1 - x0 + 1, y1 - y0 + 1], predictedIou: 1, stabilityScore: 1 })
    })
  })

  it('skips labels no pixel holds', () => {
    const set = labelsToMasks(Int32Array.from([0, 0, 2, 2]), 2, 2, 3)
    expect(set.masks.map((m) => m.bbox)).toEqual([[0, 0, 2, 1], [0, 1, 2, 1]])
  })
})

describe('gridLabels', () => {
  it('cuts square cells and truncates the last row and column', () => {
    const { labels, count } = gridLabels(5, 7, 3)
    expect(count).toBe(6)
    const set = labelsToMasks(labels, 5, 7, count)
    expect(set.masks.map((m) => m.bbox)).toEqual([[0, 0, 3, 3], [3, 0, 3, 3], [6, 0, 1, 3], [0, 3, 3, 2], [3, 3, 3, 2], [6, 3, 1, 2]])
  })
})
