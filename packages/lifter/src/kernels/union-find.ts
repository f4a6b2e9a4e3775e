/**
 * Root of `e` in a union-find forest stored as a parent array (a root is its own parent), with
 * path halving: every other node on the way up is re-pointed at its grandparent.
 */
export function findRoot(parent: Int32Array, e: number): number {
  while (parent[e] !== e) {
    parent[e] = parent[parent[e]]
    e = parent[e]
  }
  return e
}

/**
 * Joins the sets of `a` and `b`; the smaller root survives so that the earliest entry names the
 * set. Returns the surviving root and the absorbed one (equal when already joined).
 */
export function unionRoots(parent: Int32Array, a: number, b: number): { root: number; absorbed: number } {
  const ra = findRoot(parent, a)
  const rb = findRoot(parent, b)
  const root = Math.min(ra, rb)
  const absorbed = Math.max(ra, rb)
  parent[absorbed] = root
  return { root, absorbed }
}
