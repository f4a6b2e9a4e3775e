import { mulberry32 } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { splatTopDown } from '../../src/kernels/splat.js'

describe('splatTopDown', () => {
  it('matches a naive per-pixel search: best valid score, hit, and the colour of the winning point (hits first, then the highest)', () => {
    const rand = mulberry32(9)
    const n = 400
    const positions = Float32Array.from({ length: n * 3 }, (_, i) => (i % 3 === 2 ? rand() * 2 : rand() * 3 - 1))
    const colors = Uint8Array.from({ length: n * 3 }, () => Math.floor(rand() * 256))
    const refs = Uint32Array.from({ length: n }, () => Math.floor(rand() * 6))
    const scores = Float32Array.from({ length: 6 }, () => rand())
    const valid = Uint8Array.from([0, 1, 1, 1, 0, 1])
    const s = splatTopDown(positions, colors, refs, scores, valid, 0.5, 40)
    expect(Math.max(s.width, s.height)).toBe(40)
    expect(s.radius).toBeGreaterThan(0) // the squares are exercised
    for (let y = 0; y < s.height; y++) {
      for (let x = 0; x < s.width; x++) {
        const p = y * s.width + x
        let best = NaN
        let hit = 0
        let win = -1
        let occupied = 0
        for (let i = 0; i < n; i++) {
          const cx = Math.round((positions[i * 3] - s.origin[0]) / s.pixel)
          const cy = Math.round((s.origin[1] - positions[i * 3 + 1]) / s.pixel)
          if (Math.abs(cx - x) > s.radius || Math.abs(cy - y) > s.radius) continue
          occupied = 1
          const r = refs[i]
          const isHit = valid[r] === 1 && scores[r] >= 0.5
          if (valid[r] && !(best >= scores[r])) best = scores[r]
          const z = positions[i * 3 + 2]
          const wz = win < 0 ? -Infinity : positions[win * 3 + 2]
          if (isHit ? !hit || z > wz : !hit && z > wz) win = i
          if (isHit) hit = 1
        }
        expect([s.occupied[p], s.hit[p]], `pixel ${x},${y}`).toEqual([occupied, hit])
        if (Number.isNaN(best)) expect(s.best[p]).toBeNaN()
        else expect(s.best[p]).toBe(best)
        const want = win < 0 ? [0, 0, 0] : Array.from(colors.subarray(win * 3, win * 3 + 3))
        expect(Array.from(s.rgb.subarray(p * 3, p * 3 + 3)), `colour ${x},${y}`).toEqual(want)
      }
    }
  })
})
