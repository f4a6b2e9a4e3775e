import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeNpy, encodeNpy, type FeatureGrid, type MaskSet } from '@plaf/core'
import { median } from '../timing.js'
import { withNumpyScript } from './numpy-scratch.js'

/** The numpy script (bench/python, next to src and dist). */
export const NUMPY_SPARSE_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'python', 'sparse_mask_mean.py')

/** N timed runs of the numpy reference (after one warm-up), its numpy version and the first run's output. */
export interface NumpySparseRun {
  runs_ms: number[]
  median_ms: number
  numpy: string
  ids: Uint16Array
  features: Float32Array
}

/**
 * Runs the exact sparse numpy mask mean (`bench/python/sparse_mask_mean.py`) on the same grid and
 * masks, timed inside Python (input loading excluded, as the JS paths get their inputs in memory).
 * Returns a reason string instead when no python3 with numpy is there (Debian: python3-numpy).
 */
export function runNumpySparse(grid: FeatureGrid, masks: MaskSet, runs: number, tmpDir: string): NumpySparseRun | string {
  return withNumpyScript(NUMPY_SPARSE_SCRIPT, [String(runs)], tmpDir, 'plaf-bench-numpy-', (dir) => {
    const t = grid.transform
    writeFileSync(join(dir, 'grid.npy'), encodeNpy({ data: grid.data, shape: grid.shape }))
    writeFileSync(join(dir, 'transform.json'), JSON.stringify({ ax: t.ax, bx: t.bx, ay: t.ay, by: t.by, H: masks.height, W: masks.width }))
    const k = masks.masks.length
    writeFileSync(join(dir, 'bboxes.npy'), encodeNpy({ data: Int32Array.from(masks.masks.flatMap((m) => m.bbox)), shape: [k, 4] }))
    writeFileSync(join(dir, 'areas.npy'), encodeNpy({ data: Int32Array.from(masks.masks.map((m) => m.area)), shape: [k] }))
    const bits = new Uint8Array(masks.masks.reduce((s, m) => s + m.bitmap.length, 0))
    let o = 0
    for (const m of masks.masks) {
      bits.set(m.bitmap, o)
      o += m.bitmap.length
    }
    writeFileSync(join(dir, 'bits.npy'), encodeNpy({ data: bits, shape: [bits.length] }))
  }, (json, dir) => {
    const out = json as { runs_ms: number[]; numpy: string }
    const ids = decodeNpy(readFileSync(join(dir, 'ids.npy'))).data as Uint16Array
    const features = decodeNpy(readFileSync(join(dir, 'features.npy'))).data as Float32Array
    return { runs_ms: out.runs_ms, median_ms: median(out.runs_ms), numpy: out.numpy, ids, features }
  })
}
