import { describe, expect, it } from 'vitest'
import { VoteTable } from '../../src/kernels/vote-table.js'

/** Naive majority: per voxel a Map ref → count; winner = max count, ties to the smaller ref. */
function naiveWinners(votes: Array<[number, number]>, n: number): number[] {
  const maps = Array.from({ length: n }, () => new Map<number, number>())
  for (const [v, r] of votes) maps[v].set(r, (maps[v].get(r) ?? 0) + 1)
  return maps.map((m) => {
    let best = -1
    let bc = 0
    for (const [r, c] of m) if (c > bc || (c === bc && r < best)) [best, bc] = [r, c]
    return best
  })
}

describe('VoteTable', () => {
  it('finds the exact majority with refs recurring across folds kept open (merge mode)', () => {
    const votes: Array<[number, number]> = []
    let seed = 3
    const rnd = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k
    for (let i = 0; i < 5000; i++) votes.push([rnd(40), rnd(6)])
    const t = new VoteTable()
    for (const [v, r] of votes) t.vote(v, r)
    t.fold()
    expect(Array.from(t.winners(41))).toEqual([...naiveWinners(votes, 40), -1])
  })

  it('is exact when each fold closes its refs (one frame per fold, frame-unique refs)', () => {
    const votes: Array<[number, number]> = []
    const t = new VoteTable()
    let seed = 9
    const rnd = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k
    for (let frame = 0; frame < 20; frame++) {
      for (let i = 0; i < 300; i++) {
        const vote: [number, number] = [rnd(25), frame * 10 + rnd(3)]
        votes.push(vote)
        t.vote(vote[0], vote[1])
      }
      t.fold()
    }
    expect(Array.from(t.winners(25))).toEqual(naiveWinners(votes, 25))
  })

  it('breaks ties towards the earlier (smaller) ref across folds', () => {
    const t = new VoteTable()
    t.vote(0, 5, 3)
    t.fold()
    t.vote(0, 2, 3)
    t.vote(0, 9, 3)
    t.fold()
    expect(Array.from(t.winners(1))).toEqual([2])
  })
})

describe('VoteTable.rootWinners and leaders', () => {
  it('pools votes of refs with the same root like a naive count, and leads by raw ref count', () => {
    const root = (r: number): number => [0, 0, 2, 2, 4, 4][r]
    const votes: Array<[number, number]> = []
    let seed = 5
    const rnd = (k: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k
    for (let i = 0; i < 3000; i++) votes.push([rnd(30), rnd(6)])
    const t = new VoteTable()
    for (const [v, r] of votes) t.vote(v, r)
    expect(Array.from(t.rootWinners(31, root))).toEqual([...naiveWinners(votes.map(([v, r]) => [v, root(r)]), 30), -1])
    expect(Array.from(t.leaders())).toEqual(naiveWinners(votes, 30))
  })
})
