import { createReferenceBackend } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { FeaturePool } from '../src/pool.js'

const tensor = createReferenceBackend()

describe('FeaturePool', () => {
  it('appends every row without a threshold', async () => {
    const pool = new FeaturePool(2, null, tensor)
    expect(Array.from(await pool.add(Float32Array.from([0, 0, 1, 0, 1, 0]), [1, 2]))).toEqual([0, 1])
    expect(pool.rows).toBe(2)
  })

  it('merges greedily by cosine > τ, against earlier frames and earlier rows of the same frame', async () => {
    const pool = new FeaturePool(2, 0.95, tensor)
    // Frame 1: rows 1 and 2 are nearly parallel (cos 0.995) → row 2 reuses row 1's pool row.
    expect(Array.from(await pool.add(Float32Array.from([0, 0, 1, 0, 1, 0.1, 0, 1]), [1, 2, 3]))).toEqual([0, 0, 1])
    // Frame 2: a scaled copy of (0, 1) merges (cosine, not dot); (1, 1) has cos 0.707 → new row.
    expect(Array.from(await pool.add(Float32Array.from([0, 5, 1, 1]), [0, 1]))).toEqual([1, 2])
    expect(pool.rows).toBe(3)
    expect(Array.from(pool.view())).toEqual([1, 0, 0, 1, 1, 1])
  })

  it('exactly τ does not merge; zero rows share one row', async () => {
    const pool = new FeaturePool(2, 0.6, tensor)
    expect(Array.from(await pool.add(Float32Array.from([1, 0, 3, 4, 0, 0]), [0, 1, 2]))).toEqual([0, 1, 2])
    expect(Array.from(await pool.add(Float32Array.from([0, 0]), [0]))).toEqual([2])
  })

  it('maps every zero row to the first one', async () => {
    const pool = new FeaturePool(1, null, tensor)
    await pool.add(Float32Array.from([1, 0, 2, 0]), [0, 1, 2, 3])
    expect(Array.from(pool.canonicalRows())).toEqual([0, 1, 2, 1])
  })

  it('compacts to the used rows, keeping their order', async () => {
    const pool = new FeaturePool(1, null, tensor)
    await pool.add(Float32Array.from([1, 2, 3, 4]), [0, 1, 2, 3])
    const { data, rows, remap } = pool.compact(Uint8Array.from([0, 1, 0, 1]))
    expect([Array.from(data), rows, Array.from(remap)]).toEqual([[2, 4], 2, [-1, 0, -1, 1]])
  })
})
