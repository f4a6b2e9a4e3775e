import { describe, expect, it } from 'vitest'
import { resizeNearest } from '../../src/scannet/resize.js'

function naive(src: Uint16Array, w: number, h: number, W: number, H: number): Uint16Array {
  const out = new Uint16Array(W * H)
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    // Centre of the target pixel, in source pixel units, then the source pixel containing it.
    const sx = Math.min(w - 1, Math.floor(((x + 0.5) / W) * w))
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) / H) * h))
    out[y * W + x] = src[sy * w + sx]
  }
  return out
}

describe('resizeNearest', () => {
  it('matches the naive pixel-centre nearest resize, up and down', () => {
    const src = Uint16Array.from({ length: 13 * 7 }, (_, i) => (i * 7919) % 65536)
    for (const [W, H] of [[26, 14], [5, 3], [13, 7], [40, 9]]) {
      expect(Array.from(resizeNearest(src, 13, 7, W, H)), `${W}×${H}`).toEqual(Array.from(naive(src, 13, 7, W, H)))
    }
  })

  it('an exact 2× upsample repeats every pixel twice', () => {
    const out = resizeNearest(Uint16Array.from([1, 2, 3, 4]), 2, 2, 4, 4)
    expect(Array.from(out)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
  })
})
