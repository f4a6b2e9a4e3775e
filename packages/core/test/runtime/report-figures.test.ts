import { describe, expect, it } from 'vitest'
import { reportMarkdown, type RunReport, type StageReport } from '../../src/runtime/report.js'
import { figure } from '../../src/runtime/report-sections.js'

const stage = (plugin: string, kind: string, metrics: Record<string, number>): StageReport =>
  ({ plugin, kind, version: '1.0.0', calls: 1, ms_total: 10, ms_mean: 10, cache_hits: 0, cache_misses: 0, peak_rss_mib: 100, metrics, frame_metrics: {} }) as StageReport

const run = (stages: Record<string, StageReport>): RunReport => ({
  name: 'r', run_dir: '/x', complete: true, frames: { total: 1, processed: 1, resumed_from: 0 }, wall_ms: 1000, peak_rss_mib: 200, tensor_backend: 'js (cpu)', stages, warnings: {}, notes: [],
}) as unknown as RunReport

describe('report.md figures', () => {
  it('figure: small values keep three significant digits, never a misleading 0.00', () => {
    expect([figure(0.000259), figure(0.0259), figure(0.5), figure(1.2e-7), figure(0)]).toEqual(['0.000259', '0.0259', '0.500', '1.20e-7', '0'])
    expect([figure(1056.449), figure(2.5), figure(17_342_595_456)]).toEqual(['1056.45', '2.50', '17,342,595,456'])
  })

  it('the Stages table shows a storage2d ratio of 0.000259 as such (it read 0.00)', () => {
    const md = reportMarkdown(run({ storage2d: stage('mask-indexed', 'storage2d', { bytes: 4_484_441, dense_float32_bytes: 17_342_595_456, ratio_to_dense_float32: 4_484_441 / 17_342_595_456 }) }))
    expect(md).toContain('ratio_to_dense_float32=0.000259')
    expect(md).not.toContain('=0.00 ')
    expect(md).not.toMatch(/=0\.00(,| \|)/)
  })

  it('the 3D line says whether the dense baseline was written or computed, and pool rows vs masks seen has its own line', () => {
    const computed = reportMarkdown(run({
      lifter: stage('backproject', 'lifter', { frames_used: 3, points: 33_522, pool_rows: 601, masks_seen: 608 }),
      storage3d: stage('index-reference', 'storage3d', { bytes: 3_339_765, points: 33_522, pool_rows: 601, dense_bytes: 154_469_504 }),
    }))
    expect(computed).toContain('- 3D map (storage3d, index-reference 1.0.0): 33,522 points, pool of 601 rows (55.8 points per row), 3.34 MB; dense per-point float32 baseline 154.47 MB (points × D × 4 B + .npy header, computed, not written): 2.16 % of it (46× smaller)')
    expect(computed).toContain('- pool rows vs masks seen (lifter, backproject 1.0.0): 601 pool rows for 608 masks seen (98.8 %)')
    const written = reportMarkdown(run({ storage3d: stage('index-reference', 'storage3d', { bytes: 2000, points: 10_000, pool_rows: 50, dense_bytes: 40_128, dense_file_bytes: 40_128 }) }))
    expect(written).toContain('dense per-point float32 baseline 40.1 kB (written and measured on disk): 4.98 % of it (20× smaller)')
    expect(written).not.toContain('pool rows vs masks seen')
  })

  it('labels the dtypes on both sides: float16 pool vs float32 dense, and the like-for-like figures at the pool\'s dtype', () => {
    // the demo's figures: 78,728 points, D = 11, a float16 pool
    const md = reportMarkdown(run({
      storage3d: stage('index-reference', 'storage3d', {
        bytes: 1_343_727, points: 78_728, pool_rows: 300, dense_bytes: 128 + 78_728 * 11 * 4, dense_pool_dtype_bytes: 128 + 78_728 * 11 * 2, semantic_bytes: 128 + 300 * 11 * 2 + 78_728 * 2, feature_bytes: 2,
      }),
    }))
    expect(md).toContain('dense per-point float32 baseline 3.46 MB (points × D × 4 B + .npy header, computed, not written): 38.8 % of it (2.6× smaller, float16 pool vs float32 dense)')
    expect(md).toContain('- 3D map (storage3d) against dense per-point float16, the pool\'s dtype on both sides: dense 1.73 MB (points × D × 2 B + .npy header, computed, not written); the map (xyz, rgb, ref a point + pool) 77.6 % of it (1.3× smaller); its refs + pool (the semantic part, 164.2 kB) 9.48 % (11× smaller)')
    // 2D: the pair line names each codec's dtype when both report feature_bytes
    const two = reportMarkdown(run({
      storage2d: { ...stage('mask-indexed', 'storage2d', { bytes: 100, frames: 1, feature_bytes: 2 }), frame_metrics: { f: { bytes: 100 } } },
      dense2d: { ...stage('dense', 'storage2d', { bytes: 10_000, frames: 1, feature_bytes: 2 }), frame_metrics: { f: { bytes: 10_000 } } },
    }))
    expect(two).toContain('- storage2d / dense2d on the same 1 frame: 1.00 % (100× smaller, float16 vs float16)')
  })
})
