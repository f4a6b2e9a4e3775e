import { fail, type SemanticMap3D, type SemanticMemory2D, type TensorBackend, type TextEmbeddings } from '@plaf/core'
import { gatherRow, PointGather, type PointGatherOptions } from './kernels/gather.js'
import { PoolProduct } from './kernels/product.js'

/** Cosine similarity of every feature row to every query. */
export interface RowScores {
  texts: string[]
  /** Q×rows, row-major: data[q·rows + r] = cos(row r, query q); rows with a zero feature score 0. */
  data: Float32Array
  shape: [q: number, rows: number]
  /** 1 where the row's feature is non-zero (a real mask or pool entry), else 0 (e.g. row 0, no mask). */
  valid: Uint8Array
}

/** 3D scores: the pool rows scored once, then gathered per point. */
export interface MapScores {
  pool: RowScores
  /** Q×N, row-major: the score of each point's pool row. */
  points: Float32Array
  /** Time spent (ms, performance.now) on the pool product and on the per-point gather. */
  timings: { poolMs: number; gatherMs: number }
}

/**
 * Where `scoreRows` puts its own time: ms on this thread before and after the product plus the
 * time the event loop sat idle waiting for the tensor backend. Time other work (other pipeline
 * stages of frames in flight, callbacks of sharp encodes) ran on the event loop during that wait
 * is left out, so the figure does not grow with what runs beside the querier.
 */
export interface ScoringTime {
  ownMs: number
}

/** Awaits `p`; adds to `into` the event loop's idle time meanwhile (ms): the wait that was the backend's alone. */
async function idleWait<T>(p: () => Promise<T>, into: ScoringTime | undefined): Promise<T> {
  if (!into) return p()
  const before = performance.eventLoopUtilization()
  const out = await p()
  into.ownMs += performance.eventLoopUtilization(before).idle
  return out
}

function rowNorms(a: Float32Array, rows: number, d: number): Float64Array {
  const out = new Float64Array(rows)
  for (let r = 0; r < rows; r++) {
    let s = 0
    for (let j = r * d, e = j + d; j < e; j++) s += a[j] * a[j]
    out[r] = Math.sqrt(s)
  }
  return out
}

/**
 * Cosine of every row of a rows×D table with every text: one rows×D · D×Q product, then division
 * by the norms (so unnormalised tables and texts still give cosines). The product runs on the
 * tensor seam, or in `product` (the WebAssembly kernel over a copy of this table, `prepareMap`)
 * when given. `norms`: the table's row L2 norms when already known (`prepareMap`), else computed
 * here (rows×D work, several times the product's cost in JS). `time`: adds this call's own time
 * (see ScoringTime).
 */
export async function scoreRows(table: Float32Array, rows: number, embeddings: TextEmbeddings, tensor: TensorBackend, norms?: Float64Array, time?: ScoringTime, product?: PoolProduct): Promise<RowScores> {
  const t0 = performance.now()
  const [q, d] = embeddings.shape
  if (norms && norms.length !== rows) throw new RangeError(`norms has ${norms.length} entries for ${rows} rows`)
  // an empty pool (a shard that saw no frames: shape 0×0) has nothing to multiply, whatever D
  if (rows === 0) product = undefined
  if (product) checkKernelShape(product, rows, d)
  // prod[r·sr + i·sq]: rows×Q from the tensor seam, Q×rows from the kernel
  let prod: Float32Array
  let sr = q
  let sq = 1
  if (product) {
    prod = product.dots(embeddings.data.subarray(0, q * d), q)
    sr = 1
    sq = rows
  } else {
    const textT = new Float32Array(d * q)
    for (let i = 0; i < q; i++) for (let c = 0; c < d; c++) textT[c * q + i] = embeddings.data[i * d + c]
    if (time) time.ownMs += performance.now() - t0
    prod = rows > 0 && q > 0 ? await idleWait(() => tensor.matmul(table, textT, rows, d, q), time) : new Float32Array(0)
  }
  const t1 = product ? t0 : performance.now()
  const scores = cosines(prod, sr, sq, rows, embeddings, norms ?? rowNorms(table, rows, d))
  if (time) time.ownMs += performance.now() - t1
  return scores
}

/** The cosines from the products prod[r·sr + i·sq] (row r, query i) and the row norms `rn`: Q×rows, 0 where a norm is 0. */
function cosines(prod: Float32Array, sr: number, sq: number, rows: number, embeddings: TextEmbeddings, rn: Float64Array): RowScores {
  const [q, d] = embeddings.shape
  const tn = rowNorms(embeddings.data, q, d)
  const data = new Float32Array(q * rows)
  const valid = new Uint8Array(rows)
  for (let r = 0; r < rows; r++) {
    valid[r] = rn[r] > 0 ? 1 : 0
    for (let i = 0; i < q; i++) data[i * rows + r] = rn[r] > 0 && tn[i] > 0 ? prod[r * sr + i * sq] / (rn[r] * tn[i]) : 0
  }
  return { texts: embeddings.texts, data, shape: [q, rows], valid }
}

function checkSpace(space: string, dim: number, embeddings: TextEmbeddings, what: string, frame?: string): void {
  if (space !== embeddings.space) {
    fail('PLAF_SPACE_MISMATCH', `the ${what} is in embedding space "${space}" but the text embeddings are in "${embeddings.space}"; use a text encoder paired with the backbone`, {
      frame, expected: space, actual: embeddings.space,
    })
  }
  if (dim !== embeddings.shape[1]) {
    fail('PLAF_INPUT_INVALID', `the ${what} has ${dim}-dimensional features but the text embeddings have ${embeddings.shape[1]}`, {
      frame, expected: String(dim), actual: String(embeddings.shape[1]),
    })
  }
}

/**
 * Scores a 2D memory: one cosine per feature row and query (K+1 rows, not H×W pixels). Per-pixel
 * scores are a gather through the id map (`gatherScores`). Throws PLAF_SPACE_MISMATCH when the
 * memory and the texts come from different embedding spaces. `frame` only names it in errors.
 */
export async function scoreMemory(memory: SemanticMemory2D, embeddings: TextEmbeddings, tensor: TensorBackend, frame?: string, time?: ScoringTime): Promise<RowScores> {
  const [rows, d] = memory.features.shape
  checkSpace(memory.space, d, embeddings, 'memory', frame)
  return scoreRows(memory.features.data, rows, embeddings, tensor, undefined, time)
}

/**
 * Scores a 3D map's pool: Q×M cosines, M = pool rows (not N points). Throws PLAF_SPACE_MISMATCH
 * like `scoreMemory`; an empty map (no points) is not checked.
 */
export async function scorePool(map: SemanticMap3D, embeddings: TextEmbeddings, tensor: TensorBackend, prepared?: PreparedMap, time?: ScoringTime): Promise<RowScores> {
  const [rows, d] = map.pool.shape
  if (map.refs.length > 0) checkSpace(map.space, d, embeddings, 'map', undefined)
  const product = prepared?.product && prepared.product.fits(embeddings.shape[0]) ? prepared.product : undefined
  return scoreRows(map.pool.data, rows, embeddings, tensor, preparedNorms(map, prepared), time, product)
}

/** What a map needs once, whatever the queries: the pool rows' norms, the pool product and the per-point gather. */
export interface PreparedMap {
  /** The pool table the norms belong to (checked by identity when used). */
  pool: Float32Array
  /** The refs the gather was made for (checked by identity when used). */
  refs: Uint32Array
  /** M row norms, float64 (0 for an all-zero row). */
  norms: Float64Array
  /** The per-point gather: a checked copy of the refs in the kernel's memory, and the output `reuse` returns. */
  gather: PointGather
  /**
   * The pool product in the WebAssembly SIMD kernel over its own copy of the pool, used by
   * `scorePool` / `scoreMap` instead of the tensor backend; null with `product: 'tensor'`, or
   * when the engine has no WebAssembly SIMD or the pool does not fit the kernel's 2 GiB.
   */
  product: PoolProduct | null
  /** Time it took, ms. */
  ms: number
}

/** Options of `prepareMap`: the gather's, and where the pool product runs. */
export interface PrepareMapOptions extends PointGatherOptions {
  /**
   * `auto` (default): the pool product in the WebAssembly SIMD kernel (`PoolProduct`, a copy of
   * the pool in its memory) when it can run here, else on the tensor backend; `tensor`: always on
   * the tensor backend passed to `scorePool` / `scoreMap` (no pool copy).
   */
  product?: 'auto' | 'tensor'
  /** Threads of the kernel's product (`PoolProduct`): 1 or 2; default 2 on a machine with two or more cores for pools of ≥ 2^20 floats. */
  threads?: number
}

/**
 * Prepares a map for repeated queries: the pool rows' norms, which every query needs and which
 * cost M×D work (more than the product itself in JS), the pool product's kernel (`PoolProduct`:
 * a copy of the pool in a WebAssembly SIMD kernel's memory, unless `product: 'tensor'`) and the
 * per-point gather (`PointGather`: the refs checked against the pool size and copied into a
 * WebAssembly kernel's memory). Pass the result to `scoreMap` / `scorePool` while the map is
 * unchanged. The gather and the norms are bit-identical to unprepared ones; the kernel's product
 * sums in its own fixed order (float32, like the tensor backends), so scores may differ from the
 * tensor backend's in the last bits. Throws PLAF_INPUT_INVALID when a ref is not a row of the pool.
 */
export function prepareMap(map: SemanticMap3D, opts: PrepareMapOptions = {}): PreparedMap {
  const t0 = performance.now()
  const [rows, d] = map.pool.shape
  const norms = rowNorms(map.pool.data, rows, d)
  const gather = new PointGather(map.refs, rows, opts)
  const product = opts.product === 'tensor' || opts.kernel === 'js' ? null : PoolProduct.create(map.pool.data, rows, d, { maxBytes: opts.maxBytes, threads: opts.threads, gather })
  return { pool: map.pool.data, refs: map.refs, norms, gather, product, ms: performance.now() - t0 }
}

function preparedNorms(map: SemanticMap3D, prepared: PreparedMap | undefined): Float64Array | undefined {
  if (!prepared) return undefined
  if (prepared.pool !== map.pool.data) throw new RangeError('the PreparedMap was made for another pool (prepareMap(map) again)')
  return prepared.norms
}

/** Where `scoreMap` writes the Q×N point scores (default: a new array per call). */
export interface ScoreMapOptions {
  /** The caller's Q×N array to fill (its length must be Q×N); returned as `points`. */
  out?: Float32Array
  /**
   * Fill the prepared map's own output and return it as `points` (needs `prepared`): no new
   * array per query. Each call overwrites it; a later call with more queries than any before
   * replaces it (with the WebAssembly kernel earlier `points` then read as empty). Copy what
   * must outlive the next query.
   */
  reuse?: boolean
}

/**
 * Scores a 3D map: the M pool rows once (Q×M cosines), then each of the N points takes its pool
 * row's score (a gather, no per-point D work). With `prepared` (`prepareMap`) the pool norms are
 * not recomputed and the gather runs in its WebAssembly kernel; `options` choose where the
 * point scores go (`out`, `reuse`). Throws PLAF_SPACE_MISMATCH like `scoreMemory`, and a
 * RangeError for an `out` of the wrong length or `reuse` without `prepared`, before any work.
 */
export async function scoreMap(map: SemanticMap3D, embeddings: TextEmbeddings, tensor: TensorBackend, prepared?: PreparedMap, options: ScoreMapOptions = {}): Promise<MapScores> {
  const n = map.refs.length
  const q = embeddings.shape[0]
  const { out, reuse } = options
  if (out && reuse) throw new RangeError('scoreMap: give either out or reuse, not both')
  if (reuse && !prepared) throw new RangeError('scoreMap: reuse writes into the prepared map\'s output; pass prepareMap(map)')
  if (out && out.length !== q * n) throw new RangeError(`scoreMap: out has ${out.length} elements, but ${q} quer${q === 1 ? 'y' : 'ies'} × ${n} points need ${q * n}`)
  preparedNorms(map, prepared) // the pool check first
  if (prepared && prepared.refs !== map.refs) throw new RangeError('the PreparedMap was made for another map\'s refs (prepareMap(map) again)')
  const t0 = performance.now()
  const product = prepared?.product
  if (prepared && product && prepared.gather.shared && (reuse || prepared.gather.fits(q)) && product.fits(q) && map.pool.shape[0] > 0) {
    // the product kernel and the gather kernel in one job: the product's helper thread, once awake, gathers half the points too
    const [rows, d] = map.pool.shape
    if (map.refs.length > 0) checkSpace(map.space, d, embeddings, 'map', undefined)
    checkKernelShape(product, rows, d)
    let pool: RowScores | null = null
    let t1 = t0
    const own = product.query(embeddings.data.subarray(0, q * d), q, prepared.gather, (prod) => {
      pool = cosines(prod, 1, rows, rows, embeddings, prepared.norms)
      t1 = performance.now()
      return pool.data
    })
    return { pool: pool!, points: pointsFrom(own, q * n, options), timings: { poolMs: t1 - t0, gatherMs: performance.now() - t1 } }
  }
  const pool = await scorePool(map, embeddings, tensor, prepared)
  const t1 = performance.now()
  let points: Float32Array
  if (prepared && (reuse || prepared.gather.fits(q))) {
    points = pointsFrom(prepared.gather.gather(pool.data, q), q * n, options)
  } else {
    // no prepared map, or more queries than its kernel's memory holds: JavaScript straight into the result
    points = out ?? new Float32Array(q * n)
    for (let i = 0; i < q; i++) gatherInto(pool, i, map.refs, points.subarray(i * n, i * n + n))
  }
  return { pool, points, timings: { poolMs: t1 - t0, gatherMs: performance.now() - t1 } }
}

/** The point scores a prepared map's gather wrote into its own output `own`: that output itself with `reuse`, else copied into `out` or a new array of `size`. */
function pointsFrom(own: Float32Array, size: number, { out, reuse }: ScoreMapOptions): Float32Array {
  if (reuse) return own
  const points = out ?? new Float32Array(size)
  points.set(own)
  return points
}

/** A RangeError when the product kernel was made for another pool shape than rows×d. */
function checkKernelShape(product: PoolProduct, rows: number, d: number): void {
  if (product.rows !== rows || product.d !== d) throw new RangeError(`the product kernel holds ${product.rows}×${product.d}, not ${rows}×${d}`)
}

/** Writes query `q`'s score of each element of `index` into `out`: out[i] = score[index[i]]. */
function gatherInto(scores: RowScores, q: number, index: Uint16Array | Uint32Array, out: Float32Array): void {
  const rows = scores.shape[1]
  gatherRow(scores.data.subarray(q * rows, q * rows + rows), index, out)
}

/** Scores of query `q` per element of `index` (an id map or point refs): out[i] = score[index[i]]. */
export function gatherScores(scores: RowScores, q: number, index: Uint16Array | Uint32Array): Float32Array {
  const out = new Float32Array(index.length)
  gatherInto(scores, q, index, out)
  return out
}
