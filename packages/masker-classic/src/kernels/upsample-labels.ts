/**
 * Nearest-neighbour upsampling of an h×w label map to H×W (H ≥ h, W ≥ w): image pixel (x, y) takes
 * the label of the small-map cell its centre falls in, floor((x + 0.5)·w/W). This is the inverse
 * of an area downscale, so every small-map cell keeps at least one pixel.
 */
export function upsampleLabels(labels: Int32Array, h: number, w: number, H: number, W: number): Int32Array {
  const xs = new Int32Array(W)
  for (let x = 0; x < W; x++) xs[x] = Math.min(w - 1, Math.floor(((x + 0.5) * w) / W))
  const out = new Int32Array(H * W)
  for (let y = 0; y < H; y++) {
    const row = Math.min(h - 1, Math.floor(((y + 0.5) * h) / H)) * w
    for (let x = 0; x < W; x++) out[y * W + x] = labels[row + xs[x]]
  }
  return out
}
