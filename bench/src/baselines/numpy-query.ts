import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeNpy, encodeNpy, type SemanticMap3D, type TextEmbeddings } from '@plaf/core'
import { findPython, runPython } from '@plaf/core/testing'
import { median } from '../timing.js'

/** The numpy script (bench/python, next to src and dist). */
export const NUMPY_QUERY_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'python', 'pool_gather_query.py')

/** N timed runs of the numpy pool-plus-gather query (after one warm-up), and the first run's Q×N scores. */
export interface NumpyQueryRun {
  runs_ms: number[]
  median_ms: number
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
  const exe = findPython(['numpy'])
  if (!exe) return 'no python3 with numpy (Debian package python3-numpy)'
  mkdirSync(tmpDir, { recursive: true })
  const dir = mkdtempSync(join(tmpDir, 'plaf-bench-query-'))
  try {
    writeFileSync(join(dir, 'pool.npy'), encodeNpy({ data: map.pool.data, shape: map.pool.shape }))
    writeFileSync(join(dir, 'refs.npy'), encodeNpy({ data: map.refs, shape: [map.refs.length] }))
    writeFileSync(join(dir, 'texts.npy'), encodeNpy({ data: texts.data, shape: texts.shape }))
    const out = JSON.parse(runPython(exe, readFileSync(NUMPY_QUERY_SCRIPT, 'utf8'), [dir, String(runs)])) as { runs_ms: number[]; prepare_ms: number; numpy: string }
    const points = decodeNpy(readFileSync(join(dir, 'points.npy'))).data as Float32Array
    return { runs_ms: out.runs_ms, median_ms: median(out.runs_ms), prepare_ms: out.prepare_ms, numpy: out.numpy, points }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
