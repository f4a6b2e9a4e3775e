import { describe, expect, it } from 'vitest'
import { overlapCounts } from '../../src/kernels/overlap-counts.js'

describe('overlapCounts', () => {
  it('equals a naive per-point Map count, new voxels and leaderless voxels excluded, entries by root', () => {
    let seed = 11
    const rnd = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k
    const E = 9
    const parent = Int32Array.from([0, 0, 2, 2, 4, 0, 6, 6, 8])
    const leader = Int32Array.from({ length: 60 }, () => rnd(E + 1) - 1)
    const n = 2000
    const mask = Uint32Array.from({ length: n }, () => rnd(7))
    const voxel = Int32Array.from({ length: n }, () => rnd(80))
    const naive = new Map<string, number>()
    const rootOf = (e: number): number => (parent[e] === e ? e : rootOf(parent[e]))
    for (let i = 0; i < n; i++) {
      if (voxel[i] >= 60 || leader[voxel[i]] < 0) continue
      const k = `${mask[i]}:${rootOf(leader[voxel[i]])}`
      naive.set(k, (naive.get(k) ?? 0) + 1)
    }
    const got = overlapCounts(mask, voxel, n, 60, leader, parent.slice())
    const fast = new Map<string, number>()
    for (let p = 0; p < got.size; p++) fast.set(`${got.masks[p]}:${got.entries[p]}`, got.counts[p])
    expect(fast).toEqual(naive)
    for (let p = 1; p < got.size; p++) expect(got.masks[p] * E + got.entries[p]).toBeGreaterThan(got.masks[p - 1] * E + got.entries[p - 1])
  })
})
