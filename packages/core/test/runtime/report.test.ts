import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readReportQueriers, reportMarkdown, type RunReport, type StageReport } from '../../src/runtime/report.js'
import { medianP95, timesSmaller } from '../../src/runtime/report-sections.js'
import { tempDir } from '../../src/testing/index.js'

const stage = (plugin: string, kind: string, metrics: Record<string, number>, frame_metrics: Record<string, Record<string, number>> = {}): StageReport => ({
  plugin, kind, version: '1.0.0', calls: Object.keys(frame_metrics).length || 1, ms_total: 10, ms_mean: 5, cache_hits: 0, cache_misses: 0, peak_rss_mib: 100, metrics, frame_metrics,
})

const frames = ['000000', '000001', '000002', '000003']
const report: RunReport = {
  name: 'demo', run_dir: '/x', complete: true, frames: { total: 5, processed: 4, resumed_from: 0 }, wall_ms: 1000, peak_rss_mib: 200, tensor_backend: 'js (cpu)',
  stages: {
    masker: stage('grid', 'masker', { masks: 40 }, Object.fromEntries(frames.map((f, i) => [f, { masks: [8, 10, 10, 12][i] }]))),
    compact: stage('mask-indexed', 'storage2d', { bytes: 4000, frames: 4, dense_float32_bytes: 4_000_000 }, Object.fromEntries(frames.map((f) => [f, { bytes: 1000 }]))),
    dense: stage('dense', 'storage2d', { bytes: 500_000, frames: 1 }, { '000000': { bytes: 500_000 } }),
    map: stage('index-reference', 'storage3d', { bytes: 2000, points: 10_000, pool_rows: 50, dense_bytes: 40_000 }),
    querier: stage('text', 'querier', {}),
  },
  warnings: { PLAF_FRAME_SKIPPED: 1 },
  notes: [{ code: 'PLAF_FRAME_SKIPPED', severity: 'warning', message: 'frame 000004: pose/000004.txt: not finite; frame skipped', frame: '000004', stage: 'input' }],
}

const dirs: { cleanup(): void }[] = []
afterAll(() => dirs.forEach((d) => d.cleanup()))

describe('report.md', () => {
  it('medianP95: the median (mean of the middle two) and the nearest-rank 95th percentile', () => {
    expect(medianP95([3, 1, 2])).toEqual({ median: 2, p95: 3, min: 1, max: 3 })
    expect(medianP95([4, 1, 3, 2])).toEqual({ median: 2.5, p95: 4, min: 1, max: 4 })
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(medianP95(hundred)).toMatchObject({ median: 50.5, p95: 95 })
  })

  it('timesSmaller: one decimal below 10× (38.8 % is 2.6×, not 3×), whole numbers above', () => {
    expect([timesSmaller(1000, 388), timesSmaller(100, 50), timesSmaller(40_000, 2000), timesSmaller(500, 0)]).toEqual(['2.6× smaller', '2.0× smaller', '20× smaller', '500× smaller'])
  })

  it('tells the run: storage ratios, pool size, hit counts with pictures, skipped frames, per-frame figures, stages', () => {
    const t = tempDir('report')
    dirs.push(t)
    const q = join(t.dir, 'querier')
    mkdirSync(join(q, 'red'), { recursive: true })
    writeFileSync(join(q, 'red', 'contact-sheet.png'), 'png')
    writeFileSync(join(q, 'red.map.png'), 'png') // blue's snapshot is named but missing: left out
    writeFileSync(join(q, 'scores.json'), JSON.stringify({
      mode: 'cosine', threshold: 0.7, frames: 4, timings_ms: {},
      queries: [
        { text: 'red', frames_2d: { masks: 40, masks_above_threshold: 3, pixels: 4000, pixels_above_threshold: 500, best: { frame: '000002', score: 0.93 }, contact_sheet: 'red/contact-sheet.png' },
          map: { points: 10_000, points_above_threshold: 1200, pool_rows: 50, top_pool_rows: [{ row: 3, score: 0.95 }], snapshot: 'red.map.png' } },
        { text: 'blue | sky', frames_2d: null, map: { points: 10_000, points_above_threshold: 0, pool_rows: 50, top_pool_rows: [], snapshot: 'blue.map.png' } },
      ],
    }))
    const md = reportMarkdown(report, readReportQueriers(t.dir, report))
    const sections = md.split('\n').filter((l) => l.startsWith('## '))
    expect(sections).toEqual(['## Storage', '## Queries (querier: text, cosine, selected at cosine ≥ 0.7)', '## Skipped frames', '## Per-frame figures', '## Stages'])
    expect(md).toContain('| compact | mask-indexed 1.0.0 | 4 | 4.0 kB | 1.0 kB | 0.100 % |')
    expect(md).toContain('- compact / dense on the same 1 frame: 0.200 % (500× smaller)')
    expect(md).toContain('- 3D map (map, index-reference 1.0.0): 10,000 points, pool of 50 rows (200 points per row), 2.0 kB; dense per-point float32 baseline 40.0 kB (points × D × 4 B + .npy header, computed, not written): 5.00 % of it (20× smaller)')
    expect(md).toContain('| red | 1,200 of 10,000 (12.0 %) | 0.95 | 3 of 40 | 12.5 % | 0.93 (000002) |')
    expect(md).toContain('| blue \\| sky | 0 of 10,000 (0.00 %) | - | - | - | - |')
    expect(md).toContain('![contact sheet of "red"](querier/red/contact-sheet.png)')
    expect(md).toContain('![3D map scored for "red"](querier/red.map.png)')
    expect(md).not.toContain('blue.map.png')
    expect(md).toContain('- 1 of 5 input frames were not processed')
    expect(md).toContain('- frame 000004 (input): frame 000004: pose/000004.txt: not finite; frame skipped `PLAF_FRAME_SKIPPED`')
    expect(md).toContain('| masker | masks | 4 | 10 | 12 | 8 | 12 |')
    expect(md).toContain('| masker | grid 1.0.0 | 4 | 10.0 | 5.0 |  | 0/0 | 100 | masks=40 |') // no own ms: a report written before own_ms_mean existed
  })

  it('says so when no frame was skipped, and leaves out sections it has nothing for', () => {
    const clean: RunReport = { ...report, frames: { total: 4, processed: 4, resumed_from: 0 }, notes: [], warnings: {}, stages: { masker: report.stages.masker } }
    const md = reportMarkdown(clean)
    expect(md.split('\n').filter((l) => l.startsWith('## '))).toEqual(['## Skipped frames', '## Per-frame figures', '## Stages'])
    expect(md).toContain('none: every frame went through every stage without a warning')
  })
})
