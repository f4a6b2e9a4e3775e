import { scoreMap, type MapScores } from '@plaf/query'
import { densePointFeatures, denseQuery, type DenseQueryResult } from '../baselines/dense-query.js'
import type { BenchConfig } from '../config.js'
import { memoryShortfall, type BenchEnv } from '../env.js'
import { syntheticMap, syntheticTexts } from '../fixtures.js'
import { collectGarbage } from '../memory.js'
import { formatBytes, formatDiff, formatMs, formatRatio, maxAbsDiff, type CaseReport, type Cell } from '../report.js'
import { measure, type RunStats } from '../timing.js'

/** The bound on |PLAF score − dense score| per point. */
export const QUERY_TOLERANCE = 1e-5

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
  const { n, m, d, runsPlaf, runsDense } = config.query3d
  const tag = `query3d N=${n}`
  const map = syntheticMap(config.seed + 200, n, m, d)
  const texts = syntheticTexts(config.seed + 201, 1, d)
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
      const r = await measure<DenseQueryResult>(runsDense, (sample) => denseQuery(feats, n, d, texts.data, backend, { normalize: variant === 'official', onStep: sample }),
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

  const rows: Cell[][] = [
    ...dense.map((x): Cell[] => [
      x.variant === 'official' ? 'dense, F.normalize + product (official)' : 'dense, product only', x.backend, x.stats.runs_ms.length,
      formatMs(x.stats.median_ms), formatBytes(x.held_bytes), formatBytes(x.stats.peak_extra.array_buffers_bytes), formatBytes(x.stats.peak_extra.rss_bytes), '0 (baseline)', '–',
    ]),
    ...plafResults.map((p): Cell[] => [
      'pool scoring + gather (scoreMap)', p.backend, p.stats.runs_ms.length, formatMs(p.stats.median_ms), formatBytes(p.held_bytes),
      formatBytes(p.stats.peak_extra.array_buffers_bytes), formatBytes(p.stats.peak_extra.rss_bytes), formatDiff(p.max_abs_diff_vs_dense),
      `${formatRatio(p.speedup_vs_dense_official)} / ${formatRatio(p.speedup_vs_dense_product)}`,
    ]),
  ]
  return {
    name: 'query3d',
    started_at: started.toISOString(),
    duration_ms: performance.now() - t0,
    params: { points: n, pool_rows: m, feature_dim: d, queries: 1, runs_plaf: runsPlaf, runs_dense: runsDense, seed: config.seed, tolerance: QUERY_TOLERANCE },
    measurements: { plaf: plafResults, dense, dense_skipped: shortfall },
    checks: { passed, details },
    official: {
      dense_query_1M: 'official Python path, this 2-core CPU: 3D text query on 1M points with dense per-point features 7.1 s and 9 GB',
      pool_gather_numpy: 'pool + gather query on 1M points in numpy: 5–13 ms',
    },
    tables: [{
      title: `query3d: 1 text query, N = ${n} points, M = ${m} pool rows, D = ${d} (median of N runs)`,
      columns: ['path', 'backend', 'N', 'median', 'held', 'peak ArrayBuffers', 'peak RSS', 'max |Δ| vs dense', 'speed-up (official / product-only)'],
      rows,
    }],
    notes: [
      '"held" is what must stay resident to answer a query: N×D float32 per-point features (dense) vs the M×D pool and N uint32 refs (PLAF).',
      'Peak memory is measured during the query only; the held representation was allocated before the baseline was taken.',
    ],
  }
}
