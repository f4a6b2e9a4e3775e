/**
 * 8-connected components of the set pixels of an h×w mask (non-zero = set), two-pass union-find.
 * Labels run 1…count in raster order of each component's first pixel; unset pixels get 0.
 * `sizes[l]` is the pixel count of label l (`sizes[0]` counts the unset pixels).
 */
export function connectedComponents(mask: Uint8Array, h: number, w: number): { labels: Int32Array; count: number; sizes: Int32Array } {
  const labels = new Int32Array(h * w)
  const parent: number[] = [0]
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!
      a = parent[a]!
    }
    return a
  }
  const union = (a: number, b: number): number => {
    const ra = find(a)
    const rb = find(b)
    if (ra === rb) return ra
    // The smaller root wins, so final labels follow first appearance.
    if (ra < rb) return (parent[rb] = ra)
    return (parent[ra] = rb)
  }
  let l = 0
  const visit = (j: number): void => {
    const lj = labels[j]!
    if (lj) l = l ? union(l, lj) : find(lj)
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x
      if (!mask[i]) continue
      l = 0
      // Already visited neighbours: W, NW, N, NE.
      if (x > 0) visit(i - 1)
      if (y > 0) {
        if (x > 0) visit(i - w - 1)
        visit(i - w)
        if (x < w - 1) visit(i - w + 1)
      }
      if (!l) {
        l = parent.length
        parent.push(l)
      }
      labels[i] = l
    }
  }
  const remap = new Int32Array(parent.length)
  let count = 0
  for (let l = 1; l < parent.length; l++) if (find(l) === l) remap[l] = ++count
  const sizes = new Int32Array(count + 1)
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i] ? remap[find(labels[i]!)]! : 0
    labels[i] = l
    sizes[l]++
  }
  return { labels, count, sizes }
}
