import { loadavg } from 'node:os'
import { prepareMap, scoreMap, type MapScores } from '@plaf/query'
import { densePointFeatures, denseQuery, type DenseQueryResult } from '../baselines/dense-query.js'
import { runNumpyQuery } from '../baselines/numpy-query.js'
import type { BenchConfig } from '../config.js'
import { memoryShortfall, type BenchEnv } from '../env.js'
import { syntheticMap, syntheticTexts } from '../fixtures.js'
import { collectGarbage } from '../memory.js'
import { formatBytes, formatDiff, formatMs, formatRatio, maxAbsDiff, type CaseReport, type Cell } from '../report.js'
import { measure, median, type RunStats } from '../timing.js'

/** The bound on |PLAF score − dense score| per point. */
export const QUERY_TOLERANCE = 1e-5

/** The speed goal (issue 22), stated for 1 M points: at most 10 ms, ≥ 500× the official dense path, no slower than numpy. */
export const QUERY_GOAL = { points: 1_000_000, max_ms: 10, min_speedup_vs_official: 500, max_ratio_to_numpy: 1 } as const

/** The prepared path on one backend: pool norms once per map, then per query product + gather. */
interface PreparedResult {
  backend: string
  /** prepareMap (pool row norms), once per map, ms. */
  prepare_ms: number
  stats: RunStats
  /** This backend's median per round over numpy's median in the same round (rounds alternate, so load hits both). */
  ratio_to_numpy_rounds: number[]
  ratio_to_numpy: number | null
  max_abs_diff_vs_dense: number | null
  speedup_vs_dense_official: number | null
}

/** The numpy pool-plus-gather reference, or why it did not run. */
type NumpyResult = { skipped: string } | { runs_ms: number[]; median_ms: number; prepare_ms: number; numpy: string; max_abs_diff_vs_plaf: number }

interface PlafResult {
  backend: string
  stats: RunStats
  /** Pool product and gather of the first run (ms). */
  first_run: { pool_ms: number; gather_ms: number }
  /** The pool and the refs: what must stay resident to answer queries. */
  held_bytes: number
  max_abs_diff_vs_dense: number | null
  speedup_vs_dense_official: number | null
  speedup_vs_dense_product: number | null
}

interface DenseResult {
  variant: 'official' | 'product-only'
  backend: string
  stats: RunStats
  first_run: { normalize_ms: number; product_ms: number }
  /** The N×D per-point features (the normalised copy of the official variant comes on top, in peak_extra). */
  held_bytes: number
}

/**
 * `query3d`: one text query over N points. PLAF scores the M pool rows and gathers per point
 * (`scoreMap` from @plaf/query); the baselines hold N×D per-point features as the official
 * script does, and compute F.normalize + product (official) or the product alone.
 */
export async function runQuery3dCase(config: BenchConfig, env: BenchEnv): Promise<CaseReport> {
  const started = new Date()
  const t0 = performance.now()
  const { n, m, d, q, runsPlaf, runsDense } = config.query3d
  const tag = `query3d N=${n} M=${m} Q=${q}`
  const map = syntheticMap(config.seed + 200, n, m, d)
  const texts = syntheticTexts(config.seed + 201, q, d)
  const details: string[] = []
  let passed = true

  const plafScores: Float32Array[] = []
  const plaf: Omit<PlafResult, 'max_abs_diff_vs_dense' | 'speedup_vs_dense_official' | 'speedup_vs_dense_product'>[] = []
  for (const { label, backend } of env.backends) {
    const r = await measure<MapScores>(runsPlaf, () => scoreMap(map, texts, backend), { warmup: 1 })
    env.progress(`${tag}: pool + gather on ${label}: median ${formatMs(r.stats.median_ms)} over ${runsPlaf} run(s)`)
    plafScores.push(r.first.points)
    plaf.push({ backend: label, stats: r.stats, first_run: { pool_ms: r.first.timings.poolMs, gather_ms: r.first.timings.gatherMs }, held_bytes: m * d * 4 + n * 4 })
  }

  const dense: DenseResult[] = []
  let denseScores: Float32Array | null = null
  const featureBytes = n * d * 4
  const shortfall = memoryShortfall(2 * featureBytes)
  if (shortfall === null) {
    env.progress(`${tag}: building the dense N×D per-point features (${formatBytes(featureBytes)}, setup, not timed)`)
    let features: Float32Array | null = densePointFeatures(map)
    const { label, backend } = env.backends[0]
    for (const variant of ['official', 'product-only'] as const) {
      const feats = features
      // One text per call, as the official script queries; Q texts are Q calls.
      const r = await measure<DenseQueryResult>(runsDense, (sample) => denseQueries(feats, n, d, texts.data, q, backend, variant === 'official', sample),
        { onRun: (i, ms) => env.progress(`${tag}: dense ${variant} run ${i + 1}/${runsDense} ${formatMs(ms)}`) })
      if (variant === 'official') denseScores = r.first.scores
      dense.push({ variant, backend: label, stats: r.stats, first_run: { normalize_ms: r.first.normalize_ms, product_ms: r.first.product_ms }, held_bytes: featureBytes })
    }
    features = null
    collectGarbage()
  } else {
    env.progress(`${tag}: dense baseline skipped (${shortfall})`)
    details.push(`dense baseline skipped: ${shortfall}`)
  }

  const official = dense.find((x) => x.variant === 'official')
  const product = dense.find((x) => x.variant === 'product-only')
  const plafResults: PlafResult[] = plaf.map((p, i) => {
    const diff = denseScores ? maxAbsDiff(plafScores[i], denseScores) : null
    if (diff !== null && !(diff <= QUERY_TOLERANCE)) {
      passed = false
      details.push(`${p.backend}: max abs diff ${diff} to the dense scores exceeds ${QUERY_TOLERANCE}`)
    }
    return {
      ...p,
      max_abs_diff_vs_dense: diff,
      speedup_vs_dense_official: official ? official.stats.median_ms / p.stats.median_ms : null,
      speedup_vs_dense_product: product ? product.stats.median_ms / p.stats.median_ms : null,
    }
  })
  if (denseScores) details.push(`every pool + gather result within ${QUERY_TOLERANCE} of the dense scores: ${passed}`)

  // The prepared path (pool norms once per map) raced against numpy in alternating rounds.
  const rounds = config.mode === 'tiny' ? 1 : 3
  const load0 = loadavg()[0]
  const prepared = env.backends.map(({ label }) => ({ label, prepare_ms: 0, runs: [] as number[], rounds: [] as number[], peak: null as RunStats['peak_extra'] | null, first: null as Float32Array | null }))
  let numpyRuns: number[] = []
  const numpyRounds: number[] = []
  let numpyFirst: Float32Array | null = null
  let numpyMeta: { prepare_ms: number; numpy: string } | null = null
  let numpySkipped: string | null = null
  for (let round = 0; round < rounds; round++) {
    for (const [i, { label, backend }] of env.backends.entries()) {
      const p = prepared[i]
      const t1 = performance.now()
      const prep = prepareMap(map)
      p.prepare_ms = performance.now() - t1
      const r = await measure<MapScores>(runsPlaf, () => scoreMap(map, texts, backend, prep), { warmup: 1 })
      env.progress(`${tag}: prepared pool + gather on ${label}, round ${round + 1}/${rounds}: median ${formatMs(r.stats.median_ms)} over ${runsPlaf} run(s)`)
      p.runs.push(...r.stats.runs_ms)
      p.rounds.push(r.stats.median_ms)
      p.peak = p.peak ? { rss_bytes: Math.max(p.peak.rss_bytes, r.stats.peak_extra.rss_bytes), array_buffers_bytes: Math.max(p.peak.array_buffers_bytes, r.stats.peak_extra.array_buffers_bytes), samples: p.peak.samples + r.stats.peak_extra.samples } : r.stats.peak_extra
      p.first ??= r.first.points
    }
    if (numpySkipped !== null) continue
    const np = runNumpyQuery(map, texts, runsPlaf, config.tmpDir)
    if (typeof np === 'string') {
      numpySkipped = np
      env.progress(`${tag}: numpy reference skipped (${np})`)
      continue
    }
    env.progress(`${tag}: numpy pool + gather (numpy ${np.numpy}), round ${round + 1}/${rounds}: median ${formatMs(np.median_ms)} over ${runsPlaf} run(s)`)
    numpyRuns = [...numpyRuns, ...np.runs_ms]
    numpyRounds.push(np.median_ms)
    numpyFirst ??= np.points
    numpyMeta ??= { prepare_ms: np.prepare_ms, numpy: np.numpy }
  }
  const numpyMedian = numpyRuns.length ? median(numpyRuns) : null
  const preparedResults: PreparedResult[] = prepared.map((p) => {
    const stats: RunStats = { runs_ms: p.runs, median_ms: median(p.runs), peak_extra: p.peak! }
    const diff = denseScores ? maxAbsDiff(p.first!, denseScores) : null
    if (diff !== null && !(diff <= QUERY_TOLERANCE)) {
      passed = false
      details.push(`${p.label} (prepared): max abs diff ${diff} to the dense scores exceeds ${QUERY_TOLERANCE}`)
    }
    return {
      backend: p.label, prepare_ms: p.prepare_ms, stats,
      ratio_to_numpy_rounds: numpyRounds.length === p.rounds.length ? p.rounds.map((x, i) => x / numpyRounds[i]) : [],
      ratio_to_numpy: numpyMedian === null ? null : stats.median_ms / numpyMedian,
      max_abs_diff_vs_dense: diff,
      speedup_vs_dense_official: official ? official.stats.median_ms / stats.median_ms : null,
    }
  })
  let numpyResult: NumpyResult = { skipped: numpySkipped ?? 'not run' }
  if (numpyFirst && numpyMeta && numpyMedian !== null) {
    const diff = maxAbsDiff(numpyFirst, prepared[0].first!)
    numpyResult = { runs_ms: numpyRuns, median_ms: numpyMedian, ...numpyMeta, max_abs_diff_vs_plaf: diff }
    if (!(diff <= QUERY_TOLERANCE)) {
      passed = false
      details.push(`numpy pool + gather differs from PLAF by ${diff} (> ${QUERY_TOLERANCE})`)
    }
  }
  const head = preparedResults[0]
  const goal = {
    ...QUERY_GOAL,
    applies: n === QUERY_GOAL.points,
    backend: head.backend,
    median_ms: head.stats.median_ms,
    within_max_ms: head.stats.median_ms <= QUERY_GOAL.max_ms,
    speedup_vs_dense_official: head.speedup_vs_dense_official,
    at_least_min_speedup: head.speedup_vs_dense_official === null ? null : head.speedup_vs_dense_official >= QUERY_GOAL.min_speedup_vs_official,
    ratio_to_numpy: head.ratio_to_numpy,
    no_slower_than_numpy: head.ratio_to_numpy === null ? null : head.ratio_to_numpy <= QUERY_GOAL.max_ratio_to_numpy,
  }
  details.push(`goal (${goal.applies ? 'stated for these sizes' : `stated for ${QUERY_GOAL.points.toLocaleString('en-US')} points, shown for information`}): ` +
    `${formatMs(goal.median_ms)} ≤ ${QUERY_GOAL.max_ms} ms: ${goal.within_max_ms}; ≥ ${QUERY_GOAL.min_speedup_vs_official}× official: ${goal.at_least_min_speedup ?? 'not measured'}; ` +
    `no slower than numpy: ${goal.no_slower_than_numpy ?? 'not measured'}`)

  const rows: Cell[][] = [
    ...dense.map((x): Cell[] => [
      x.variant === 'official' ? 'dense, F.normalize + product (official)' : 'dense, product only', x.backend, x.stats.runs_ms.length,
      formatMs(x.stats.median_ms), formatBytes(x.held_bytes), formatBytes(x.stats.peak_extra.array_buffers_bytes), formatBytes(x.stats.peak_extra.rss_bytes), '0 (baseline)', '–',
    ]),
    ...plafResults.map((p): Cell[] => [
      'pool scoring + gather (scoreMap, norms each query)', p.backend, p.stats.runs_ms.length, formatMs(p.stats.median_ms), formatBytes(p.held_bytes),
      formatBytes(p.stats.peak_extra.array_buffers_bytes), formatBytes(p.stats.peak_extra.rss_bytes), formatDiff(p.max_abs_diff_vs_dense),
      `${formatRatio(p.speedup_vs_dense_official)} / ${formatRatio(p.speedup_vs_dense_product)}`,
    ]),
    ...preparedResults.map((p): Cell[] => [
      `prepared map (norms once: ${formatMs(p.prepare_ms)}) + pool scoring + gather`, p.backend, p.stats.runs_ms.length, formatMs(p.stats.median_ms), formatBytes(m * d * 4 + n * 4 + m * 8),
      formatBytes(p.stats.peak_extra.array_buffers_bytes), formatBytes(p.stats.peak_extra.rss_bytes), formatDiff(p.max_abs_diff_vs_dense),
      `${formatRatio(p.speedup_vs_dense_official)} / –`,
    ]),
    ...('runs_ms' in numpyResult ? [[
      `numpy ${numpyResult.numpy} pool + gather (norms once: ${formatMs(numpyResult.prepare_ms)})`, 'numpy', numpyResult.runs_ms.length, formatMs(numpyResult.median_ms), formatBytes(m * d * 4 + n * 8 + m * 4),
      '–', '–', `${formatDiff(numpyResult.max_abs_diff_vs_plaf)} vs PLAF`, official ? `${formatRatio(official.stats.median_ms / numpyResult.median_ms)} / –` : '–',
    ] as Cell[]] : []),
  ]
  return {
    name: 'query3d',
    started_at: started.toISOString(),
    duration_ms: performance.now() - t0,
    params: { points: n, pool_rows: m, feature_dim: d, queries: q, runs_plaf: runsPlaf, runs_dense: runsDense, rounds, seed: config.seed, tolerance: QUERY_TOLERANCE },
    summary: { median_ms: head.stats.median_ms, ...(numpyMedian === null ? {} : { numpy_median_ms: numpyMedian }), ...(official ? { dense_official_median_ms: official.stats.median_ms } : {}) },
    measurements: { plaf: plafResults, plaf_prepared: preparedResults, numpy_pool_gather: numpyResult, dense, dense_skipped: shortfall, goal,
      /** 1-minute load average before and after the prepared-vs-numpy rounds (a shared machine). */
      load_average: [load0, loadavg()[0]] },
    checks: { passed, details },
    official: {
      dense_query_1M: 'official Python path, this 2-core CPU: 3D text query on 1M points with dense per-point features 7.1 s and 9 GB',
      pool_gather_numpy: 'pool + gather query on 1M points in numpy: 5–13 ms',
    },
    tables: [{
      title: `query3d: ${q} text quer${q === 1 ? 'y' : 'ies'}, N = ${n} points, M = ${m} pool rows, D = ${d} (median of N runs)`,
      columns: ['path', 'backend', 'N', 'median', 'held', 'peak ArrayBuffers', 'peak RSS', 'max |Δ| vs dense', 'speed-up (official / product-only)'],
      rows,
    }],
    notes: [
      '"held" is what must stay resident to answer a query: N×D float32 per-point features (dense) vs the M×D pool and N uint32 refs (PLAF).',
      'Peak memory is measured during the query only; the held representation was allocated before the baseline was taken.',
      'Prepared: the pool rows\' norms are computed once per map (prepareMap; numpy: the same plus refs as intp), as a map is loaded once and queried many times; the time is shown, not in the median. Rounds alternate PLAF and numpy so machine load hits both.',
    ],
  }
}

/** The official script's dense path for Q texts: one call per text (each normalising N×D when `normalize`), scores Q×N. */
async function denseQueries(features: Float32Array, n: number, d: number, texts: Float32Array, q: number, backend: Parameters<typeof denseQuery>[4], normalize: boolean, sample: () => void): Promise<DenseQueryResult> {
  const scores = new Float32Array(q * n)
  let normalizeMs = 0
  let productMs = 0
  for (let i = 0; i < q; i++) {
    const r = await denseQuery(features, n, d, texts.subarray(i * d, i * d + d), backend, { normalize, onStep: sample })
    scores.set(r.scores, i * n)
    normalizeMs += r.normalize_ms
    productMs += r.product_ms
  }
  return { scores, normalize_ms: normalizeMs, product_ms: productMs }
}
