import { describe, expect, it } from 'vitest'
import { associateFrame } from '../src/associate.js'
import { FusedPool } from '../src/fused-pool.js'
import { overlapCounts } from '../src/kernels/overlap-counts.js'

const t = { minOverlap: 0.3, minCosine: 0.8 }
const pairs = (masks: number[], entries: number[], counts: number[]) =>
  ({ masks: Uint32Array.from(masks), entries: Uint32Array.from(entries), counts: Uint32Array.from(counts), size: masks.length })

describe('FusedPool', () => {
  it('keeps running means weighted by points, joins entries into the smaller index, compacts by root', () => {
    const pool = new FusedPool(2)
    const table = Float32Array.from([1, 0, 0, 1, 0, 0])
    expect(pool.append(table, 0, 10)).toBe(0)
    expect(pool.append(table, 1, 30)).toBe(1)
    expect(pool.absorb(0, table, 1, 10)).toBe(0) // (10·(1,0) + 10·(0,1)) / 20
    expect(pool.union(1, 0)).toBe(0) // (20·(.5,.5) + 30·(0,1)) / 50 = (.2, .8)
    expect(pool.root(1)).toBe(0)
    expect(pool.observations(0)).toBe(3)
    const zero = pool.append(table, 2, 5)
    expect(pool.append(table, 2, 5)).toBe(zero) // background rows share one entry
    const { data, rows, remap, observations } = pool.compact(Uint8Array.from([1, 0, 1]))
    expect(rows).toBe(2)
    expect(Array.from(data)).toEqual([0.2, 0.8, 0, 0].map(Math.fround))
    expect(Array.from(remap)).toEqual([0, 0, 1])
    expect(Array.from(observations)).toEqual([3, 2])
  })
})

describe('associateFrame', () => {
  it('matches by combined overlap of cosine-passing entries, bridges two entries, appends the rest', () => {
    const pool = new FusedPool(2)
    const seed = Float32Array.from([1, 0, 0.9, 0.1, 0, 1])
    pool.append(seed, 0, 10) // entry 0 ≈ x
    pool.append(seed, 1, 10) // entry 1 ≈ x too (an object seen twice before its voxels met)
    pool.append(seed, 2, 10) // entry 2 = y
    const table = Float32Array.from([0, 0, 1, 0.05, 0, 1, 1, 0, 0.7, 0.7])
    // Mask 0 (row 1, 100 pts): 20 on entry 0, 20 on entry 1, 50 on entry 2 (wrong feature) → joins 0 and 1.
    // Mask 1 (row 2, 100 pts): 25 on entry 2 → below 30 % → new entry.
    // Mask 2 (row 3, 10 pts): no overlap → new entry. Mask 3 (row 4): 9 on entry 2, cosine 0.71 < 0.8 → new.
    const refs = associateFrame(pool, table, [1, 2, 3, 4], Uint32Array.from([100, 100, 10, 10]),
      pairs([0, 0, 0, 1, 3], [0, 1, 2, 2, 2], [20, 20, 50, 25, 9]), t)
    expect(Array.from(refs)).toEqual([0, 3, 4, 5])
    expect(pool.root(1)).toBe(0)
    expect(pool.observations(0)).toBe(3)
  })
})

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
