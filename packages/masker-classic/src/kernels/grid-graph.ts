/** Edges of an image graph as parallel typed arrays. */
export interface GridGraph {
  /** Pixel index (y·w + x) of each edge's first end. */
  a: Uint32Array
  /** Pixel index of each edge's second end. */
  b: Uint32Array
  /** Edge weight, float32 as in the FH reference. */
  w: Float32Array
  /** Number of edges. */
  count: number
}

/** Number of 8-connected edges of an h×w grid (each neighbour pair once). */
export function gridEdgeCount(h: number, w: number): number {
  return h * (w - 1) + (h - 1) * w + 2 * (h - 1) * (w - 1)
}

/**
 * The 8-connected grid graph of Felzenszwalb–Huttenlocher: per pixel in raster order, edges to
 * its right, down, down-right and up-right neighbours (the reference's order), weighted by the
 * Euclidean distance of the h×w×3 pixel values, rounded to float32.
 */
export function buildGridGraph(img: Float32Array, h: number, w: number): GridGraph {
  const n = Math.max(0, gridEdgeCount(h, w))
  const a = new Uint32Array(n)
  const b = new Uint32Array(n)
  const wt = new Float32Array(n)
  let e = 0
  const add = (p: number, q: number): void => {
    const dr = img[3 * p] - img[3 * q]
    const dg = img[3 * p + 1] - img[3 * q + 1]
    const db = img[3 * p + 2] - img[3 * q + 2]
    a[e] = p
    b[e] = q
    wt[e] = Math.sqrt(dr * dr + dg * dg + db * db)
    e++
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x
      if (x < w - 1) add(p, p + 1)
      if (y < h - 1) add(p, p + w)
      if (x < w - 1 && y < h - 1) add(p, p + w + 1)
      if (x < w - 1 && y > 0) add(p, p - w + 1)
    }
  }
  return { a, b, w: wt, count: e }
}
