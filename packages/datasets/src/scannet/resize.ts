/**
 * Nearest-neighbour resize of a label map with pixel-centre alignment (PyTorch `nearest-exact`):
 * target pixel x samples source floor((x + 0.5)·W/W'). Returns the input itself when sizes match.
 */
export function resizeNearest(src: Uint16Array, w: number, h: number, outW: number, outH: number): Uint16Array {
  if (w === outW && h === outH) return src
  const out = new Uint16Array(outW * outH)
  const xs = new Int32Array(outW)
  for (let x = 0; x < outW; x++) xs[x] = Math.min(w - 1, Math.floor(((x + 0.5) * w) / outW))
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / outH))
    const row = sy * w
    for (let x = 0; x < outW; x++) out[y * outW + x] = src[row + xs[x]]
  }
  return out
}
