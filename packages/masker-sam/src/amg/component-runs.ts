/**
 * The 8-connected components of the pixels equal to `value` (0 or 1 on a 0/1 mask) of an h×w
 * mask, found on horizontal runs instead of pixels: run r covers row `y[r]`, columns
 * `x0[r]…x1[r]` (inclusive); runs touching a run of the row above (8-connected: columns within
 * one of each other) are joined by union-find. Components are numbered 1…count in raster order of
 * their first pixel, as `connectedComponents` numbers them, `label[r]` is a run's component and
 * `sizes[l]` the pixel count of component l. Work is proportional to the number of runs, not of
 * pixels, apart from about one native scan (`indexOf`) of the mask per value. The mask must hold
 * only 0 and 1.
 */
export function componentRuns(mask: Uint8Array, h: number, w: number, value: 0 | 1): { y: Int32Array; x0: Int32Array; x1: Int32Array; label: Int32Array; count: number; sizes: Float64Array } {
  let cap = 64
  let y: Int32Array = new Int32Array(cap)
  let x0: Int32Array = new Int32Array(cap)
  let x1: Int32Array = new Int32Array(cap)
  let parent: Int32Array = new Int32Array(cap)
  let n = 0
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!
      a = parent[a]!
    }
    return a
  }
  // The first index ≥ i holding v (mask.length if none), by the native indexOf; the last answer
  // per value is reused while i has not passed it, so the whole mask is scanned about once per value.
  const other = value === 1 ? 0 : 1
  const from = [-1, -1]
  const at = [-1, -1]
  const next = (v: 0 | 1, i: number): number => {
    if (i < from[v]! || i > at[v]!) {
      const j = mask.indexOf(v, i)
      from[v] = i
      at[v] = j < 0 ? mask.length : j
    }
    return at[v]!
  }
  let prevStart = 0
  let prevEnd = 0
  for (let row = 0; row < h; row++) {
    const base = row * w
    const rowStart = n
    let p = prevStart
    let x = 0
    while (x < w) {
      // Next run of `value` in this row: [s, e].
      const s = next(value, base + x) - base
      if (s >= w) break
      x = Math.min(next(other, base + s) - base, w)
      const e = x - 1
      if (n === cap) {
        cap *= 2
        const grow = (a: Int32Array): Int32Array => {
          const b = new Int32Array(cap)
          b.set(a)
          return b
        }
        y = grow(y)
        x0 = grow(x0)
        x1 = grow(x1)
        parent = grow(parent)
      }
      y[n] = row
      x0[n] = s
      x1[n] = e
      parent[n] = n
      // Runs above that end before column s − 1 touch no later run either.
      while (p < prevEnd && x1[p]! < s - 1) p++
      for (let q = p; q < prevEnd && x0[q]! <= e + 1; q++) {
        const ra = find(q)
        const rb = find(n)
        // The smaller root wins, so each component's root is its first run in raster order.
        if (ra < rb) parent[rb] = ra
        else if (rb < ra) parent[ra] = rb
      }
      n++
    }
    prevStart = rowStart
    prevEnd = n
  }
  const { label, count, sizes } = labelRuns(x0, x1, parent, n)
  return { y: y.subarray(0, n), x0: x0.subarray(0, n), x1: x1.subarray(0, n), label, count, sizes }
}

/**
 * Component labels of `n` runs once joined by union-find in `parent` (each root its component's
 * first run, as `componentRuns` and `joinRuns` leave it): components numbered 1…count in raster
 * order of their first run, `label[r]` per run and `sizes[l]` in pixels (runs x0…x1 inclusive).
 */
export function labelRuns(x0: Int32Array, x1: Int32Array, parent: Int32Array, n: number): { label: Int32Array; count: number; sizes: Float64Array } {
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!
      a = parent[a]!
    }
    return a
  }
  const label = new Int32Array(n)
  let count = 0
  for (let r = 0; r < n; r++) {
    const root = find(r)
    label[r] = root === r ? ++count : label[root]!
  }
  const sizes = new Float64Array(count + 1)
  for (let r = 0; r < n; r++) sizes[label[r]!] += x1[r]! - x0[r]! + 1
  return { label, count, sizes }
}

/**
 * The 8-connected components of `n` horizontal runs given in raster order (row `y[r]`, columns
 * `x0[r]…x1[r]` inclusive, never touching within a row): what `componentRuns` gives for the
 * mask the runs paint, without the mask.
 */
export function joinRuns(y: Int32Array, x0: Int32Array, x1: Int32Array, n: number): { label: Int32Array; count: number; sizes: Float64Array } {
  const parent = new Int32Array(n)
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]!]!
      a = parent[a]!
    }
    return a
  }
  // The previous row's runs [prevStart, prevEnd) while on row `row`.
  let prevStart = 0
  let prevEnd = 0
  let rowStart = 0
  let row = n > 0 ? y[0]! : 0
  let p = 0
  for (let r = 0; r < n; r++) {
    if (y[r] !== row) {
      // A new row: the runs of the row just ended are "above" only when it is the row right before.
      const adjacent = y[r] === row + 1
      prevStart = adjacent ? rowStart : r
      prevEnd = adjacent ? r : r
      rowStart = r
      row = y[r]!
      p = prevStart
    }
    parent[r] = r
    const s = x0[r]!
    const e = x1[r]!
    while (p < prevEnd && x1[p]! < s - 1) p++
    for (let q = p; q < prevEnd && x0[q]! <= e + 1; q++) {
      const ra = find(q)
      const rb = find(r)
      if (ra < rb) parent[rb] = ra
      else if (rb < ra) parent[ra] = rb
    }
  }
  return labelRuns(x0, x1, parent, n)
}
