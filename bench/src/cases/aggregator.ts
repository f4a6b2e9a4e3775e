import { aggregateMasks, MASK_MEAN_DEFAULTS } from '@plaf/aggregator'
import type { SemanticMemory2D } from '@plaf/core'
import { denseAggregate, denseTensorBytes, type DenseSteps } from '../baselines/dense-aggregate.js'
import type { DenseMemory } from '../baselines/dense-mask-mean.js'
import type { BenchConfig } from '../config.js'
import { memoryShortfall, type BenchEnv } from '../env.js'
import { maskPixels, syntheticGrid, syntheticMasks } from '../fixtures.js'
import { countDiffering, formatBytes, formatDiff, formatMs, formatRatio, maxAbsDiff, type CaseReport, type Cell } from '../report.js'
import { measure, type RunStats } from '../timing.js'

/** The exactness bound the sparse mask mean must meet against the dense path. */
export const AGGREGATOR_TOLERANCE = 1e-5

/** One sparse run: the backend and its stats against the dense result. */
interface SparseResult {
  backend: string
  stats: RunStats
  max_abs_diff_vs_dense: number | null
  id_pixels_differing_from_dense: number | null
  speedup_vs_dense: number | null
}

/** Everything measured at one image size. */
interface SizeResult {
  size: [H: number, W: number]
  masks: number
  mask_pixels: number
  dense_tensor_bytes: number
  sparse: SparseResult[]
  dense: (RunStats & { first_run_steps_ms: DenseSteps }) | { skipped: string }
}

/**
 * `aggregator`: the exact sparse mask mean (`aggregateMasks`, on the chosen tensor backend and on
 * `reference`) against the official dense path run op for op in this process, at each size.
 */
export async function runAggregatorCase(config: BenchConfig, env: BenchEnv): Promise<CaseReport> {
  const started = new Date()
  const t0 = performance.now()
  const c = config.aggregator
  const [gh, gw] = c.grid
  const results: SizeResult[] = []
  const details: string[] = []
  let passed = true
  for (const [si, { H, W, dense: runDense }] of c.sizes.entries()) {
    const tag = `aggregator ${H}×${W}`
    const grid = syntheticGrid(config.seed + si, H, W, gh, gw, c.d)
    const masks = syntheticMasks(config.seed + 100 + si, W, H, c.k)
    // The fast paths run first, so the dense baseline's gigabytes are not being returned to the OS meanwhile.
    const sparseRuns: { label: string; stats: RunStats; out: SemanticMemory2D }[] = []
    for (const { label, backend } of env.backends) {
      const m = await measure<SemanticMemory2D>(c.runsSparse, () => aggregateMasks(grid, masks, MASK_MEAN_DEFAULTS, backend), { warmup: 1 })
      env.progress(`${tag}: sparse on ${label}: median ${formatMs(m.stats.median_ms)} over ${c.runsSparse} run(s)`)
      sparseRuns.push({ label, stats: m.stats, out: m.first })
    }
    let denseOut: DenseMemory | null = null
    let dense: SizeResult['dense']
    const bytes = denseTensorBytes(H, W, c.d)
    // Two dense tensors (upsampled and normalised) plus the largest mask's gather buffer.
    const shortfall = runDense ? memoryShortfall(2.5 * bytes) : `dense baseline at ${H}×${W} runs only with --full`
    if (shortfall === null) {
      env.progress(`${tag}: dense baseline (official op for op), ${c.runsDense} run(s)`)
      const m = await measure(c.runsDense, (sample) => denseAggregate(grid, masks, sample), {
        onRun: (i, ms) => env.progress(`${tag}: dense run ${i + 1}/${c.runsDense} ${formatMs(ms)}`),
      })
      denseOut = m.first
      dense = { ...m.stats, first_run_steps_ms: m.first.steps }
    } else {
      env.progress(`${tag}: dense baseline skipped (${shortfall})`)
      dense = { skipped: shortfall }
    }
    const sparse: SparseResult[] = []
    for (const { label, stats, out } of sparseRuns) {
      const diff = denseOut ? maxAbsDiff(out.features.data, denseOut.features) : null
      const idDiff = denseOut ? countDiffering(out.ids.data, denseOut.ids) : null
      if (diff !== null && !(diff <= AGGREGATOR_TOLERANCE)) {
        passed = false
        details.push(`${tag} ${label}: max abs diff ${diff} exceeds ${AGGREGATOR_TOLERANCE}`)
      }
      if (idDiff) {
        passed = false
        details.push(`${tag} ${label}: ${idDiff} id-map pixels differ from the dense path`)
      }
      sparse.push({
        backend: label,
        stats,
        max_abs_diff_vs_dense: diff,
        id_pixels_differing_from_dense: idDiff,
        speedup_vs_dense: 'median_ms' in dense ? dense.median_ms / stats.median_ms : null,
      })
    }
    if (denseOut) details.push(`${tag}: every sparse result within ${AGGREGATOR_TOLERANCE} of the dense path: ${sparse.every((s) => (s.max_abs_diff_vs_dense ?? 1) <= AGGREGATOR_TOLERANCE)}`)
    results.push({ size: [H, W], masks: masks.masks.length, mask_pixels: maskPixels(masks), dense_tensor_bytes: bytes, sparse, dense })
  }

  const rows: Cell[][] = []
  for (const r of results) {
    const size = `${r.size[0]}×${r.size[1]}`
    if ('median_ms' in r.dense) {
      rows.push([size, 'dense (official, op for op)', 'JS loops', r.dense.runs_ms.length, formatMs(r.dense.median_ms), formatBytes(r.dense.peak_extra.rss_bytes), formatBytes(r.dense.peak_extra.array_buffers_bytes), '0 (baseline)', '1×'])
    } else {
      rows.push([size, 'dense (official, op for op)', '–', 0, 'not run', '–', '–', '–', r.dense.skipped])
    }
    for (const s of r.sparse) {
      rows.push([size, 'sparse aggregateMasks', s.backend, s.stats.runs_ms.length, formatMs(s.stats.median_ms), formatBytes(s.stats.peak_extra.rss_bytes), formatBytes(s.stats.peak_extra.array_buffers_bytes), formatDiff(s.max_abs_diff_vs_dense), formatRatio(s.speedup_vs_dense)])
    }
  }
  return {
    name: 'aggregator',
    started_at: started.toISOString(),
    duration_ms: performance.now() - t0,
    params: { sizes: c.sizes, masks: c.k, feature_dim: c.d, grid: c.grid, runs_sparse: c.runsSparse, runs_dense: c.runsDense, seed: config.seed, tolerance: AGGREGATOR_TOLERANCE },
    measurements: { sizes: results },
    checks: { passed, details },
    official: {
      dense_480x640: 'official Python path, this 2-core CPU: 2–7 s per frame, ~3 GB peak',
      dense_968x1296: 'official Python path: 10–24 s per frame, 11 GB peak',
      sparse_numpy: 'exact sparse aggregator in numpy: 6–37 ms, under 50 MB',
    },
    tables: [{
      title: `aggregator: K = ${c.k} masks, D = ${c.d}, ${gh}×${gw} grid (median of N runs; peak extra memory over the pre-run baseline)`,
      columns: ['size', 'path', 'backend', 'N', 'median', 'peak RSS', 'peak ArrayBuffers', 'max |Δ| vs dense', 'speed-up'],
      rows,
    }],
    notes: [
      'Dense baseline: bilinear upsample (align_corners=False) to H×W×D, per-pixel F.normalize into a second tensor, per-mask gather + mean + normalise, ids painted largest first — as the official fuse_mask_features on CPU.',
      'Peak memory is sampled (timer + inside the dense loops); allocations freed between two samples are missed.',
    ],
  }
}
