/** Seeded pseudo-random numbers: mulberry32 (from @plaf/core) plus seed mixing and Gaussians. */
import { mulberry32, type Rng } from '@plaf/core'

export { mulberry32, type Rng }

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
