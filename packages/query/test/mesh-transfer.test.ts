import { mulberry32 } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { gatherToMesh, nearestMapPoints, transferToMesh } from '../src/mesh-transfer.js'

/** Brute force: every vertex against every point, strictly closer than r; lowest index on ties. */
function naive(points: Float32Array, verts: Float32Array, r: number): Int32Array {
  const out = new Int32Array(verts.length / 3).fill(-1)
  for (let j = 0; j < out.length; j++) {
    let best = r * r
    for (let i = 0; i < points.length / 3; i++) {
      const d = (points[3 * i] - verts[3 * j]) ** 2 + (points[3 * i + 1] - verts[3 * j + 1]) ** 2 + (points[3 * i + 2] - verts[3 * j + 2]) ** 2
      if (d < best) {
        best = d
        out[j] = i
      }
    }
  }
  return out
}

const cloud = (rand: () => number, n: number, lo: number, hi: number) => Float32Array.from({ length: 3 * n }, () => lo + (hi - lo) * rand())

describe('nearestMapPoints', () => {
  it('matches brute force within the cut-off on random clouds', () => {
    const rand = mulberry32(7)
    const points = cloud(rand, 2000, -1, 1)
    const verts = cloud(rand, 500, -1.2, 1.2)
    for (const r of [0.02, 0.08, 0.5]) {
      const got = nearestMapPoints(points, verts, { maxDistance: r })
      const want = naive(points, verts, r)
      expect(Array.from(got.index)).toEqual(Array.from(want))
      expect(got.matched).toBe(want.filter((i) => i >= 0).length)
      for (let j = 0; j < want.length; j++) {
        if (want[j] < 0) expect(got.distance[j]).toBeNaN()
        else expect(got.distance[j]).toBeLessThan(r)
      }
    }
  })

  it('takes the lowest index among coincident points, skips non-finite points and vertices, excludes exactly maxDistance', () => {
    const points = new Float32Array([0, 0, 0, 5, 5, 5, 0, 0, 0, NaN, 1, 1, 1, 0, 0])
    const verts = new Float32Array([0.01, 0, 0, 1, 1, 1, 1, 0, 0.5, NaN, 0, 0, 2, 0, 0])
    const got = nearestMapPoints(points, verts, { maxDistance: 0.5 })
    // (1,0,0.5) is exactly 0.5 from point 4 (1,0,0): not strictly closer.
    expect(Array.from(got.index)).toEqual([0, -1, -1, -1, -1])
    expect(got.distance[0]).toBeCloseTo(0.01, 6)
    expect(nearestMapPoints(points, verts, { maxDistance: 0.5001 }).index[2]).toBe(4)
  })

  it('rejects bad shapes and cut-offs', () => {
    expect(() => nearestMapPoints(new Float32Array(4), new Float32Array(3), { maxDistance: 1 })).toThrow(/mapPositions must hold x, y, z/)
    expect(() => nearestMapPoints(new Float32Array(3), new Float32Array(3), { maxDistance: 0 })).toThrow(/maxDistance must be a positive/)
    expect(() => transferToMesh(new Float32Array(6), new Float32Array(3), new Float32Array(3), { maxDistance: 1 })).toThrow(/whole number of channels of 2 points/)
  })
})

describe('transferToMesh', () => {
  const points = new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0])
  const verts = new Float32Array([0.9, 0.05, 0, 0, 0.95, 0, 3, 3, 3])

  it('gathers each channel through the nearest point: NaN for unmatched scores, 0 for unmatched labels', () => {
    const scores = new Float32Array([0.1, 0.2, 0.3, -1, -2, -3]) // 2 queries × 3 points
    const s = transferToMesh(points, scores, verts, { maxDistance: 0.2 })
    expect(s.values).toBeInstanceOf(Float32Array)
    expect(Array.from(s.values.subarray(0, 2))).toEqual([0.2, 0.3].map(Math.fround))
    expect(s.values[2]).toBeNaN()
    expect(Array.from(s.values.subarray(3, 5))).toEqual([-2, -3])
    expect(s.values[5]).toBeNaN()
    expect(s.matched).toBe(2)
    const labels = transferToMesh(points, new Uint16Array([1, 2, 3]), verts, { maxDistance: 0.2 })
    expect(labels.values).toBeInstanceOf(Uint16Array)
    expect(Array.from(labels.values)).toEqual([2, 3, 0])
    expect(Array.from(transferToMesh(points, new Uint16Array([1, 2, 3]), verts, { maxDistance: 0.2, fill: 65535 }).values)).toEqual([2, 3, 65535])
    expect(Array.from(gatherToMesh(s.index, new Uint8Array([7, 8, 9]), 3))).toEqual([8, 9, 0])
  })

  it('leaves every vertex unmatched for an empty map', () => {
    const t = transferToMesh(new Float32Array(0), new Float32Array(0), verts, { maxDistance: 1 })
    expect(t.matched).toBe(0)
    expect(Array.from(t.index)).toEqual([-1, -1, -1])
    expect(t.values.length).toBe(0)
  })
})
