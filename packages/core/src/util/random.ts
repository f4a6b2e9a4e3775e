/** A generator of uniform numbers in [0, 1). */
export type Rng = () => number

/**
 * Seeded pseudo-random numbers (mulberry32): a 32-bit state, period 2^32, integer arithmetic
 * only, so the same seed gives the same stream on every platform. For scene generation and test
 * fixtures, never for anything security-related.
 */
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
