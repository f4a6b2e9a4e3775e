import { describe, expect, it } from 'vitest'
import { VoxelGrid } from '../../src/kernels/voxel-grid.js'

function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('VoxelGrid', () => {
  it('matches a naive Map keyed by round(p/s) strings, in first-seen order, across rehashes', () => {
    const rand = prng(1)
    const s = 0.05
    const grid = new VoxelGrid(s)
    const naive = new Map<string, { i: number; sum: number[]; rgb: number[]; n: number }>()
    for (let k = 0; k < 20000; k++) {
      const p = [rand() * 4 - 2, rand() * 4 - 2, rand() * 0.5 - 3]
      const c = [k % 256, (k * 3) % 256, (k * 7) % 256]
      const v = grid.add(p[0], p[1], p[2], c[0], c[1], c[2])
      const key = p.map((x) => Math.round(x / s)).join(',')
      let e = naive.get(key)
      if (!e) naive.set(key, (e = { i: naive.size, sum: [0, 0, 0], rgb: [0, 0, 0], n: 0 }))
      expect(v).toBe(e.i)
      for (let j = 0; j < 3; j++) {
        e.sum[j] += p[j]
        e.rgb[j] += c[j]
      }
      e.n++
    }
    expect(grid.size).toBe(naive.size)
    const pos = grid.positions()
    const col = grid.colors()
    const counts = grid.pointCounts()
    for (const e of naive.values()) {
      expect(counts[e.i]).toBe(e.n)
      for (let j = 0; j < 3; j++) {
        expect(pos[e.i * 3 + j]).toBeCloseTo(e.sum[j] / e.n, 5)
        expect(col[e.i * 3 + j]).toBe(Math.round(e.rgb[j] / e.n))
      }
    }
  })

  it('anchors keys to the world: points within half a voxel of a voxel centre share it', () => {
    const grid = new VoxelGrid(0.1)
    expect(grid.add(0.149, 0, 0, 0, 0, 0)).toBe(grid.add(0.051, 0.04, -0.04, 0, 0, 0))
    expect(grid.add(0.151, 0, 0, 0, 0, 0)).not.toBe(0)
    expect(grid.add(-0.06, 0, 0, 0, 0, 0)).not.toBe(grid.add(-0.04, 0, 0, 0, 0, 0))
  })
})
