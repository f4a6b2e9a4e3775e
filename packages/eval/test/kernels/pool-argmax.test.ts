import { describe, expect, it } from 'vitest'
import { poolArgmax } from '../../src/kernels/pool-argmax.js'

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
