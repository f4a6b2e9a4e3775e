/**
 * Nearest resampling of a label image (sh×sw) to a th×tw grid by pixel centres: target pixel
 * (x, y) takes source pixel (⌊(x + 0.5)·sw/tw⌋, ⌊(y + 0.5)·sh/th⌋), so no label is invented
 * (`nearest-exact`, as RayFronts resizes label-filt). Each source value goes through `lookup`
 * (raw id → class index, -1 = outside the set; ids past its end are -1).
 */
export function resampleLabels(src: ArrayLike<number>, sh: number, sw: number, th: number, tw: number, lookup: Int32Array): Int32Array {
  const out = new Int32Array(th * tw)
  const cols = new Int32Array(tw)
  for (let x = 0; x < tw; x++) cols[x] = Math.min(sw - 1, Math.floor(((x + 0.5) * sw) / tw))
  for (let y = 0; y < th; y++) {
    const row = Math.min(sh - 1, Math.floor(((y + 0.5) * sh) / th)) * sw
    for (let x = 0; x < tw; x++) {
      const id = src[row + cols[x]]
      out[y * tw + x] = id < lookup.length ? lookup[id] : -1
    }
  }
  return out
}
