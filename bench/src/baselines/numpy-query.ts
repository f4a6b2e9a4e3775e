import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeNpy, encodeNpy, type SemanticMap3D, type TextEmbeddings } from '@plaf/core'
import { median } from '../timing.js'
import { withNumpyScript } from './numpy-scratch.js'

/** The numpy script (bench/python, next to src and dist). */
export const NUMPY_QUERY_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'python', 'pool_gather_query.py')

/** N timed runs of the numpy pool-plus-gather query (after one warm-up), and the first run's Q×N scores. */
export interface NumpyQueryRun {
  runs_ms: number[]
  median_ms: number
  /** The same runs' second variant, alternating with the first: refs checked once, take(…, out=reused, mode='clip'). */
  runs_out_ms: number[]
  /** Pool norms and refs as intp, once per map (not in runs_ms). */
  prepare_ms: number
  numpy: string
  points: Float32Array
}

/**
 * Runs `bench/python/pool_gather_query.py` on the same pool, refs and texts, timed inside Python
 * (loading excluded, as the JS paths get their inputs in memory). Returns a reason string instead
 * when no python3 with numpy is there (Debian: python3-numpy).
 */
export function runNumpyQuery(map: SemanticMap3D, texts: TextEmbeddings, runs: number, tmpDir: string): NumpyQueryRun | string {
  return withNumpyScript(NUMPY_QUERY_SCRIPT, [String(runs)], tmpDir, 'plaf-bench-query-', (dir) => {
    writeFileSync(join(dir, 'pool.npy'), encodeNpy({ data: map.pool.data, shape: map.pool.shape }))
    writeFileSync(join(dir, 'refs.npy'), encodeNpy({ data: map.refs, shape: [map.refs.length] }))
    writeFileSync(join(dir, 'texts.npy'), encodeNpy({ data: texts.data, shape: texts.shape }))
  }, (json, dir) => {
    const out = json as { runs_ms: number[]; runs_out_ms: number[]; prepare_ms: number; numpy: string }
    const points = decodeNpy(readFileSync(join(dir, 'points.npy'))).data as Float32Array
    return { runs_ms: out.runs_ms, median_ms: median(out.runs_ms), runs_out_ms: out.runs_out_ms, prepare_ms: out.prepare_ms, numpy: out.numpy, points }
  })
}
