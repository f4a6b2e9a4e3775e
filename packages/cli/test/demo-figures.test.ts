import { describe, expect, it } from 'vitest'
import type { RunReport, StageReport } from '@plaf/core'
import { demoFigures, map3dFigures } from '../src/commands/demo.js'

const stage = (plugin: string, kind: string, metrics: Record<string, number>, frame_metrics: Record<string, Record<string, number>> = {}): StageReport =>
  ({ plugin, kind, version: '1.0.0', calls: 1, ms_total: 1, ms_mean: 1, cache_hits: 0, cache_misses: 0, peak_rss_mib: 1, metrics, frame_metrics }) as StageReport

// The demo's figures: 78,728 points, D = 11, a float16 pool of 300 rows, one 968×1296 dense frame.
const N = 78_728
const dense32 = 128 + N * 11 * 4
const dense16 = 128 + N * 11 * 2
const semantic = 128 + 300 * 11 * 2 + N * 2
const map = { bytes: 1_343_727, points: N, pool_rows: 300, dense_bytes: dense32, dense_pool_dtype_bytes: dense16, semantic_bytes: semantic, feature_bytes: 2 }

describe('plaf demo: storage figures name the dtypes on both sides', () => {
  it('3D: like for like at the pool\'s float16 first, the float32 dense per-point layout second', () => {
    const rows = Object.fromEntries(map3dFigures(map))
    expect(rows['3D map (PLY + pool)']).toBe('1.34 MB (xyz, rgb, ref a point + float16 pool)')
    expect(rows['3D dense per-point baseline']).toBe('1.73 MB float16 (the pool\'s dtype); 3.46 MB float32 (N×D×4 B, the official layout)')
    expect(rows['3D index-reference / dense']).toBe('77.6 % at float16 both sides (1.3× smaller); 38.8 % of dense float32 (2.6× smaller, float16 pool vs float32 dense)')
    expect(rows['3D refs + pool / dense']).toBe('9.48 % at float16 both sides (11× smaller): the semantic part (164.2 kB), as eq. (9) counts')
  })

  it('3D: a float32 pool is like for like against the float32 layout; an older report keeps the float32 label', () => {
    const f32 = Object.fromEntries(map3dFigures({ ...map, bytes: 2_000_000, dense_pool_dtype_bytes: dense32, semantic_bytes: 200_000, feature_bytes: 4 }))
    expect(f32['3D dense per-point baseline']).toBe('3.46 MB float32 (N×D×4 B, the pool\'s dtype)')
    expect(f32['3D index-reference / dense']).toBe('57.7 % at float32 both sides (1.7× smaller)')
    const old = Object.fromEntries(map3dFigures({ bytes: map.bytes, points: N, pool_rows: 300, dense_bytes: dense32 }))
    expect(old['3D map (PLY + pool)']).toBe('1.34 MB')
    expect(old['3D index-reference / dense']).toBe('38.8 % of dense float32 (2.6× smaller)')
    expect(old['3D refs + pool / dense']).toBeUndefined()
  })

  it('2D: the dense baseline and the ratio say which dtype each side has', () => {
    const frame = 128 + 968 * 1296 * 11 * 2
    const report = {
      frames: { total: 12, processed: 12, resumed_from: 0 }, wall_ms: 1000, peak_rss_mib: 100,
      stages: {
        storage2d: stage('mask-indexed', 'storage2d', { bytes: 600_000, frames: 12, rows: 120, feature_bytes: 2 }, { f0: { bytes: 50_000 } }),
        dense2d: stage('dense', 'storage2d', { bytes: frame, frames: 1, feature_bytes: 2 }, { f0: { bytes: frame } }),
      },
    } as unknown as RunReport
    const rows = Object.fromEntries(demoFigures(report))
    expect(rows['2D dense per-pixel baseline']).toBe('27.60 MB for 1 frame (27.60 MB/frame), float16 (H×W×D×2 B)')
    expect(rows['2D mask-indexed / dense']).toBe('0.181 % on the same 1 frame (552× smaller), float16 table vs dense float16')
  })
})
