import { describe, expect, it } from 'vitest'
import { buildGridGraph, gridEdgeCount } from '../../src/kernels/grid-graph.js'
import { sortEdges } from '../../src/kernels/sort-edges.js'
import { rng } from '../fixtures.js'

describe('buildGridGraph', () => {
  it('lists each 8-neighbour pair once, in the reference order (right, down, down-right, up-right)', () => {
    const img = Float32Array.from({ length: 2 * 3 * 3 }, (_, i) => i)
    const g = buildGridGraph(img, 2, 3)
    expect(g.count).toBe(gridEdgeCount(2, 3))
    const pairs = Array.from({ length: g.count }, (_, e) => [g.a[e], g.b[e]])
    // pixels 0 1 2 / 3 4 5
    expect(pairs).toEqual([[0, 1], [0, 3], [0, 4], [1, 2], [1, 4], [1, 5], [2, 5], [3, 4], [3, 1], [4, 5], [4, 2]])
  })

  it('weights edges by the Euclidean RGB distance, rounded to float32', () => {
    const img = Float32Array.from([0, 0, 0, 3, 4, 12, 1.5, 0.25, 7])
    const g = buildGridGraph(img, 1, 3)
    expect([...g.w]).toEqual([13, Math.fround(Math.hypot(1.5, 3.75, 5))])
  })

  it('handles single rows, columns and pixels', () => {
    expect(buildGridGraph(new Float32Array(3), 1, 1).count).toBe(0)
    expect(buildGridGraph(new Float32Array(12), 4, 1).count).toBe(3)
  })
})

describe('sortEdges', () => {
  it('orders edges by (weight, index), like a stable sort, with many ties and a wide range', () => {
    const r = rng(1)
    for (const n of [0, 1, 17, 5000]) {
      const w = Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : i % 3 === 0 ? Math.floor(r() * 5) : r() * 1e5 * r() * r()))
      const a = Uint32Array.from({ length: n }, (_, i) => i * 3)
      const b = Uint32Array.from({ length: n }, (_, i) => i * 5 + 1)
      const want = Array.from({ length: n }, (_, i) => i).sort((p, q) => w[p] - w[q] || p - q)
      const got = sortEdges({ a, b, w, count: n })
      expect(got.count).toBe(n)
      expect([...got.a]).toEqual(want.map((i) => a[i]))
      expect([...got.b]).toEqual(want.map((i) => b[i]))
      expect([...got.w]).toEqual(want.map((i) => w[i]))
    }
  })

  it('leaves the input graph untouched', () => {
    const g = { a: Uint32Array.from([0, 1, 2]), b: Uint32Array.from([1, 2, 3]), w: Float32Array.from([3, 1, 2]), count: 3 }
    expect([...sortEdges(g).a]).toEqual([1, 2, 0])
    expect([...g.w]).toEqual([3, 1, 2])
    expect([...g.a]).toEqual([0, 1, 2])
  })
})
