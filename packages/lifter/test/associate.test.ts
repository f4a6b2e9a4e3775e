import { describe, expect, it } from 'vitest'
import { associateFrame } from '../src/associate.js'
import { FusedPool } from '../src/fused-pool.js'

const t = { minOverlap: 0.3, minCosine: 0.8 }
const pairs = (masks: number[], entries: number[], counts: number[]) =>
  ({ masks: Uint32Array.from(masks), entries: Uint32Array.from(entries), counts: Uint32Array.from(counts), size: masks.length })

describe('associateFrame', () => {
  it('matches by combined overlap of cosine-passing entries, bridges two entries, appends the rest', () => {
    const pool = new FusedPool(2)
    const seed = Float32Array.from([1, 0, 0.9, 0.1, 0, 1])
    pool.append(seed, 0, 10) // entry 0 ≈ x
    pool.append(seed, 1, 10) // entry 1 ≈ x too (an object seen twice before its voxels met)
    pool.append(seed, 2, 10) // entry 2 = y
    const table = Float32Array.from([0, 0, 1, 0.05, 0, 1, 1, 0, 0.7, 0.7])
    // Mask 0 (row 1, 100 pts): 30 on entry 0, 30 on entry 1, 40 on entry 2 (wrong feature) → joins 0 and 1.
    // Mask 1 (row 2, 100 pts): 25 on entry 2 → below 30 % → new entry.
    // Mask 2 (row 3, 10 pts): no overlap → new entry. Mask 3 (row 4): 9 on entry 2, cosine 0.71 < 0.8 → new.
    const refs = associateFrame(pool, table, [1, 2, 3, 4], Uint32Array.from([100, 100, 10, 10]),
      pairs([0, 0, 0, 1, 3], [0, 1, 2, 2, 2], [30, 30, 40, 25, 9]), t)
    expect(Array.from(refs)).toEqual([0, 3, 4, 5])
    expect(pool.root(1)).toBe(0)
    expect(pool.observations(0)).toBe(3)
  })

  it('does not join two different entries through a mask that spans both: it merges into the one sharing most points', () => {
    const pool = new FusedPool(2)
    const seed = Float32Array.from([1, 0, 0.6, 0.8])
    pool.append(seed, 0, 10) // entry 0 = x
    pool.append(seed, 1, 10) // entry 1: cosine 0.6 to x
    // Mask (0.9, 0.45): cosine 0.894 to both entries, 40 points on entry 0 and 50 on entry 1.
    const refs = associateFrame(pool, Float32Array.from([0.9, 0.45]), [0], Uint32Array.from([100]), pairs([0, 0], [0, 1], [40, 50]), t)
    expect(Array.from(refs)).toEqual([1])
    expect([pool.root(0), pool.root(1)]).toEqual([0, 1])
    expect([pool.observations(0), pool.observations(1)]).toEqual([1, 2])
  })

  it('a thin bridge joins nothing: an entry sharing fewer than fusion_overlap of the mask\'s points stays apart', () => {
    const pool = new FusedPool(2)
    const seed = Float32Array.from([1, 0, 0.95, 0.05])
    pool.append(seed, 0, 10) // entry 0 = x
    pool.append(seed, 1, 10) // entry 1 ≈ x (cosine 0.999), e.g. a neighbouring thing of the same colour
    // Mask x: 60 of 100 points on entry 0, 29 on entry 1 (its boundary): merges into 0, joins nothing.
    const refs = associateFrame(pool, Float32Array.from([1, 0]), [0], Uint32Array.from([100]), pairs([0, 0], [0, 1], [60, 29]), t)
    expect(Array.from(refs)).toEqual([0])
    expect([pool.root(0), pool.root(1)]).toEqual([0, 1])
    // At 30 of 100 the bridge is substantial: the next mask joins them.
    associateFrame(pool, Float32Array.from([1, 0]), [0], Uint32Array.from([100]), pairs([0, 0], [0, 1], [60, 30]), t)
    expect(pool.root(1)).toBe(0)
  })

  it('a chain of small steps does not carry an entry away from its anchor', () => {
    const pool = new FusedPool(2)
    const dir = (deg: number) => Float32Array.from([Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)])
    pool.append(dir(0), 0, 100) // entry 0, anchored at 0°
    // 30°: cosine 0.87 to both mean and anchor → merges; the mean moves to 15°.
    expect(Array.from(associateFrame(pool, dir(30), [0], Uint32Array.from([100]), pairs([0], [0], [100]), t))).toEqual([0])
    // 45°: cosine 0.87 to the mean (15°) but 0.71 < 0.8 to the anchor → a new entry.
    expect(Array.from(associateFrame(pool, dir(45), [0], Uint32Array.from([100]), pairs([0], [0], [100]), t))).toEqual([1])
    expect(pool.observations(0)).toBe(2)
    // nor can a bridge join entry 1 to entry 0: their anchors are 45° apart
    associateFrame(pool, dir(25), [0], Uint32Array.from([100]), pairs([0, 0], [0, 1], [50, 50]), t)
    expect(pool.root(1)).toBe(1)
  })
})
