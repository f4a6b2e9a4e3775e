import type { Mask } from '@plaf/core'

/**
 * Paints the H×W id map: mask `ordered[k]` gets id k + 1; 0 stays where no mask is.
 * `smallest-wins` paints ids 1..K in order (the official painter's algorithm: later, smaller
 * masks overwrite larger ones); `largest-wins` paints K..1 so larger masks overwrite.
 */
export function paintIds(
  masks: readonly Mask[], ordered: readonly number[], width: number, height: number,
  overlap: 'smallest-wins' | 'largest-wins',
): Uint16Array {
  const ids = new Uint16Array(width * height)
  const k = ordered.length
  for (let n = 0; n < k; n++) {
    const pos = overlap === 'smallest-wins' ? n : k - 1 - n
    const m = masks[ordered[pos]]
    const id = pos + 1
    const [bx, by, bw, bh] = m.bbox
    for (let j = 0; j < bh; j++) {
      const pix = (by + j) * width + bx
      const bit = j * bw
      for (let i = 0; i < bw; i++) if (m.bitmap[bit + i] !== 0) ids[pix + i] = id
    }
  }
  return ids
}
