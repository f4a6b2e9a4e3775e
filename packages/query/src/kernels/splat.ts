/** A top-down orthographic splat of a scored point map (see splatTopDown). */
export interface TopDownSplat {
  width: number
  height: number
  /** Metres per pixel, and the world x, y of pixel (0, 0)'s centre (x grows right, y grows up). */
  pixel: number
  origin: [x: number, y: number]
  /** Splat radius in pixels (each point fills a (2r+1)² square). */
  radius: number
  /** W×H: 1 where some point landed. */
  occupied: Uint8Array
  /** W×H: 1 where some point's row is valid and scores ≥ threshold. */
  hit: Uint8Array
  /** W×H×3: the colour of the point seen there: a hit point above every other, else the highest point (largest z). */
  rgb: Uint8Array
  /** W×H: the highest score of a valid row landing there, NaN where none. */
  best: Float32Array
}

/**
 * Projects the map's points along −z (z up, as ScanNet, Replica and the synthetic scenes are)
 * into a grid whose longer side is `size` pixels: each point fills a (2r+1)² square, r from the
 * mean point spacing over the footprint (√(area / N), at most 4 pixels). Per pixel it keeps the
 * highest valid row score (a maximum projection, so a hit under a table still shows), whether any
 * hit point landed, and a colour: the highest hit point's when there is one, else the highest point's.
 */
export function splatTopDown(
  positions: Float32Array, colors: Uint8Array, refs: Uint32Array, rowScores: Float32Array, valid: Uint8Array, threshold: number, size: number,
): TopDownSplat {
  const n = refs.length
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity
  for (let i = 0; i < n; i++) {
    const x = positions[i * 3]
    const y = positions[i * 3 + 1]
    if (x < x0) x0 = x
    if (x > x1) x1 = x
    if (y < y0) y0 = y
    if (y > y1) y1 = y
  }
  if (!n) x0 = x1 = y0 = y1 = 0
  const extent = Math.max(x1 - x0, y1 - y0, 1e-6)
  const pixel = extent / Math.max(size - 1, 1)
  const width = Math.max(1, Math.floor((x1 - x0) / pixel) + 1)
  const height = Math.max(1, Math.floor((y1 - y0) / pixel) + 1)
  const spacing = n ? Math.sqrt(Math.max((x1 - x0) * (y1 - y0), pixel * pixel) / n) : 0
  const radius = Math.min(4, Math.round(spacing / pixel / 2))
  const occupied = new Uint8Array(width * height)
  const hit = new Uint8Array(width * height)
  const rgb = new Uint8Array(width * height * 3)
  const best = new Float32Array(width * height).fill(NaN)
  const topZ = new Float32Array(width * height).fill(-Infinity)
  for (let i = 0; i < n; i++) {
    const cx = Math.round((positions[i * 3] - x0) / pixel)
    const cy = height - 1 - Math.round((positions[i * 3 + 1] - y0) / pixel)
    const z = positions[i * 3 + 2]
    const row = refs[i]
    const ok = valid[row] === 1
    const s = rowScores[row]
    const isHit = ok && s >= threshold
    for (let y = Math.max(0, cy - radius), ye = Math.min(height - 1, cy + radius); y <= ye; y++) {
      for (let x = Math.max(0, cx - radius), xe = Math.min(width - 1, cx + radius); x <= xe; x++) {
        const p = y * width + x
        occupied[p] = 1
        if (ok && !(best[p] >= s)) best[p] = s
        // a hit point is seen above every non-hit one; among equals the highest wins
        const takes = isHit ? !hit[p] || z > topZ[p] : !hit[p] && z > topZ[p]
        if (takes) {
          if (isHit) hit[p] = 1
          topZ[p] = z
          rgb[p * 3] = colors[i * 3]
          rgb[p * 3 + 1] = colors[i * 3 + 1]
          rgb[p * 3 + 2] = colors[i * 3 + 2]
        }
      }
    }
  }
  return { width, height, pixel, origin: [x0, y0 + (height - 1) * pixel], radius, occupied, hit, rgb, best }
}
