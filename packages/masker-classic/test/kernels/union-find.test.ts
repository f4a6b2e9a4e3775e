import { describe, expect, it } from 'vitest'
import { DisjointSets } from '../../src/kernels/union-find.js'
import { rng } from '../fixtures.js'

describe('DisjointSets', () => {
  it('agrees with relabel-on-merge sets on random joins, sizes and counts included', () => {
    const r = rng(2)
    const n = 200
    const sets = new DisjointSets(n)
    const naive = Array.from({ length: n }, (_, i) => i)
    for (let t = 0; t < 150; t++) {
      const a = Math.floor(r() * n)
      const b = Math.floor(r() * n)
      const ra = sets.find(a)
      const rb = sets.find(b)
      expect(ra === rb).toBe(naive[a] === naive[b])
      if (ra === rb) continue
      const root = sets.join(ra, rb)
      const [from, to] = [naive[b], naive[a]]
      for (let i = 0; i < n; i++) if (naive[i] === from) naive[i] = to
      expect(sets.size[root]).toBe(naive.filter((c) => c === to).length)
    }
    expect(sets.count).toBe(new Set(naive).size)
  })

  it('labels by first appearance, whatever the roots', () => {
    const sets = new DisjointSets(5)
    sets.join(sets.find(4), sets.find(1))
    sets.join(sets.find(3), sets.find(0))
    expect(sets.labels()).toEqual({ labels: Int32Array.from([0, 1, 2, 0, 1]), count: 3 })
  })
})
