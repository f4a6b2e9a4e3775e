import { describe, expect, it } from 'vitest'
import { gaussianBlur } from '../../src/kernels/gaussian-blur.js'
import { buildGridGraph } from '../../src/kernels/grid-graph.js'
import { mergeSmallComponents } from '../../src/kernels/merge-small.js'
import { segmentGraph } from '../../src/kernels/segment-graph.js'
import { sortEdges } from '../../src/kernels/sort-edges.js'
import { rng } from '../fixtures.js'
import { naiveFelzenszwalb } from '../naive-felzenszwalb.js'

function fast(img: Float32Array, h: number, w: number, k: number, minSize: number) {
  const edges = sortEdges(buildGridGraph(img, h, w))
  const sets = segmentGraph(h * w, edges, k)
  mergeSmallComponents(sets, edges, minSize)
  return sets.labels()
}

/** Blocky random image with noise: a few regions, plenty of near-ties. */
function tiny(seed: number, h: number, w: number): Uint8Array {
  const r = rng(seed)
  const palette = Array.from({ length: 4 }, () => [r() * 255, r() * 255, r() * 255])
  const cx = Math.floor(r() * w)
  const cy = Math.floor(r() * h)
  const img = new Uint8Array(h * w * 3)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = palette[(x < cx ? 0 : 1) + (y < cy ? 0 : 2)]
      for (let k = 0; k < 3; k++) img[(y * w + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(c[k] + (r() - 0.5) * 60)))
    }
  }
  return img
}

describe('segmentGraph + mergeSmallComponents', () => {
  it('produce exactly the labels of the naive implementation on tiny images', () => {
    let segments = 0
    for (let seed = 0; seed < 24; seed++) {
      const h = 6 + (seed % 5) * 3
      const w = 8 + (seed % 4) * 4
      const img = gaussianBlur(tiny(seed, h, w), h, w, 3, seed % 3 === 0 ? 0 : 0.8)
      const k = [20, 100, 500, 2000][seed % 4]
      const minSize = [1, 5, 20][seed % 3]
      const got = fast(img, h, w, k, minSize)
      const want = naiveFelzenszwalb(img, h, w, k, minSize)
      expect(got.labels, `seed ${seed}`).toEqual(want)
      expect(got.count).toBe(Math.max(...want) + 1)
      segments += got.count
    }
    // The cases are not degenerate: they segment into many pieces in total.
    expect(segments).toBeGreaterThan(100)
  })

  it('honours min_size', () => {
    const h = 20
    const w = 24
    const img = gaussianBlur(tiny(77, h, w), h, w, 3, 0)
    const sizes = (labels: Int32Array) => labels.reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<number, number>())
    const unmerged = fast(img, h, w, 30, 1)
    expect(Math.min(...sizes(unmerged.labels).values())).toBeLessThan(15)
    const merged = fast(img, h, w, 30, 15)
    expect(Math.min(...sizes(merged.labels).values())).toBeGreaterThanOrEqual(15)
  })
})
