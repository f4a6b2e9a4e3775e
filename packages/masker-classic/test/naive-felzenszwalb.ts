/**
 * Test oracle: Felzenszwalb–Huttenlocher written the plain way (edge objects, Array sort by
 * (weight, index), components as a label per pixel relabelled on every merge). O(n²): tiny images
 * only. Starts from the smoothed image; returns labels numbered by first appearance.
 */
export function naiveFelzenszwalb(img: Float32Array, h: number, w: number, k: number, minSize: number): Int32Array {
  const edges: { p: number; q: number; w: number; i: number }[] = []
  const add = (p: number, q: number) => {
    const d = Math.sqrt((img[3 * p] - img[3 * q]) ** 2 + (img[3 * p + 1] - img[3 * q + 1]) ** 2 + (img[3 * p + 2] - img[3 * q + 2]) ** 2)
    edges.push({ p, q, w: Math.fround(d), i: edges.length })
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (const [dx, dy] of [[1, 0], [0, 1], [1, 1], [1, -1]]) {
        if (x + dx < w && y + dy >= 0 && y + dy < h) add(y * w + x, (y + dy) * w + x + dx)
      }
    }
  }
  edges.sort((a, b) => a.w - b.w || a.i - b.i)
  const n = h * w
  const comp = Array.from({ length: n }, (_, i) => i)
  const size = new Array<number>(n).fill(1)
  const thr = new Array<number>(n).fill(k)
  const merge = (a: number, b: number) => {
    for (let i = 0; i < n; i++) if (comp[i] === b) comp[i] = a
    size[a] += size[b]
  }
  for (const e of edges) {
    const a = comp[e.p]
    const b = comp[e.q]
    if (a !== b && e.w <= thr[a] && e.w <= thr[b]) {
      merge(a, b)
      thr[a] = e.w + k / size[a]
    }
  }
  for (const e of edges) {
    const a = comp[e.p]
    const b = comp[e.q]
    if (a !== b && (size[a] < minSize || size[b] < minSize)) merge(a, b)
  }
  const relabel = new Map<number, number>()
  return Int32Array.from(comp, (c) => {
    if (!relabel.has(c)) relabel.set(c, relabel.size)
    return relabel.get(c)!
  })
}
