import { mulberry32 } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { backproject } from '../../src/kernels/backproject.js'
import { grow } from '../../src/kernels/grow.js'
import { VoteTable } from '../../src/kernels/vote-table.js'
import { VoxelGrid } from '../../src/kernels/voxel-grid.js'

// Lifter kernels against naive references (written to kill the mutants `npm run mutate` found
// surviving; see docs/testing.md).

const identity = Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])

describe('backproject: depth discontinuities on a 2-D image', () => {
  /** Pixels kept by the documented rule, computed directly: valid depth, and no valid 4-neighbour further than jump·d. */
  function naiveKept(depth: Float32Array, W: number, H: number, jump: number): number[] {
    const kept: number[] = []
    for (let v = 0; v < H; v++) {
      for (let u = 0; u < W; u++) {
        const d = depth[v * W + u]
        if (!(d > Math.fround(0.1) && d < Math.fround(6))) continue
        const neighbours = [[u - 1, v], [u + 1, v], [u, v - 1], [u, v + 1]].filter(([x, y]) => x >= 0 && x < W && y >= 0 && y < H)
        const jumps = neighbours.some(([x, y]) => {
          const e = depth[y * W + x]
          return e > 0 && Math.abs(e - d) > jump * d
        })
        if (!jumps) kept.push(v * W + u)
      }
    }
    return kept
  }

  const run = (depth: Float32Array, W: number, H: number, jump: number) => {
    // Each pixel's id is its own index + 1, so the kept ids name the kept pixels.
    const ids = Uint16Array.from({ length: W * H }, (_, i) => i + 1)
    const pts = backproject(
      { depth, width: W, height: H, fx: 2, fy: 2, cx: W / 2, cy: H / 2, pose: identity },
      { ids, idsWidth: W, idsHeight: H, rgb: new Uint8Array(W * H * 3), rgbWidth: W, rgbHeight: H },
      { stride: 1, minDepth: 0.1, maxDepth: 6, keepBackground: false, maxDepthJump: jump },
    )
    return Array.from(pts.ids, (id) => id - 1)
  }

  it('drops exactly the pixels with a valid 4-neighbour beyond max_depth_jump·d (holes and depths ≠ 1 m)', () => {
    const rand = mulberry32(17)
    const [W, H] = [9, 7]
    for (let trial = 0; trial < 20; trial++) {
      // Piecewise depth between 0.5 and 5 m, with holes (0 and NaN) and small smooth variation.
      const level = [0.5, 1.5, 2.5, 4.5]
      const depth = Float32Array.from({ length: W * H }, () => {
        const r = rand()
        if (r < 0.08) return 0
        if (r < 0.1) return NaN
        return level[Math.floor(rand() * 4)] * (1 + (rand() - 0.5) * 0.02)
      })
      for (const jump of [0.05, 0.5, 1]) expect(run(depth, W, H, jump), `trial ${trial} jump ${jump}`).toEqual(naiveKept(depth, W, H, jump))
    }
  })

  it('keeps a pixel whose neighbour differs by exactly max_depth_jump·d ("more than" is strict), drops one just beyond', () => {
    // 3×3, centre 2 m; jump 0.25 → tolerance 0.5 m; 2.5 and 1.5 are exactly 0.5 away (all exact in float32).
    const at = (n: number) => Float32Array.from([2, 2, 2, 2, 2, 2, 2, 2, 2].map((d, i) => (i === n ? 2.5 : d)))
    for (const n of [1, 3, 5, 7]) expect(run(at(n), 3, 3, 0.25)).toContain(4)
    const beyond = Float32Array.from([2, 2, 2, 2, 2, 2, 2, 2.5625, 2])
    expect(run(beyond, 3, 3, 0.25)).not.toContain(4)
  })

  it('ignores neighbours without a measurement (depth 0)', () => {
    const depth = Float32Array.from([2, 0, 2, 0, 2, 0, 2, 0, 2])
    expect(run(depth, 3, 3, 0.05)).toEqual([0, 2, 4, 6, 8])
  })
})

describe('grow', () => {
  it('returns the same array when it already holds `need` elements, a larger copy otherwise', () => {
    const a = Int32Array.from([1, 2, 3])
    expect(grow(a, 3, Int32Array)).toBe(a)
    const b = grow(a, 4, Int32Array)
    expect(b).not.toBe(a)
    expect(b.length).toBeGreaterThanOrEqual(6)
    expect(Array.from(b.subarray(0, 3))).toEqual([1, 2, 3])
  })
})

describe('VoteTable', () => {
  function naiveWinners(votes: Array<[number, number, number]>, n: number): number[] {
    const counts = Array.from({ length: n }, () => new Map<number, number>())
    for (const [v, r, c] of votes) counts[v].set(r, (counts[v].get(r) ?? 0) + c)
    return counts.map((m) => {
      let [best, bc] = [-1, 0]
      for (const [r, c] of m) if (c > bc || (c === bc && r < best)) [best, bc] = [r, c]
      return best
    })
  }

  it('matches a naive majority with sparse voxels, many distinct refs, weighted votes and several folds', () => {
    // Each fold closes its refs (refs never recur across folds), the condition for folding to be exact.
    const rand = mulberry32(23)
    const t = new VoteTable()
    const votes: Array<[number, number, number]> = []
    // First fold: exactly 16 voxels touched (the initial capacity), 17+ distinct entries.
    for (let v = 0; v < 16; v++) {
      const vote: [number, number, number] = [v * 2, 1000 + v, 1 + (v % 3)]
      votes.push(vote)
      t.vote(...vote)
      if (v % 4 === 0) {
        const extra: [number, number, number] = [v * 2, 2000 + v, 2]
        votes.push(extra)
        t.vote(...extra)
      }
    }
    t.fold()
    for (let f = 0; f < 4; f++) {
      for (let i = 0; i < 200; i++) {
        const vote: [number, number, number] = [Math.floor(rand() * 70), (f + 1) * 10000 + Math.floor(rand() * 40), 1 + Math.floor(rand() * 3)]
        // Voxels 40..44 never get a vote; odd voxels below 32 only in later folds.
        if (vote[0] >= 40 && vote[0] < 45) continue
        votes.push(vote)
        t.vote(...vote)
      }
      t.fold()
    }
    const n = 1 + Math.max(...votes.map(([v]) => v))
    expect(Array.from(t.winners(n + 3))).toEqual([...naiveWinners(votes, n), -1, -1, -1])
    expect(Array.from(t.winners(5))).toEqual(naiveWinners(votes, n).slice(0, 5))
  })

  it('reports -1 for voxels below and above the voted ones that never got a vote', () => {
    const t = new VoteTable()
    t.vote(3, 7)
    t.vote(40, 9)
    t.fold()
    const want = new Array(42).fill(-1)
    want[3] = 7
    want[40] = 9
    expect(Array.from(t.winners(42))).toEqual(want)
  })
})

describe('VoxelGrid', () => {
  it('matches a naive Map when the origin voxel first appears after rehashes', () => {
    const s = 0.1
    const grid = new VoxelGrid(s)
    const naive = new Map<string, { i: number; n: number }>()
    const add = (x: number, y: number, z: number) => {
      const v = grid.add(x, y, z, 10, 20, 30)
      const key = [x, y, z].map((c) => Math.round(c / s)).join(',')
      let e = naive.get(key)
      if (!e) naive.set(key, (e = { i: naive.size, n: 0 }))
      e.n++
      expect(v, key).toBe(e.i)
    }
    // The 513th voxel makes the 1024-slot table rehash; the origin is the first new key after it.
    for (let k = 1; k <= 513; k++) add(k * s, (k % 7) * s, 0)
    add(0, 0, 0)
    add(0.01, -0.02, 0.03)
    for (let k = 1; k <= 50; k++) add(-k * s, 0, s)
    expect(grid.size).toBe(naive.size)
    const counts = grid.pointCounts()
    expect(counts.length).toBe(naive.size)
    for (const e of naive.values()) expect(counts[e.i]).toBe(e.n)
    expect(grid.positions().length).toBe(3 * naive.size)
    expect(Array.from(grid.colors().subarray(0, 3))).toEqual([10, 20, 30])
  })
})
