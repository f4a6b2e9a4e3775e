import { describe, expect, it } from 'vitest'
import { findRoot, unionRoots } from '../../src/kernels/union-find.js'

describe('union-find', () => {
  it('agrees with naive set labels after random unions; the smaller root survives', () => {
    let seed = 17
    const rnd = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k
    const n = 200
    const parent = Int32Array.from({ length: n }, (_, i) => i)
    const label = Array.from({ length: n }, (_, i) => i) // naive: every member carries its set's minimum
    for (let k = 0; k < 150; k++) {
      const a = rnd(n)
      const b = rnd(n)
      const { root } = unionRoots(parent, a, b)
      const [la, lb] = [label[a], label[b]]
      const m = Math.min(la, lb)
      for (let i = 0; i < n; i++) if (label[i] === la || label[i] === lb) label[i] = m
      expect(root).toBe(m)
    }
    expect(Array.from({ length: n }, (_, i) => findRoot(parent, i))).toEqual(label)
  })
})
