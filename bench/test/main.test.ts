import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { QUERY_PROTOCOL } from '../src/cases/query3d.js'
import { BENCH_EXIT, main, type BenchIo } from '../src/main.js'
import { median, SETTLE_AFTER_GC_MS } from '../src/timing.js'

const root = mkdtempSync(join(tmpdir(), 'plaf-bench-test-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function captureIo(): BenchIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (l) => void stdout.push(l), err: (l) => void stderr.push(l) }
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'))

describe('main --tiny', () => {
  const out = join(root, 'results')
  const scratch = join(root, 'scratch')
  const io = captureIo()
  const run = main(['--tiny', '--out', out, '--tmp', scratch], io)

  it('runs every case end to end and exits 0', async () => {
    // On failure, the message carries every check line the run printed, so CI logs say which one failed.
    expect(await run, [...io.stdout, ...io.stderr].filter((l) => /check/i.test(l)).join('\n')).toBe(BENCH_EXIT.ok)
    expect(readdirSync(out).sort()).toEqual(['aggregator.json', 'backbone.json', 'data.json', 'fusion.json', 'latest.json', 'masker.json', 'query3d.json', 'storage.json', 'stream.json'])
    // The storage and backbone cases removed every file they wrote.
    expect(readdirSync(scratch)).toEqual([])
  })

  it('writes latest.json with the machine, the backend chosen and every case', async () => {
    await run
    const latest = readJson(join(out, 'latest.json'))
    expect(latest).toMatchObject({ format: 'plaf-bench', version: 1, mode: 'tiny', checks_passed: true })
    expect(latest.machine.node).toBe(process.version)
    expect(latest.machine.cores).toBeGreaterThanOrEqual(1)
    expect(typeof latest.machine.cpu_model).toBe('string')
    expect(latest.machine.tensor_backend_choices.some((c: { status: string }) => c.status === 'chosen')).toBe(true)
    expect(Object.keys(latest.cases)).toEqual(['aggregator', 'query3d', 'storage', 'backbone', 'data', 'masker', 'fusion', 'stream'])
  })

  it('aggregator.json: sparse within 1e-5 of the dense baseline, with timings, memory and a speed-up', async () => {
    await run
    const agg = readJson(join(out, 'aggregator.json'))
    expect(agg.machine.tensor_backend).toBeTruthy()
    expect(agg.checks.passed).toBe(true)
    const size = agg.measurements.sizes[0]
    expect(size.size).toEqual([24, 32])
    expect(size.dense.median_ms).toBeGreaterThan(0)
    expect(Object.keys(size.dense.first_run_steps_ms)).toEqual(['upsample_ms', 'normalize_ms', 'mask_mean_ms'])
    expect(size.sparse.map((s: { backend: string }) => s.backend)).toContain('reference')
    for (const s of size.sparse) {
      expect(s.max_abs_diff_vs_dense).toBeLessThanOrEqual(1e-5)
      expect(s.id_pixels_differing_from_dense).toBe(0)
      expect(s.stats.runs_ms).toHaveLength(2)
      expect(s.speedup_vs_dense).toBeGreaterThan(0)
      expect(s.stats.peak_extra).toHaveProperty('rss_bytes')
    }
    // Dense row, numpy reference row (run or skipped), one row per sparse backend.
    expect(agg.tables[0].rows.length).toBe(2 + size.sparse.length)
    // mask-mean adaptor placement: both paths timed in the same rounds, the ratio their medians' ratio
    const p = size.adaptor_placement
    expect(p.adaptor).toMatchObject({ c: 768, d: 16 })
    expect(p.before_average.runs_ms).toHaveLength(2)
    expect(p.after_average.runs_ms).toHaveLength(2)
    expect(p.adaptor_call.median_ms).toBeGreaterThan(0)
    expect(p.ratio_after_to_before).toBeCloseTo(p.after_average.median_ms / p.before_average.median_ms, 9)
    expect(agg.tables[1].rows).toHaveLength(1)
    expect(size.load_average).toHaveLength(2)
    const np = size.numpy_sparse
    if ('skipped' in np) {
      expect(np.skipped).toMatch(/numpy/)
    } else {
      expect(np.max_abs_diff_vs_dense).toBeLessThanOrEqual(1e-5)
      expect(np.max_abs_diff_vs_sparse).toBeLessThanOrEqual(1e-5)
      expect(np.id_pixels_differing_from_sparse).toBe(0)
      expect(np.runs_ms).toHaveLength(2)
      for (const s of size.sparse) {
        expect(s.ratio_to_numpy).toBeCloseTo(s.stats.median_ms / np.median_ms, 9)
        expect(s.ratio_to_numpy_rounds).toHaveLength(1)
      }
    }
  })

  it('query3d.json: pool + gather against both dense variants', async () => {
    await run
    const q = readJson(join(out, 'query3d.json'))
    expect(q.params).toMatchObject({ points: 3000, pool_rows: 40, feature_dim: 16 })
    expect(q.measurements.dense.map((x: { variant: string }) => x.variant)).toEqual(['official', 'product-only'])
    for (const p of q.measurements.plaf) {
      expect(p.max_abs_diff_vs_dense).toBeLessThanOrEqual(1e-5)
      expect(p.held_bytes).toBe(40 * 16 * 4 + 3000 * 4)
      expect(p.speedup_vs_dense_official).toBeGreaterThan(0)
    }
    expect(q.measurements.dense[0].held_bytes).toBe(3000 * 16 * 4)
    // The prepared path raced against numpy (same N, M, Q), and the goal stated for 1 M points.
    expect(q.params).toMatchObject({ queries: 1, rounds: 1 })
    for (const p of q.measurements.plaf_prepared) {
      expect(p.max_abs_diff_vs_dense).toBeLessThanOrEqual(1e-5)
      expect(p.stats.runs_ms).toHaveLength(2)
      expect(p.prepare_ms).toBeGreaterThanOrEqual(0)
    }
    // both regimes on both sides: settled runs (the goal's ratio) and back to back
    expect(q.params.protocol).toEqual(QUERY_PROTOCOL)
    const head = q.measurements.plaf_prepared[0]
    expect(head.back_to_back.runs_ms).toHaveLength(2)
    expect(head.back_to_back.median_ms).toBe(median(head.back_to_back.runs_ms))
    expect(q.summary).toMatchObject({ median_ms: head.stats.median_ms, back_to_back_median_ms: head.back_to_back.median_ms })
    const np = q.measurements.numpy_pool_gather
    if ('runs_ms' in np) {
      expect(np.max_abs_diff_vs_plaf).toBeLessThanOrEqual(1e-5)
      expect(head.ratio_to_numpy).toBeCloseTo(head.stats.median_ms / np.median_ms, 9)
      expect(q.summary.numpy_median_ms).toBe(np.median_ms)
      expect(np.back_to_back.runs_ms).toHaveLength(2)
      expect(q.summary.numpy_back_to_back_median_ms).toBe(np.back_to_back.median_ms)
      expect(head.back_to_back.ratio_to_numpy).toBeCloseTo(head.back_to_back.median_ms / np.back_to_back.median_ms, 9)
      expect(q.measurements.goal.ratio_to_numpy_back_to_back).toBe(head.back_to_back.ratio_to_numpy)
      // each settled numpy run waited at least one quiet window
      expect(np.settle_ms.median).toBeGreaterThanOrEqual(SETTLE_AFTER_GC_MS - 1)
    }
    expect(q.measurements.goal).toMatchObject({ points: 1_000_000, max_ms: 10, applies: false, median_ms: q.measurements.plaf_prepared[0].stats.median_ms })
  })

  it('storage.json: measured bytes next to the paper figures', async () => {
    await run
    const s = readJson(join(out, 'storage.json'))
    const [measured, computed] = s.measurements.two_d
    expect(measured.dense_float32).toMatchObject({ how: 'measured', bytes: 24 * 32 * 16 * 4 + 128 })
    expect(measured.mask_indexed_float32.how).toBe('measured')
    expect(measured.mask_indexed_float16.bytes).toBeLessThan(measured.mask_indexed_float32.bytes)
    expect(measured.paper.eq4_dense_bytes).toBe(24 * 32 * 16 * 4)
    expect(computed.dense_float32.how).toMatch(/^computed/)
    // One 3D entry per pool size (the quick config's M = 40 is below 1,000: one entry); uint16 refs.
    const [three, ...more] = s.measurements.three_d
    expect(more).toEqual([])
    expect(three).toMatchObject({ points: 3000, pool_rows: 40 })
    expect(three.dense_per_point_float32).toMatchObject({ how: 'measured', bytes: 3000 * 16 * 4 + 128 })
    expect(three.index_reference_float32.semantic_bytes).toBe(three.index_reference_float32.pool_bytes + 3000 * 2)
    expect(three.index_reference_int8.pool_bytes).toBe(128 + 40 * 16 + 128 + 40 * 4)
    expect(three.ratio_semantic_int8_to_dense).toBe(three.index_reference_int8.semantic_bytes / (3000 * 16 * 4 + 128))
    expect(three.index_reference_int8_deflate.semantic_bytes).toBe(three.index_reference_int8.pool_bytes + three.index_reference_int8_deflate.ref_bytes)
    expect(three.index_reference_int8_deflate.ref_bytes).toBeLessThan(3000 * 2 / 10)
    expect(three.paper.eq7_dense_bytes).toBe(3000 * 16 * 4)
  })

  it('masker.json: a summary entry per grid with the contract\'s names, steps that add up to the time outside the networks', async () => {
    await run
    const m = readJson(join(out, 'masker.json'))
    expect(m.summary.map((s: { points_per_side: number }) => s.points_per_side)).toEqual([2, 4])
    for (const s of m.summary) {
      expect(Object.keys(s).sort()).toEqual(['decoder_ms', 'encoder_ms', 'peak_extra_mb', 'points_per_side', 'postprocess_ms'])
      expect(s.encoder_ms).toBeGreaterThan(0)
      expect(s.decoder_ms).toBeGreaterThan(0)
      expect(s.peak_extra_mb).toBeGreaterThan(0)
    }
    expect(m.params.encoder.output).toEqual([1, 16, 4, 4])
    for (const g of m.measurements.grids) {
      expect(g.runs_ms).toHaveLength(2)
      expect(g.masks_out).toBeGreaterThan(0)
      expect(Object.keys(g.steps_ms)).toEqual(['upsample', 'filter', 'nms', 'postprocess', 'output', 'other'])
    }
  })

  it('fusion.json: pool rows vs masks seen, agreement with the unfused map, peak RSS at two frame counts', async () => {
    await run
    const f = readJson(join(out, 'fusion.json'))
    expect(f.checks.passed).toBe(true)
    const [scene] = f.measurements.scenes
    expect(scene.frames).toBe(6)
    expect(scene.unfused.fusion).toBe('none')
    expect(scene.fused.fusion).toBe('voxel-overlap')
    expect(scene.fused.points).toBe(scene.unfused.points)
    expect(scene.masks_seen).toBeGreaterThan(0)
    expect(scene.pool_rows_fused).toBeLessThanOrEqual(scene.pool_rows_unfused)
    expect(scene.reduction_vs_masks).toBeCloseTo(scene.masks_seen / scene.pool_rows_fused, 9)
    expect(scene.argmax_agreement).toBeGreaterThan(0)
    expect(scene.argmax_agreement).toBeLessThanOrEqual(1)
    const rss = f.measurements.rss
    expect([rss.frames_small, rss.frames_large]).toEqual([3, 6])
    expect(rss.peak_rss_mib_small).toBeGreaterThan(0)
    expect(rss.growth_mib).toBeCloseTo(rss.peak_rss_mib_large - rss.peak_rss_mib_small, 9)
    expect(typeof f.measurements.goals.rss_growth_beyond_map_le_10_percent).toBe('boolean')
    expect(Object.keys(f.summary)).toEqual(['min_argmax_agreement', 'mean_argmax_agreement', 'min_reduction_vs_masks', 'peak_rss_mib_small', 'peak_rss_mib_large', 'growth_beyond_map_ratio'])
  })

  it('stream.json: peak RSS of the whole pipeline at two frame counts, the map\'s own growth apart', async () => {
    await run
    const s = readJson(join(out, 'stream.json'))
    expect(s.checks.passed).toBe(true)
    const m = s.measurements
    expect([m.small.frames, m.large.frames]).toEqual([3, 6])
    expect(m.small.peak_rss_mib).toBeGreaterThan(0)
    expect(m.large.points).toBeGreaterThanOrEqual(m.small.points)
    expect(m.large.bytes_2d).toBeGreaterThan(m.small.bytes_2d)
    expect(m.growth_mib).toBeCloseTo(m.large.peak_rss_mib - m.small.peak_rss_mib, 9)
    expect(m.map_growth_mib).toBeGreaterThanOrEqual(0)
    expect(m.growth_beyond_map_ratio).toBeCloseTo((m.growth_mib - m.map_growth_mib) / m.small.peak_rss_mib, 9)
    expect(typeof m.goals.rss_growth_beyond_map_le_10_percent).toBe('boolean')
  })

  it('prints the tables on stdout and progress on stderr', async () => {
    await run
    expect(io.stdout.join('\n')).toContain('| size')
    expect(io.stderr.every((l) => l.startsWith('[bench] '))).toBe(true)
  })
})

describe('main with --only and mistakes', () => {
  it('--only storage writes only that case and the combined file (a .json --out)', async () => {
    const dir = join(root, 'only')
    const code = await main(['--tiny', '--only', 'storage', '--out', join(dir, 'all.json'), '--tmp', join(root, 'scratch2')], captureIo())
    expect(code).toBe(BENCH_EXIT.ok)
    expect(readdirSync(dir).sort()).toEqual(['all.json', 'storage.json'])
    expect(Object.keys(readJson(join(dir, 'all.json')).cases)).toEqual(['storage'])
  })

  it('--only query3d --points --pool-rows --queries: Q texts over N points, every path (numpy too) within 1e-5', async () => {
    const dir = join(root, 'query3d-q')
    const code = await main(['--tiny', '--only', 'query3d', '--points', '2000', '--pool-rows', '30', '--queries', '3', '--out', dir, '--tmp', join(root, 'scratch3')], captureIo())
    expect(code).toBe(BENCH_EXIT.ok)
    const q = readJson(join(dir, 'query3d.json'))
    expect(q.params).toMatchObject({ points: 2000, pool_rows: 30, queries: 3 })
    expect(q.checks.passed).toBe(true)
    for (const p of [...q.measurements.plaf, ...q.measurements.plaf_prepared]) expect(p.max_abs_diff_vs_dense).toBeLessThanOrEqual(1e-5)
    const np = q.measurements.numpy_pool_gather
    if ('runs_ms' in np) expect(np.max_abs_diff_vs_plaf).toBeLessThanOrEqual(1e-5)
    expect(q.tables[0].title).toContain('3 text queries, N = 2000 points, M = 30 pool rows')
  })

  it('a bad flag exits 1 with the usage and writes nothing', async () => {
    const io = captureIo()
    const dir = join(root, 'bad')
    expect(await main(['--tiny', '--out', dir, '--only', 'nope'], io)).toBe(BENCH_EXIT.usage)
    expect(io.stderr.join('\n')).toContain('unknown case "nope"')
    expect(io.stderr.join('\n')).toContain('usage: npm run bench')
    expect(existsSync(dir)).toBe(false)
  })

  it('--help prints the usage and exits 0', async () => {
    const io = captureIo()
    expect(await main(['--help'], io)).toBe(BENCH_EXIT.ok)
    expect(io.stdout[0]).toContain('--quick')
  })
})
