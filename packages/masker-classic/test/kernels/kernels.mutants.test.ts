import { mulberry32 } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { buildGridGraph } from '../../src/kernels/grid-graph.js'
import { labelsToMasks } from '../../src/kernels/labels-to-masks.js'
import { mergeSmallComponents } from '../../src/kernels/merge-small.js'
import { resizeArea } from '../../src/kernels/resize-area.js'
import { segmentGraph } from '../../src/kernels/segment-graph.js'
import { sortEdges } from '../../src/kernels/sort-edges.js'
import { naiveFelzenszwalb } from '../naive-felzenszwalb.js'

// masker-classic kernels against naive references (written to kill the mutants `npm run mutate`
// found surviving; see docs/testing.md).

describe('segmentGraph merges when the edge weight equals a threshold (FH: w ≤ τ)', () => {
  const segment = (img: Float32Array, h: number, w: number, k: number) => {
    const edges = sortEdges(buildGridGraph(img, h, w))
    const sets = segmentGraph(h * w, edges, k)
    mergeSmallComponents(sets, edges, 1)
    return sets.labels()
  }

  it('joins two pixels one unit apart at k = 1, keeps them apart just below', () => {
    const img = Float32Array.of(0, 0, 0, 1, 0, 0)
    expect(Array.from(segment(img, 1, 2, 1).labels)).toEqual([0, 0])
    expect(Array.from(segment(img, 1, 2, 0.99).labels)).toEqual([0, 1])
  })

  it('equals the naive implementation on integer images full of exact ties', () => {
    const rand = mulberry32(8)
    for (let trial = 0; trial < 30; trial++) {
      const [h, w] = [3 + (trial % 3), 4]
      // Channels in {0, 1, 2}: weights are √0..√12, and k = 1, 2 or 3 makes τ hit them exactly.
      const img = Float32Array.from({ length: h * w * 3 }, () => Math.floor(rand() * 3))
      const k = 1 + (trial % 3)
      expect(Array.from(segment(img, h, w, k).labels), `trial ${trial}`).toEqual(Array.from(naiveFelzenszwalb(img, h, w, k, 1)))
    }
  })
})

describe('labelsToMasks', () => {
  it('gives each label its exact bbox, area and cropped bitmap, including labels in the first row or column only', () => {
    const rand = mulberry32(4)
    const [h, w] = [6, 7]
    for (let trial = 0; trial < 10; trial++) {
      const count = 5
      const labels = Int32Array.from({ length: h * w }, () => 1 + Math.floor(rand() * (count - 2)))
      for (let y = 0; y < h; y++) labels[y * w] = 0 // label 0: column 0 only
      for (let x = 1; x < w; x++) labels[x] = count - 1 // last label: row 0 only
      const set = labelsToMasks(labels, h, w, count)
      const present = [...new Set(labels)].sort((a, b) => a - b)
      expect(set.masks.length).toBe(present.length)
      present.forEach((l, m) => {
        const px = [...labels.keys()].filter((i) => labels[i] === l).map((i) => [i % w, Math.floor(i / w)])
        const [x0, x1] = [Math.min(...px.map((p) => p[0])), Math.max(...px.map((p) => p[0]))]
        const [y0, y1] = [Math.min(...px.map((p) => p[1])), Math.max(...px.map((p) => p[1]))]
        const mask = set.masks[m]
        expect(mask.bbox, `label ${l}`).toEqual([x0, y0, x1 - x0 + 1, y1 - y0 + 1])
        expect(mask.area).toBe(px.length)
        const bitmap = new Uint8Array((x1 - x0 + 1) * (y1 - y0 + 1))
        for (const [x, y] of px) bitmap[(y - y0) * (x1 - x0 + 1) + (x - x0)] = 1
        expect(Array.from(mask.bitmap)).toEqual(Array.from(bitmap))
      })
    }
  })
})

describe('resizeArea', () => {
  it('refuses to enlarge either axis, naming both sizes', () => {
    const src = new Float32Array(2 * 3)
    expect(() => resizeArea(src, 2, 3, 1, 1, 4)).toThrow('resizeArea only shrinks: 2×3 → 1×4')
    expect(() => resizeArea(src, 2, 3, 1, 3, 3)).toThrow('resizeArea only shrinks: 2×3 → 3×3')
    expect(resizeArea(src, 2, 3, 1, 2, 3).length).toBe(6)
  })
})
