import type { SemanticMap3D, TensorBackend } from '@plaf/core'
import { normalizeVectors } from './dense-normalize.js'

/** Rows per block of the dense product on the tensor seam (about 300 MB of float32 at D = 1152). */
export const DENSE_QUERY_BLOCK = 65_536

/**
 * What the official 3D script keeps: every point's own float32 copy of its feature (N×D), built
 * here from the pool and refs. This is setup, not query time.
 */
export function densePointFeatures(map: SemanticMap3D): Float32Array {
  const n = map.refs.length
  const d = map.pool.shape[1]
  const out = new Float32Array(n * d)
  for (let i = 0; i < n; i++) out.set(map.pool.data.subarray(map.refs[i] * d, map.refs[i] * d + d), i * d)
  return out
}

/** Per-point scores of the dense baseline and the time of each op (ms). */
export interface DenseQueryResult {
  scores: Float32Array
  normalize_ms: number
  product_ms: number
}

/**
 * The official `query_point_cloud`: `F.normalize(features)` (a second N×D tensor, when
 * `normalize`), `F.normalize(text)`, then `sim = features @ text`, one text at a time. The
 * product runs on the tensor seam in blocks of `block` rows (same arithmetic, bounded temporaries).
 * With `normalize` false it is the dense product alone: a stronger baseline than the script.
 */
export async function denseQuery(
  features: Float32Array, n: number, d: number, text: Float32Array, tensor: TensorBackend,
  opts: { normalize: boolean; block?: number; onStep?: () => void },
): Promise<DenseQueryResult> {
  const block = opts.block ?? DENSE_QUERY_BLOCK
  const t0 = performance.now()
  const unit = opts.normalize ? normalizeVectors(features, n, d, opts.onStep) : features
  const q = normalizeVectors(text, 1, d)
  opts.onStep?.()
  const t1 = performance.now()
  const scores = new Float32Array(n)
  for (let start = 0; start < n; start += block) {
    const rows = Math.min(block, n - start)
    scores.set(await tensor.matmul(unit.subarray(start * d, (start + rows) * d), q, rows, d, 1), start)
    opts.onStep?.()
  }
  return { scores, normalize_ms: t1 - t0, product_ms: performance.now() - t1 }
}
