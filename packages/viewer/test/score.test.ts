import { describe, expect, it } from 'vitest'
import { evenSubsample } from '../src/score.js'
import { decodePoints, encodePoints, pointsLayout } from '../src/wire.js'

describe('evenSubsample', () => {
  it('keeps every point under the budget, else budget indices spread evenly, in order', () => {
    expect(Array.from(evenSubsample(3, 5))).toEqual([0, 1, 2])
    const s = evenSubsample(1000, 10)
    expect(Array.from(s)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900])
    const t = evenSubsample(1_000_003, 300_000)
    expect(t.length).toBe(300_000)
    let increasing = true
    for (let i = 1; i < t.length; i++) increasing &&= t[i] > t[i - 1]
    expect([increasing, t[0], t[t.length - 1]]).toEqual([true, 0, 999_999]) // floor(299,999 × 1,000,003 / 300,000)
  })
})

describe('points payload', () => {
  it('round-trips, with blocks 4-byte aligned for any N', () => {
    for (const n of [0, 1, 5]) {
      const pos = Float32Array.from({ length: 3 * n }, (_, i) => i * 0.5)
      const col = Uint8Array.from({ length: 3 * n }, (_, i) => i)
      const refs = Uint32Array.from({ length: n }, (_, i) => n - i)
      const b = encodePoints(pos, col, refs, 9)
      expect(b.length).toBe(pointsLayout(n).bytes)
      expect(pointsLayout(n).refs % 4).toBe(0)
      const p = decodePoints(b.buffer as ArrayBuffer)
      expect([Array.from(p.positions), Array.from(p.colors), Array.from(p.refs), p.poolRows]).toEqual([Array.from(pos), Array.from(col), Array.from(refs), 9])
    }
    expect(() => decodePoints(new ArrayBuffer(20))).toThrow(/not a PLAFPTS1/)
    expect(() => decodePoints(encodePoints(new Float32Array(6), new Uint8Array(6), new Uint32Array(2), 1).buffer.slice(0, 30) as ArrayBuffer)).toThrow(/truncated/)
  })
})
