import type { Mask } from '@plaf/core'

/** The id map of `overlap: average` before its set ids are final. */
export interface OverlapSets {
  /** H×W: 0 = no mask, 1..K = covered by that mask alone, K+1+s = covered by overlap set s. */
  ids: Uint32Array
  /** Per overlap set, its member ids (1..K, ascending). */
  members: number[][]
}

/**
 * Paints the id map of `overlap: average`: a pixel covered by one mask gets that mask's id; a
 * pixel covered by several gets the id of its exact set of masks (one id per distinct set that
 * occurs). `ordered[n]` is the mask with id n + 1. One pass per mask over its bbox; a set is
 * reached by adding ids in ascending order, so each distinct set gets exactly one id; only the
 * sets some pixel ends in are kept, numbered in the order they were first reached.
 */
export function paintOverlapSets(masks: readonly Mask[], ordered: readonly number[], width: number, height: number): OverlapSets {
  const k = ordered.length
  const ids = new Uint32Array(width * height)
  const members: number[][] = []
  // (set id, added mask id) → set id; a set id is K+1+index into members.
  const next = new Map<number, number>()
  const memberOf = (s: number): number[] => (s <= k ? [s] : members[s - k - 1])
  for (let n = 0; n < k; n++) {
    const id = n + 1
    const m = masks[ordered[n]]
    const [bx, by, bw, bh] = m.bbox
    let lastFrom = -1
    let lastTo = -1
    for (let j = 0; j < bh; j++) {
      const pix = (by + j) * width + bx
      const bit = j * bw
      for (let i = 0; i < bw; i++) {
        if (m.bitmap[bit + i] === 0) continue
        const from = ids[pix + i]
        if (from === 0) {
          ids[pix + i] = id
          continue
        }
        if (from !== lastFrom) {
          const key = from * 0x10000 + id
          let to = next.get(key)
          if (to === undefined) {
            members.push([...memberOf(from), id])
            to = k + members.length
            next.set(key, to)
          }
          lastFrom = from
          lastTo = to
        }
        ids[pix + i] = lastTo
      }
    }
  }
  return compact(ids, members, k)
}

/** Drops the sets no pixel ended in (a pixel passes through {1,2} on its way to {1,2,3}) and renumbers the rest in order. */
function compact(ids: Uint32Array, members: number[][], k: number): OverlapSets {
  const used = new Uint8Array(members.length)
  for (let p = 0; p < ids.length; p++) if (ids[p] > k) used[ids[p] - k - 1] = 1
  const renumber = new Uint32Array(members.length)
  const kept: number[][] = []
  for (let s = 0; s < members.length; s++) if (used[s]) renumber[s] = k + kept.push(members[s])
  for (let p = 0; p < ids.length; p++) if (ids[p] > k) ids[p] = renumber[ids[p] - k - 1]
  return { ids, members: kept }
}
