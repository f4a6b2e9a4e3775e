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

  it('with weights, sums each point\'s weight instead of counting it (same pairs, same order)', () => {
    let seed = 5
    const rnd = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k
    const parent = Int32Array.from([0, 0, 2, 3, 2])
    const leader = Int32Array.from({ length: 40 }, () => rnd(6) - 1)
    const n = 700
    const mask = Uint32Array.from({ length: n }, () => rnd(5))
    const voxel = Int32Array.from({ length: n }, () => rnd(50))
    const weights = Uint32Array.from({ length: n }, () => 1 + rnd(30))
    const rootOf = (e: number): number => (parent[e] === e ? e : rootOf(parent[e]))
    const naive = new Map<string, number>()
    for (let i = 0; i < n; i++) {
      if (voxel[i] >= 40 || leader[voxel[i]] < 0) continue
      const k = `${mask[i]}:${rootOf(leader[voxel[i]])}`
      naive.set(k, (naive.get(k) ?? 0) + weights[i])
    }
    const plain = overlapCounts(mask, voxel, n, 40, leader, parent)
    const got = overlapCounts(mask, voxel, n, 40, leader, parent, weights)
    const fast = new Map<string, number>()
    for (let p = 0; p < got.size; p++) fast.set(`${got.masks[p]}:${got.entries[p]}`, got.counts[p])
    expect(fast).toEqual(naive)
    expect(Array.from(got.masks.subarray(0, got.size))).toEqual(Array.from(plain.masks.subarray(0, plain.size)))
    expect(Array.from(got.entries.subarray(0, got.size))).toEqual(Array.from(plain.entries.subarray(0, plain.size)))
  })
})
