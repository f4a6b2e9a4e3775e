import { describe, expect, it } from 'vitest'
import { FusedPool } from '../src/fused-pool.js'

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
