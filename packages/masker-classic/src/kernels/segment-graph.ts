import type { GridGraph } from './grid-graph.js'
import { DisjointSets } from './union-find.js'

/**
 * Felzenszwalb–Huttenlocher `segment_graph` (IJCV 2004, Alg. 1): visit edges by ascending weight
 * and merge the two components when the edge weight is at most both components' thresholds
 * τ(C) = Int(C) + k/|C|, where Int(C) is the weight of the last edge that grew C (its largest
 * MST edge). Thresholds are float64.
 *
 * @param sorted the graph's edges by ascending weight, ties by index (from `sortEdges`).
 * @param k scale parameter: larger k, larger components.
 */
export function segmentGraph(n: number, sorted: GridGraph, k: number): DisjointSets {
  const sets = new DisjointSets(n)
  const threshold = new Float64Array(n).fill(k)
  const { a, b, w: weight } = sorted
  for (let e = 0; e < sorted.count; e++) {
    const ra = sets.find(a[e])
    const rb = sets.find(b[e])
    if (ra === rb) continue
    const w = weight[e]
    if (w <= threshold[ra] && w <= threshold[rb]) {
      const r = sets.join(ra, rb)
      threshold[r] = w + k / sets.size[r]
    }
  }
  return sets
}
