import { octree } from 'd3-octree'

/** Per-point values `transferToMesh` can carry: scores (float) or labels (integer). */
export type TransferArray = Float32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array | Int32Array

/** Which map point each mesh vertex takes its values from. */
export interface NearestMapPoints {
  /** Per mesh vertex: index of the nearest map point strictly closer than `maxDistance`, else -1. */
  index: Int32Array
  /** Per mesh vertex: the distance to that point (map units, metres), NaN where `index` is -1. */
  distance: Float32Array
  /** Vertices that found a map point. */
  matched: number
}

/** What `transferToMesh` returns: the values per mesh vertex and where they came from. */
export interface MeshTransfer<A extends TransferArray> extends NearestMapPoints {
  /** C×V row-major (C = perPointValues.length / N channels, V mesh vertices), the array type of the input. */
  values: A
}

/** Options of `nearestMapPoints` and `transferToMesh`. */
export interface MeshTransferOptions {
  /** Distance cut-off in map units (metres): a vertex with no map point strictly closer gets `fill`. */
  maxDistance: number
  /** Value for unmatched vertices: NaN for float arrays, 0 (no label) for integer arrays by default. */
  fill?: number
}

function checkXyz(a: ArrayLike<number>, what: string): number {
  if (a.length % 3 !== 0) throw new RangeError(`${what} must hold x, y, z per point (length ${a.length} is not a multiple of 3)`)
  return a.length / 3
}

function channels(values: TransferArray, points: number): number {
  if (points === 0 ? values.length !== 0 : values.length % points !== 0) {
    throw new RangeError(`perPointValues (length ${values.length}) must hold a whole number of channels of ${points} points`)
  }
  return points === 0 ? 0 : values.length / points
}

/**
 * The nearest map point of every mesh vertex within a distance cut-off, through an octree
 * (d3-octree) over the map points. Both arrays are x, y, z per point (N×3 and V×3, row-major) in
 * the same frame (the map's world coordinates). Map points with a non-finite coordinate are left
 * out. Coincident map points: the lowest index wins; points at exactly equal distance otherwise:
 * the one the octree visits first (deterministic for the same input). Building is O(N log N),
 * each vertex an octree descent pruned to `maxDistance`.
 */
export function nearestMapPoints(mapPositions: ArrayLike<number>, meshVertices: ArrayLike<number>, options: MeshTransferOptions): NearestMapPoints {
  const n = checkXyz(mapPositions, 'mapPositions')
  const v = checkXyz(meshVertices, 'meshVertices')
  const r = options.maxDistance
  if (!(r > 0)) throw new RangeError(`maxDistance must be a positive number of metres, got ${r}`)
  // Added last first so that, among coincident points (chained in one leaf, newest in front), find returns the lowest index.
  const order: number[] = []
  for (let i = n - 1; i >= 0; i--) {
    if (Number.isFinite(mapPositions[3 * i]) && Number.isFinite(mapPositions[3 * i + 1]) && Number.isFinite(mapPositions[3 * i + 2])) order.push(i)
  }
  const tree = octree(order, (i) => mapPositions[3 * i], (i) => mapPositions[3 * i + 1], (i) => mapPositions[3 * i + 2])
  const index = new Int32Array(v).fill(-1)
  const distance = new Float32Array(v).fill(NaN)
  let matched = 0
  if (order.length === 0) return { index, distance, matched }
  for (let j = 0; j < v; j++) {
    const x = meshVertices[3 * j]
    const y = meshVertices[3 * j + 1]
    const z = meshVertices[3 * j + 2]
    if (!(Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z))) continue
    const i = tree.find(x, y, z, r)
    if (i === undefined) continue
    index[j] = i
    distance[j] = Math.hypot(mapPositions[3 * i] - x, mapPositions[3 * i + 1] - y, mapPositions[3 * i + 2] - z)
    matched++
  }
  return { index, distance, matched }
}

/**
 * Values per mesh vertex from per-point values through `nearest` (see `nearestMapPoints`):
 * `values` is C×N row-major (C channels, e.g. Q query scores; C = values.length / N), the result
 * C×V of the same array type, `fill` where a vertex has no map point.
 */
export function gatherToMesh<A extends TransferArray>(nearest: Int32Array, values: A, points: number, fill?: number): A {
  const c = channels(values, points)
  const v = nearest.length
  const empty = fill ?? (values instanceof Float32Array || values instanceof Float64Array ? NaN : 0)
  const out = new (values.constructor as new (n: number) => A)(c * v)
  for (let k = 0; k < c; k++) {
    const src = k * points
    const dst = k * v
    for (let j = 0; j < v; j++) {
      const i = nearest[j]
      out[dst + j] = i < 0 ? empty : values[src + i]
    }
  }
  return out
}

/**
 * Transfers per-point values of a 3D map (query scores, labels) to a reference mesh's vertices:
 * each vertex takes the values of its nearest map point strictly closer than
 * `options.maxDistance` (metres); a vertex with none gets `options.fill`, by default NaN for
 * float values (score unknown) and 0 for integer values (no label).
 *
 * - `mapPositions`: N×3 x, y, z of the map points (`SemanticMap3D.positions`).
 * - `perPointValues`: C×N row-major, C ≥ 1 channels (one query's scores: C = 1; Q queries' scores
 *   as `MapScores.points`: C = Q; a label per point: C = 1, Uint16Array).
 * - `meshVertices`: V×3 x, y, z of the mesh's vertices, in the map's frame.
 *
 * Returns `values` (C×V, the input's array type) with `index`, `distance` and `matched`
 * (see `NearestMapPoints`), so further arrays can reuse the match through `gatherToMesh`.
 * Throws RangeError for lengths that do not fit or a non-positive cut-off.
 */
export function transferToMesh<A extends TransferArray>(
  mapPositions: ArrayLike<number>, perPointValues: A, meshVertices: ArrayLike<number>, options: MeshTransferOptions,
): MeshTransfer<A> {
  channels(perPointValues, checkXyz(mapPositions, 'mapPositions'))
  const nearest = nearestMapPoints(mapPositions, meshVertices, options)
  return { ...nearest, values: gatherToMesh(nearest.index, perPointValues, mapPositions.length / 3, options.fill) }
}
