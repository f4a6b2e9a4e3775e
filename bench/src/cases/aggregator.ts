import { aggregateMasks, MASK_MEAN_DEFAULTS } from '@plaf/aggregator'
import type { SemanticMemory2D } from '@plaf/core'
import { loadavg } from 'node:os'
import { runNumpySparse } from '../baselines/numpy-sparse.js'
import { ADAPTOR_BENCH, compareAdaptorPlacement, type AdaptorComparison } from './aggregator-adaptor.js'
import { denseAggregate, denseTensorBytes, type DenseSteps } from '../baselines/dense-aggregate.js'
import type { DenseMemory } from '../baselines/dense-mask-mean.js'
import type { BenchConfig } from '../config.js'
import { memoryShortfall, type BenchEnv } from '../env.js'
import { maskPixels, syntheticGrid, syntheticMasks } from '../fixtures.js'
import { countDiffering, formatBytes, formatDiff, formatMs, formatRatio, maxAbsDiff, type CaseReport, type Cell } from '../report.js'
import { measure, median, type RunStats } from '../timing.js'

/** The exactness bound the sparse mask mean must meet against the dense path. */
export const AGGREGATOR_TOLERANCE = 1e-5

/** One sparse run: the backend and its stats against the dense result. */
interface SparseResult {
  backend: string
  stats: RunStats
  max_abs_diff_vs_dense: number | null
  id_pixels_differing_from_dense: number | null
  speedup_vs_dense: number | null
  /** This path's median over the numpy reference's median, same run (< 1: faster than numpy). */
  ratio_to_numpy: number | null
  /** The same ratio per round (the rounds alternate JS and numpy, so load changes hit both). */
  ratio_to_numpy_rounds: number[]
}

/** The exact sparse numpy reference (`bench/python/sparse_mask_mean.py`) at one size. */
type NumpyResult =
  | { runs_ms: number[]; median_ms: number; numpy: string; max_abs_diff_vs_dense: number | null; max_abs_diff_vs_sparse: number; id_pixels_differing_from_sparse: number }
  | { skipped: string }

/** Everything measured at one image size. */
interface SizeResult {
  size: [H: number, W: number]
  masks: number
  mask_pixels: number
  dense_tensor_bytes: number
  sparse: SparseResult[]
  dense: (RunStats & { first_run_steps_ms: DenseSteps }) | { skipped: string }
  numpy_sparse: NumpyResult
  /** 1-minute load average before and after this size (the machine is shared). */
  load_average: [before: number, after: number]
  /** `mask-mean` adaptor: before-average vs after-average (RADIO-shaped head through ONNX), on the chosen backend. */
  adaptor_placement: AdaptorComparison
}

/** Rounds of (every sparse backend, then numpy) per size; medians are over all rounds' runs. */
const ROUNDS = 3

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
    const load0 = loadavg()[0]
    const sparseRuns: { label: string; stats: RunStats; out: SemanticMemory2D; rounds: number[] }[] = []
    let numpyRuns: number[] = []
    const numpyRounds: number[] = []
    let numpyOut: Exclude<ReturnType<typeof runNumpySparse>, string> | null = null
    let numpySkipped: string | null = null
    const rounds = config.mode === 'tiny' ? 1 : ROUNDS
    for (let round = 0; round < rounds; round++) {
      for (const [bi, { label, backend }] of env.backends.entries()) {
        const m = await measure<SemanticMemory2D>(c.runsSparse, () => aggregateMasks(grid, masks, MASK_MEAN_DEFAULTS, backend), { warmup: 1 })
        env.progress(`${tag}: sparse on ${label}, round ${round + 1}/${rounds}: median ${formatMs(m.stats.median_ms)} over ${c.runsSparse} run(s)`)
        const prev = sparseRuns[bi]
        if (!prev) sparseRuns.push({ label, stats: m.stats, out: m.first, rounds: [m.stats.median_ms] })
        else {
          const all = [...prev.stats.runs_ms, ...m.stats.runs_ms]
          prev.stats = {
            runs_ms: all, median_ms: median(all),
            peak_extra: {
              rss_bytes: Math.max(prev.stats.peak_extra.rss_bytes, m.stats.peak_extra.rss_bytes),
              array_buffers_bytes: Math.max(prev.stats.peak_extra.array_buffers_bytes, m.stats.peak_extra.array_buffers_bytes),
              samples: prev.stats.peak_extra.samples + m.stats.peak_extra.samples,
            },
          }
          prev.rounds.push(m.stats.median_ms)
        }
      }
      if (numpySkipped !== null) continue
      const np = runNumpySparse(grid, masks, c.runsSparse, config.tmpDir)
      if (typeof np === 'string') {
        numpySkipped = np
        env.progress(`${tag}: numpy reference skipped (${np})`)
        continue
      }
      env.progress(`${tag}: numpy reference (numpy ${np.numpy}), round ${round + 1}/${rounds}: median ${formatMs(np.median_ms)} over ${c.runsSparse} run(s)`)
      numpyOut ??= np
      numpyRuns = [...numpyRuns, ...np.runs_ms]
      numpyRounds.push(np.median_ms)
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
    const numpyMedian = numpyRuns.length > 0 ? median(numpyRuns) : null
    for (const { label, stats, out, rounds: perRound } of sparseRuns) {
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
        ratio_to_numpy: numpyMedian === null ? null : stats.median_ms / numpyMedian,
        ratio_to_numpy_rounds: numpyRounds.map((n, i) => perRound[i] / n),
      })
    }
    if (denseOut) details.push(`${tag}: every sparse result within ${AGGREGATOR_TOLERANCE} of the dense path: ${sparse.every((s) => (s.max_abs_diff_vs_dense ?? 1) <= AGGREGATOR_TOLERANCE)}`)
    let numpySparse: NumpyResult = { skipped: numpySkipped ?? 'not run' }
    if (numpyOut && numpyMedian !== null) {
      const ref = sparseRuns[sparseRuns.length - 1].out
      numpySparse = {
        runs_ms: numpyRuns, median_ms: numpyMedian, numpy: numpyOut.numpy,
        max_abs_diff_vs_dense: denseOut ? maxAbsDiff(numpyOut.features, denseOut.features) : null,
        max_abs_diff_vs_sparse: maxAbsDiff(numpyOut.features, ref.features.data),
        id_pixels_differing_from_sparse: countDiffering(numpyOut.ids, ref.ids.data),
      }
      if (!(numpySparse.max_abs_diff_vs_sparse <= AGGREGATOR_TOLERANCE) || numpySparse.id_pixels_differing_from_sparse > 0) {
        passed = false
        details.push(`${tag}: the numpy reference disagrees with the sparse path (max abs diff ${numpySparse.max_abs_diff_vs_sparse}, ${numpySparse.id_pixels_differing_from_sparse} id pixels)`)
      }
    }
    // Adaptor placement: the same masks, the grid as RADIO's export hands it out (projected, D) plus its C-wide backbone features.
    const backbone = syntheticGrid(config.seed + 200 + si, H, W, gh, gw, ADAPTOR_BENCH.c)
    const placement = await compareAdaptorPlacement(grid, backbone, masks, env.backends[0], c.runsSparse, rounds, config.seed + 300 + si)
    env.progress(`${tag}: adaptor before-average ${formatMs(placement.before_average.median_ms)}, after-average ${formatMs(placement.after_average.median_ms)} (${placement.ratio_after_to_before.toFixed(2)}×), adaptor on the K means ${formatMs(placement.adaptor_call.median_ms)}`)
    results.push({
      size: [H, W], masks: masks.masks.length, mask_pixels: maskPixels(masks), dense_tensor_bytes: bytes, sparse, dense,
      numpy_sparse: numpySparse, load_average: [load0, loadavg()[0]], adaptor_placement: placement,
    })
  }

  const rows: Cell[][] = []
  for (const r of results) {
    const size = `${r.size[0]}×${r.size[1]}`
    if ('median_ms' in r.dense) {
      rows.push([size, 'dense (official, op for op)', 'JS loops', r.dense.runs_ms.length, formatMs(r.dense.median_ms), formatBytes(r.dense.peak_extra.rss_bytes), formatBytes(r.dense.peak_extra.array_buffers_bytes), '0 (baseline)', '1×', '–'])
    } else {
      rows.push([size, 'dense (official, op for op)', '–', 0, 'not run', '–', '–', '–', r.dense.skipped, '–'])
    }
    const np = r.numpy_sparse
    if ('median_ms' in np) {
      rows.push([size, 'sparse numpy reference', `numpy ${np.numpy}`, np.runs_ms.length, formatMs(np.median_ms), '–', '–', formatDiff(np.max_abs_diff_vs_dense), '–', '1× (reference)'])
    } else {
      rows.push([size, 'sparse numpy reference', '–', 0, 'not run', '–', '–', '–', '–', np.skipped])
    }
    for (const s of r.sparse) {
      const vsNumpy = s.ratio_to_numpy === null ? '–' : `${s.ratio_to_numpy.toFixed(2)}× (rounds ${s.ratio_to_numpy_rounds.map((x) => x.toFixed(2)).join(', ')})`
      rows.push([size, 'sparse aggregateMasks', s.backend, s.stats.runs_ms.length, formatMs(s.stats.median_ms), formatBytes(s.stats.peak_extra.rss_bytes), formatBytes(s.stats.peak_extra.array_buffers_bytes), formatDiff(s.max_abs_diff_vs_dense), formatRatio(s.speedup_vs_dense), vsNumpy])
    }
  }
  return {
    name: 'aggregator',
    started_at: started.toISOString(),
    duration_ms: performance.now() - t0,
    params: { sizes: c.sizes, masks: c.k, feature_dim: c.d, grid: c.grid, runs_sparse: c.runsSparse, runs_dense: c.runsDense, rounds: config.mode === 'tiny' ? 1 : ROUNDS, seed: config.seed, tolerance: AGGREGATOR_TOLERANCE },
    measurements: { sizes: results },
    checks: { passed, details },
    official: {
      dense_480x640: 'official Python path, this 2-core CPU: 2–7 s per frame, ~3 GB peak',
      dense_968x1296: 'official Python path: 10–24 s per frame, 11 GB peak',
      sparse_numpy: 'exact sparse aggregator in numpy: 6–37 ms, under 50 MB',
    },
    tables: [{
      title: `aggregator: K = ${c.k} masks, D = ${c.d}, ${gh}×${gw} grid (median of N runs; peak extra memory over the pre-run baseline)`,
      columns: ['size', 'path', 'backend', 'N', 'median', 'peak RSS', 'peak ArrayBuffers', 'max |Δ| vs dense', 'speed-up', 'time / numpy'],
      rows,
    }, {
      title: `aggregator: mask-mean adaptor placement, K = ${c.k}, backbone C = ${ADAPTOR_BENCH.c} → D = ${c.d} through a RADIO-shaped head (MLP2, hidden ${ADAPTOR_BENCH.hidden}, ${ADAPTOR_BENCH.inner} inner block) in an ONNX session; alternating rounds`,
      columns: ['size', 'backend', 'before-average (official)', 'after-average', 'after / before', 'of which: adaptor on the K means', 'head on all h·w tokens (backbone side)'],
      rows: results.map((r) => {
        const p = r.adaptor_placement
        return [`${r.size[0]}×${r.size[1]}`, p.backend, formatMs(p.before_average.median_ms), formatMs(p.after_average.median_ms),
          `${p.ratio_after_to_before.toFixed(2)}× (rounds ${p.ratio_after_to_before_rounds.map((x) => x.toFixed(2)).join(', ')})`,
          formatMs(p.adaptor_call.median_ms), formatMs(p.adaptor_on_every_token.median_ms)]
      }),
    }],
    notes: [
      'Dense baseline: bilinear upsample (align_corners=False) to H×W×D, per-pixel F.normalize into a second tensor, per-mask gather + mean + normalise, ids painted largest first — as the official fuse_mask_features on CPU.',
      'Peak memory is sampled (timer + inside the dense loops); allocations freed between two samples are missed.',
    ],
  }
}
