import { describe, expect, it } from 'vitest'
import { regions3D } from '../../src/kernels/regions3d.js'

/** Naive regions: BFS over selected points, neighbours when their voxel keys differ by ≤ 1 on every axis. */
function naive(positions: Float32Array, selected: Uint8Array, s: number): Array<{ points: number; first: number; members: number[] }> {
  const idx: number[] = []
  for (let i = 0; i < selected.length; i++) if (selected[i]) idx.push(i)
  const key = (i: number) => [0, 1, 2].map((c) => Math.round(positions[3 * i + c] / s))
  const seen = new Set<number>()
  const out: Array<{ points: number; first: number; members: number[] }> = []
  for (const i of idx) {
    if (seen.has(i)) continue
    const members = [i]
    seen.add(i)
    for (let q = 0; q < members.length; q++) {
      const a = key(members[q])
      for (const j of idx) {
        if (seen.has(j)) continue
        const b = key(j)
        if (a.every((v, c) => Math.abs(v - b[c]) <= 1)) {
          seen.add(j)
          members.push(j)
        }
      }
    }
    out.push({ points: members.length, first: Math.min(...members), members })
  }
  return out.sort((a, b) => b.points - a.points || a.first - b.first)
}

describe('regions3D', () => {
  it('matches a naive BFS on random clustered points: counts, boxes and centroids', () => {
    let seed = 21
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296)
    const n = 1500
    const positions = new Float32Array(3 * n)
    const selected = new Uint8Array(n)
    const centres = [[0, 0, 0], [1, 1, 0], [0.3, 2, 1], [2, 0, 2]]
    for (let i = 0; i < n; i++) {
      const c = centres[i % 4]
      for (let k = 0; k < 3; k++) positions[3 * i + k] = c[k] + (rnd() - 0.5) * (0.2 + 0.1 * (i % 4))
      selected[i] = rnd() < 0.7 ? 1 : 0
    }
    const got = regions3D(positions, selected, 0.05, 100)
    const want = naive(positions, selected, 0.05)
    expect(got.map((r) => r.points)).toEqual(want.map((r) => r.points))
    for (const [k, w] of want.slice(0, 5).entries()) {
      const p = (i: number, c: number) => positions[3 * i + c]
      const lo = [0, 1, 2].map((c) => Math.min(...w.members.map((i) => p(i, c))))
      const hi = [0, 1, 2].map((c) => Math.max(...w.members.map((i) => p(i, c))))
      expect(got[k].bbox).toEqual([...lo, ...hi])
      const mean = [0, 1, 2].map((c) => w.members.reduce((s, i) => s + p(i, c), 0) / w.points)
      for (let c = 0; c < 3; c++) expect(got[k].centroid[c]).toBeCloseTo(mean[c], 9)
    }
  })

  it('keeps regions two voxels apart separate, joins diagonal neighbours, honours the limit, and is empty without selection', () => {
    const positions = Float32Array.from([0, 0, 0, 0.1, 0.1, 0.1, 0.3, 0, 0, 0.4, 0, 0, 0.5, 0, 0])
    const all = new Uint8Array(5).fill(1)
    expect(regions3D(positions, all, 0.1).map((r) => r.points)).toEqual([3, 2])
    expect(regions3D(positions, all, 0.1, 1)).toHaveLength(1)
    expect(regions3D(positions, new Uint8Array(5), 0.1)).toEqual([])
  })
})
