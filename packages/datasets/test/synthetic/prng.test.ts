import { describe, expect, it } from 'vitest'
import { gaussian, mixSeed, mulberry32 } from '../../src/synthetic/prng.js'

describe('prng', () => {
  it('mulberry32 is deterministic, in [0, 1) and roughly uniform', () => {
    const a = mulberry32(42), b = mulberry32(42)
    const xs = Array.from({ length: 20000 }, () => a())
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()))
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...xs)).toBeLessThan(1)
    const bins = new Array(10).fill(0)
    for (const x of xs) bins[Math.floor(x * 10)]++
    for (const n of bins) expect(Math.abs(n - 2000)).toBeLessThan(200)
  })

  it('mixSeed separates streams and gaussian has unit variance', () => {
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1))
    expect(mixSeed(0, 3, 0)).not.toBe(mixSeed(0, 3, 1))
    const r = mulberry32(mixSeed(7, 3))
    let s = 0, s2 = 0
    const n = 20000
    for (let i = 0; i < n; i++) { const g = gaussian(r); s += g; s2 += g * g }
    expect(Math.abs(s / n)).toBeLessThan(0.03)
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05)
  })
})
