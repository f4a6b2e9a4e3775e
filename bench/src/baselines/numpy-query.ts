import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeNpy, encodeNpy, type SemanticMap3D, type TextEmbeddings } from '@plaf/core'
import { median } from '../timing.js'
import { withNumpyScript } from './numpy-scratch.js'

/** The numpy script (bench/python, next to src and dist). */
export const NUMPY_QUERY_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'python', 'pool_gather_query.py')

/**
 * N timed runs of the numpy pool-plus-gather query (after one warm-up), and the first run's Q×N
 * scores. `runs_ms` / `runs_out_ms` are timed under the bench's protocol (`measure`: a forced
 * collection, then the settle, before each run); `back_to_back` the same runs again with no
 * collection and no pause between them.
 */
export interface NumpyQueryRun {
  runs_ms: number[]
  median_ms: number
  /** The same runs' second variant, alternating with the first: refs checked once, take(…, out=reused, mode='clip'). */
  runs_out_ms: number[]
  /** Both variants again, back to back (no gc.collect(), no settle): OpenBLAS's threads still spinning from the previous call. */
  back_to_back: { runs_ms: number[]; runs_out_ms: number[] }
  /** The untimed settle before each settled run (both variants, in order), ms. */
  settle_ms: number[]
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
    const points = decodeNpy(readFileSync(join(dir, 'points.npy'))).data as Float32Array
    return { ...parseNumpyQueryOutput(json, runs), points }
  })
}

/** Checks and reads the numpy script's JSON (all but the points): every list of run times has `runs` entries. */
export function parseNumpyQueryOutput(json: unknown, runs: number): Omit<NumpyQueryRun, 'points'> {
  const o = json as Record<string, unknown>
  const b2b = (o?.back_to_back ?? {}) as Record<string, unknown>
  const times = (v: unknown, name: string, count = runs): number[] => {
    if (!Array.isArray(v) || v.length !== count || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
      throw new Error(`${NUMPY_QUERY_SCRIPT}: "${name}" should be ${count} times in ms, got ${JSON.stringify(v)?.slice(0, 200)}`)
    }
    return v as number[]
  }
  const runsMs = times(o?.runs_ms, 'runs_ms')
  if (typeof o.prepare_ms !== 'number' || typeof o.numpy !== 'string') throw new Error(`${NUMPY_QUERY_SCRIPT}: "prepare_ms" and "numpy" missing from its output`)
  return {
    runs_ms: runsMs, median_ms: median(runsMs), runs_out_ms: times(o.runs_out_ms, 'runs_out_ms'),
    back_to_back: { runs_ms: times(b2b.runs_ms, 'back_to_back.runs_ms'), runs_out_ms: times(b2b.runs_out_ms, 'back_to_back.runs_out_ms') },
    settle_ms: times(o.settle_ms, 'settle_ms', 2 * runs), prepare_ms: o.prepare_ms, numpy: o.numpy,
  }
}
