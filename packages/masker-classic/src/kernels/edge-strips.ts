/**
 * Reassigns the thin parts of segments (edge strips) of an h×w label map by unsmoothed colour.
 *
 * A pixel is in the core of its segment when the morphological opening of the segment by a 3×3
 * square keeps it: some 3×3 square containing the pixel lies wholly inside the segment (pixels
 * outside the image count as inside, so the image border does not make a segment thin). Pixels
 * not in the core lie in parts of their segment less than 3 px wide. Each such pixel moves to the
 * segment whose mean colour over its core pixels is nearest (squared RGB distance on `rgb`, the
 * unsmoothed image, 3 channels per pixel) to the pixel's own colour, among its own segment and the segments with a core
 * pixel in its 5×5 neighbourhood; ties keep the pixel where it is. A segment with no core pixel
 * is not a candidate, so a segment that is thin everywhere is dissolved into its neighbours; a
 * thin pixel with no core pixel of any segment within 5×5 keeps its label. Decisions use the
 * input labels only (one pass, no order dependence). Labels are then renumbered by first
 * appearance in raster order, dropping segments left empty. Linear in the pixel count.
 */
export function reassignEdgeStrips(labels: Int32Array, count: number, rgb: Uint8Array | Float32Array, h: number, w: number): { labels: Int32Array; count: number; moved: number } {
  const n = h * w
  // Erosion: a pixel whose 3×3 neighbourhood (clipped to the image) is all its own label.
  const eroded = new Uint8Array(n)
  for (let y = 0; y < h; y++) {
    const ya = y > 0 ? y - 1 : y
    const yb = y < h - 1 ? y + 1 : y
    for (let x = 0; x < w; x++) {
      const l = labels[y * w + x]
      const xa = x > 0 ? x - 1 : x
      const xb = x < w - 1 ? x + 1 : x
      let ok = 1
      for (let yy = ya; yy <= yb && ok; yy++) {
        for (let xx = xa; xx <= xb; xx++) {
          if (labels[yy * w + xx] !== l) { ok = 0; break }
        }
      }
      eroded[y * w + x] = ok
    }
  }
  // Opening = dilation of the erosion (an eroded pixel's 3×3 window is all its own label).
  const core = new Uint8Array(n)
  for (let y = 0; y < h; y++) {
    const ya = y > 0 ? y - 1 : y
    const yb = y < h - 1 ? y + 1 : y
    for (let x = 0; x < w; x++) {
      const xa = x > 0 ? x - 1 : x
      const xb = x < w - 1 ? x + 1 : x
      let ok = 0
      for (let yy = ya; yy <= yb && !ok; yy++) {
        for (let xx = xa; xx <= xb; xx++) {
          if (eroded[yy * w + xx]) { ok = 1; break }
        }
      }
      core[y * w + x] = ok
    }
  }
  // Mean unsmoothed colour of each segment's core.
  const sum = new Float64Array(count * 3)
  const cnt = new Float64Array(count)
  for (let i = 0; i < n; i++) {
    if (!core[i]) continue
    const l = labels[i]
    cnt[l]++
    sum[3 * l] += rgb[3 * i]
    sum[3 * l + 1] += rgb[3 * i + 1]
    sum[3 * l + 2] += rgb[3 * i + 2]
  }
  const mean = new Float64Array(count * 3)
  for (let l = 0; l < count; l++) {
    if (cnt[l] > 0) for (let c = 0; c < 3; c++) mean[3 * l + c] = sum[3 * l + c] / cnt[l]
  }
  const dist = (l: number, i: number): number => {
    const dr = rgb[3 * i] - mean[3 * l]
    const dg = rgb[3 * i + 1] - mean[3 * l + 1]
    const db = rgb[3 * i + 2] - mean[3 * l + 2]
    return dr * dr + dg * dg + db * db
  }
  const out = Int32Array.from(labels)
  let moved = 0
  for (let y = 0; y < h; y++) {
    const ya = Math.max(0, y - 2)
    const yb = Math.min(h - 1, y + 2)
    for (let x = 0; x < w; x++) {
      const i = y * w + x
      if (core[i]) continue
      const own = labels[i]
      let best = own
      let bestD = cnt[own] > 0 ? dist(own, i) : Infinity
      const xa = Math.max(0, x - 2)
      const xb = Math.min(w - 1, x + 2)
      for (let yy = ya; yy <= yb; yy++) {
        for (let xx = xa; xx <= xb; xx++) {
          const j = yy * w + xx
          if (!core[j]) continue
          const l = labels[j]
          if (l === best) continue
          const d = dist(l, i)
          if (d < bestD || (d === bestD && l === own)) { best = l; bestD = d }
        }
      }
      if (best !== own) { out[i] = best; moved++ }
    }
  }
  // Renumber by first appearance in raster order.
  const map = new Int32Array(count).fill(-1)
  let next = 0
  for (let i = 0; i < n; i++) {
    const l = out[i]
    if (map[l] < 0) map[l] = next++
    out[i] = map[l]
  }
  return { labels: out, count: next, moved }
}
