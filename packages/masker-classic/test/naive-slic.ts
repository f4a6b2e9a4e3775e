// A plain SLIC (Achanta et al. 2012) for checking the kernels: pixel and centre objects, each
// pixel compared with every centre whose 2S × 2S window holds it, connectivity by a recursive-free
// flood fill over arrays. Same definitions as the kernels (ties to the earlier centre, raster order).

interface Px { l: number; a: number; b: number; x: number; y: number }
interface Centre { l: number; a: number; b: number; x: number; y: number }

export function naiveSlicLabels(lab: Float32Array, h: number, w: number, centres0: Float64Array, step: number, m: number, maxIter: number): number[] {
  const px: Px[] = []
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.push({ l: lab[3 * (y * w + x)]!, a: lab[3 * (y * w + x) + 1]!, b: lab[3 * (y * w + x) + 2]!, x, y })
  const centres: Centre[] = []
  for (let i = 0; i < centres0.length; i += 5) centres.push({ l: centres0[i]!, a: centres0[i + 1]!, b: centres0[i + 2]!, y: centres0[i + 3]!, x: centres0[i + 4]! })
  const reach = Math.ceil(step)
  let labels: number[] = px.map(() => -1)
  for (let it = 0; it < maxIter; it++) {
    const next = px.map((p, j) => {
      let best = -1
      let bestD = Infinity
      centres.forEach((c, i) => {
        if (p.x < Math.ceil(c.x - reach) || p.x > Math.floor(c.x + reach) || p.y < Math.ceil(c.y - reach) || p.y > Math.floor(c.y + reach)) return
        const d = (p.l - c.l) ** 2 + (p.a - c.a) ** 2 + (p.b - c.b) ** 2 + ((p.x - c.x) ** 2 + (p.y - c.y) ** 2) * (m / step) ** 2
        if (d < bestD) [best, bestD] = [i, d]
      })
      return best >= 0 ? best : labels[j]!
    })
    const same = it > 0 && next.every((l, i) => l === labels[i])
    labels = next
    if (same) break
    centres.forEach((c, i) => {
      const mine = px.filter((_, j) => labels[j] === i)
      if (mine.length === 0) return
      const mean = (f: (p: Px) => number) => mine.reduce((s, p) => s + f(p), 0) / mine.length
      Object.assign(c, { l: mean((p) => p.l), a: mean((p) => p.a), b: mean((p) => p.b), y: mean((p) => p.y), x: mean((p) => p.x) })
    })
  }
  return labels
}

export function naiveConnectivity(labels: ArrayLike<number>, h: number, w: number, minSize: number): { labels: number[]; count: number } {
  const out: number[] = new Array(h * w).fill(-1)
  let next = 0
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (out[y * w + x] !== -1) continue
      let adjacent = 0
      for (const [dx, dy] of [[-1, 0], [0, -1], [1, 0], [0, 1]] as const) {
        const nx = x + dx
        const ny = y + dy
        if (nx >= 0 && ny >= 0 && nx < w && ny < h && out[ny * w + nx]! >= 0) adjacent = out[ny * w + nx]!
      }
      const members: [number, number][] = [[x, y]]
      out[y * w + x] = next
      for (let i = 0; i < members.length; i++) {
        const [cx, cy] = members[i]!
        for (const [dx, dy] of [[-1, 0], [0, -1], [1, 0], [0, 1]] as const) {
          const nx = cx + dx
          const ny = cy + dy
          if (nx >= 0 && ny >= 0 && nx < w && ny < h && out[ny * w + nx] === -1 && labels[ny * w + nx] === labels[y * w + x]) {
            out[ny * w + nx] = next
            members.push([nx, ny])
          }
        }
      }
      if (members.length < minSize && next > 0) for (const [mx, my] of members) out[my * w + mx] = adjacent
      else next++
    }
  }
  return { labels: out, count: next }
}
