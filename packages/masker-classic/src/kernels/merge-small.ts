import type { GridGraph } from './grid-graph.js'
import type { DisjointSets } from './union-find.js'

/**
 * The FH post-processing step: in the same sorted edge order, join the two components of every
 * edge where either has fewer than `minSize` elements. Afterwards every component has at least
 * `minSize` elements unless the graph's whole component is smaller.
 */
export function mergeSmallComponents(sets: DisjointSets, sorted: GridGraph, minSize: number): void {
  if (minSize <= 1) return
  const { a, b } = sorted
  for (let e = 0; e < sorted.count; e++) {
    const ra = sets.find(a[e])
    const rb = sets.find(b[e])
    if (ra !== rb && (sets.size[ra] < minSize || sets.size[rb] < minSize)) sets.join(ra, rb)
  }
}
