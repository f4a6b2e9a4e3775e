/**
 * SLIC's connectivity enforcement (Achanta et al. 2012, `EnforceLabelConnectivity`): every
 * 4-connected run of equal labels becomes one new label, numbered in raster order of its first
 * pixel; a run smaller than `minSize` pixels takes instead the new label of a neighbour of its
 * first pixel (left, up, right, down: the last one already labelled; the first run, which has
 * none, keeps label 0). Returns the new h×w labels (0..count−1) and their count.
 */
export function enforceConnectivity(labels: Int32Array, h: number, w: number, minSize: number): { labels: Int32Array; count: number } {
  const n = h * w
  const out = new Int32Array(n).fill(-1)
  const queue = new Int32Array(n)
  let next = 0
  for (let start = 0; start < n; start++) {
    if (out[start] !== -1) continue
    const sx = start % w
    const sy = (start - sx) / w
    let adjacent = 0
    if (sx > 0 && out[start - 1]! >= 0) adjacent = out[start - 1]!
    if (sy > 0 && out[start - w]! >= 0) adjacent = out[start - w]!
    if (sx < w - 1 && out[start + 1]! >= 0) adjacent = out[start + 1]!
    if (sy < h - 1 && out[start + w]! >= 0) adjacent = out[start + w]!
    const original = labels[start]!
    out[start] = next
    queue[0] = start
    let size = 1
    for (let q = 0; q < size; q++) {
      const p = queue[q]!
      const x = p % w
      // Left, up, right, down: unvisited pixels of the same label join the run.
      for (let d = 0; d < 4; d++) {
        const nb = d === 0 ? (x > 0 ? p - 1 : -1) : d === 1 ? p - w : d === 2 ? (x < w - 1 ? p + 1 : -1) : p + w
        if (nb < 0 || nb >= n || out[nb] !== -1 || labels[nb] !== original) continue
        out[nb] = next
        queue[size++] = nb
      }
    }
    if (size < minSize && next > 0) {
      for (let q = 0; q < size; q++) out[queue[q]!] = adjacent
    } else {
      next++
    }
  }
  return { labels: out, count: next }
}
