/**
 * Seeded pseudo-random numbers. mulberry32: a 32-bit state, period 2^32, good enough for scene
 * layout and noise, and identical on every platform (integer arithmetic only).
 */
export type Rng = () => number

/** A generator of uniform numbers in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Mixes integers into one 32-bit seed (for per-frame streams derived from the scene seed). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b)
    h ^= h >>> 13
    h = Math.imul(h, 0xc2b2ae35)
    h ^= h >>> 16
  }
  return h >>> 0
}

/** Uniform number in [lo, hi). */
export const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng()

/** Standard normal sample (Box–Muller; one value per call, the pair's second half is dropped). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng())
}
