import type { Mask } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { orderMasks } from '../../src/kernels/mask-order.js'
import { paintIds } from '../../src/kernels/paint-ids.js'

const mask = (x: number, y: number, w: number, h: number, area = w * h): Mask =>
  ({ bbox: [x, y, w, h], area, bitmap: new Uint8Array(w * h).fill(1), predictedIou: 1, stabilityScore: 1 })

describe('orderMasks', () => {
  it('sorts by area descending, keeps input order on ties, drops masks below min_area', () => {
    const ms = [mask(0, 0, 2, 2), mask(0, 0, 3, 3), mask(1, 1, 2, 2), mask(0, 0, 1, 1)]
    expect(orderMasks(ms, 0)).toEqual([1, 0, 2, 3])
    expect(orderMasks(ms, 2)).toEqual([1, 0, 2])
  })
})

describe('paintIds', () => {
  const ms = [mask(0, 0, 4, 4), mask(1, 1, 2, 2)]
  it('smallest-wins: later (smaller) masks overwrite', () => {
    const ids = paintIds(ms, [0, 1], 5, 4, 'smallest-wins')
    expect(Array.from(ids)).toEqual([1, 1, 1, 1, 0, 1, 2, 2, 1, 0, 1, 2, 2, 1, 0, 1, 1, 1, 1, 0])
  })
  it('largest-wins: the largest mask is painted last', () => {
    const ids = paintIds(ms, [0, 1], 5, 4, 'largest-wins')
    expect(Array.from(ids)).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0])
  })
  it('respects the bitmap inside the bbox', () => {
    const m: Mask = { bbox: [1, 0, 2, 2], area: 2, bitmap: Uint8Array.from([1, 0, 0, 1]), predictedIou: 1, stabilityScore: 1 }
    expect(Array.from(paintIds([m], [0], 3, 2, 'smallest-wins'))).toEqual([0, 1, 0, 0, 0, 1])
  })
})
