import { mulberry32 } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { nearestPoints } from '../../src/kernels/nearest-point.js'
import { poolArgmax } from '../../src/kernels/pool-argmax.js'

/** The oracle: every query against every point. */
function naiveNearest(points: Float32Array, queries: Float32Array, max: number): number[] {
  const out: number[] = []
  for (let q = 0; q < queries.length / 3; q++) {
    let best = max * max, arg = -1
    for (let p = 0; p < points.length / 3; p++) {
      const d2 = (points[3 * p] - queries[3 * q]) ** 2 + (points[3 * p + 1] - queries[3 * q + 1]) ** 2 + (points[3 * p + 2] - queries[3 * q + 2]) ** 2
      if (d2 < best || (d2 === best && (arg === -1 || p < arg))) { best = d2; arg = p }
    }
    out.push(arg)
  }
  return out
}

describe('nearestPoints', () => {
  it('agrees with the all-pairs search, the cut-off included', () => {
    const rand = mulberry32(3)
    for (const [n, v, max] of [[500, 300, 0.05], [50, 200, 0.3], [1, 10, 1], [2000, 500, 0.02]] as const) {
      const points = Float32Array.from({ length: 3 * n }, () => rand() * 2 - 0.5)
      const queries = Float32Array.from({ length: 3 * v }, () => rand() * 2.4 - 0.7)
      expect(Array.from(nearestPoints(points, queries, max))).toEqual(naiveNearest(points, queries, max))
    }
  })

  it('returns -1 without points and rejects a non-positive cut-off', () => {
    expect(Array.from(nearestPoints(new Float32Array(0), Float32Array.from([0, 0, 0]), 0.1))).toEqual([-1])
    expect(() => nearestPoints(new Float32Array(3), new Float32Array(3), 0)).toThrow(/maxDistance/)
  })
})

describe('poolArgmax', () => {
  it('labels each row with its best text by cosine, a zero row -1, ties to the lower class', () => {
    const text = Float32Array.from([1, 0, 0, 1]) // class 0 = x, class 1 = y
    const pool = Float32Array.from([3, 1, 0.2, 5, 0, 0, 2, 2])
    const r = poolArgmax(pool, 4, text, 2, 2)
    expect(Array.from(r.labels)).toEqual([0, 1, -1, 0])
    expect(r.best[0]).toBeCloseTo(3 / Math.hypot(3, 1), 6)
    expect(r.best[3]).toBeCloseTo(Math.SQRT1_2, 6)
  })
})
