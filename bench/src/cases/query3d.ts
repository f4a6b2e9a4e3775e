import { loadavg } from 'node:os'
import { prepareMap, scoreMap, type MapScores } from '@plaf/query'
import { densePointFeatures, denseQuery, type DenseQueryResult } from '../baselines/dense-query.js'
import { runNumpyQuery } from '../baselines/numpy-query.js'
import type { BenchConfig } from '../config.js'
import { memoryShortfall, type BenchEnv } from '../env.js'
import { syntheticMap, syntheticTexts } from '../fixtures.js'
import { collectGarbage } from '../memory.js'
import { formatBytes, formatDiff, formatMs, formatRatio, maxAbsDiff, type CaseReport, type Cell } from '../report.js'
import { measure, measureBackToBack, median, type RunStats } from '../timing.js'

/** The bound on |PLAF score − dense score| per point. */
export const QUERY_TOLERANCE = 1e-5

/** The speed goal (issue 22), stated for 1 M points: at most 10 ms, ≥ 500× the official dense path, no slower than numpy. */
export const QUERY_GOAL = { points: 1_000_000, max_ms: 10, min_speedup_vs_official: 500, max_ratio_to_numpy: 1 } as const

/** Where the prepared path's point scores go: the prepared map's own output (`scoreMap(…, { reuse: true })`) or a new array per query. */
type Output = 'reused' | 'fresh'

/** Where the prepared path's pool product runs: `prepareMap`'s WebAssembly SIMD kernel (the default, what `plaf query` runs) or the tensor backend. */
type Product = 'wasm-simd' | 'tensor'

/** The prepared path: pool norms, the product kernel's pool copy and the gather's refs once per map, then per query product + gather. */
interface PreparedResult {
  backend: string
  output: Output
  /** Where the pool product ran (`prepareMap`'s `product`): the WebAssembly SIMD kernel or the tensor backend named in `backend`. */
  product: Product
  /** Threads computing the pool product: the kernel's (1, or 2 with its helper thread); for the tensor backend its own (onnxruntime: intra-op threads; reference: 1). */
  product_threads: number | null
  /** With the kernel on two threads: the share of the row chunks the helper thread computed in the last round (about 0.5 when both ran side by side; the rest this thread took); else null. */
  helper_share: number | null
  /** Likewise for the chunks of points: the kernel runs product and gather as one job (`PoolProduct.query`), and the helper, once awake, gathers too; else null. */
  helper_gather_share: number | null
  /** prepareMap (pool row norms, the product kernel's pool copy and its helper thread's start, awaited, refs checked and copied for the gather kernel), once per map, ms. */
  prepare_ms: number
  /** `PointGather` kernel: `wasm` or `js`. */
  gather_kernel: string
  stats: RunStats
  /** Fastest run, ms (less sensitive to load than the median). */
  min_ms: number
  /** This backend's median per round over numpy's median in the same round (rounds alternate, so load hits both). */
  ratio_to_numpy_rounds: number[]
  ratio_to_numpy: number | null
  /** Fastest run over numpy's fastest run. */
  ratio_to_numpy_of_minima: number | null
  /** Against numpy's second variant (refs checked once, take into a reused out=): median and minima. */
  ratio_to_numpy_out: number | null
  ratio_to_numpy_out_of_minima: number | null
  /**
   * The other regime: the same query `runs` times in a row per round, with no forced collection
   * and no settle between runs (after the settled runs above), over numpy's back-to-back runs.
   */
  back_to_back: BackToBack
  /** Pool, refs, norms, the product kernel's memory (its pool copy, shared with its helper thread) and the gather kernel's memory (its refs copy and output). */
  held_bytes: number
  max_abs_diff_vs_dense: number | null
  speedup_vs_dense_official: number | null
}

/** Runs made back to back (no collection, no settle between them), and their ratio to numpy's back-to-back runs. */
interface BackToBack {
  runs_ms: number[]
  median_ms: number
  min_ms: number
  ratio_to_numpy: number | null
  ratio_to_numpy_of_minima: number | null
}

/** How each timed run is prepared, on both sides alike (bench/src/timing.ts `measure`; bench/python/pool_gather_query.py). */
export const QUERY_PROTOCOL = {
  settled: 'before each timed run a forced garbage collection (JS: gc(); numpy: gc.collect()), then an untimed wait until a 10 ms window passes in which the whole process (all threads) used < 1 ms of CPU, at most 500 ms; runs_ms, median_ms, ratio_to_numpy and summary.numpy_median_ms are these runs',
  back_to_back: 'the same query runs times in a row per round with no collection and no pause (threads that spin-wait after a call are still awake): the back_to_back fields',
} as const

/** The numpy pool-plus-gather reference, or why it did not run. */
type NumpyResult = { skipped: string } | {
  /** Settled runs (QUERY_PROTOCOL.settled), like the JS paths' runs: what the goal's ratio uses. */
  runs_ms: number[]; median_ms: number; min_ms: number
  /** The second variant, alternating with the first in the same runs: refs checked once, take(…, out=reused, mode='clip'). */
  runs_out_ms: number[]; median_out_ms: number; min_out_ms: number
  /** Both variants again back to back (QUERY_PROTOCOL.back_to_back). */
  back_to_back: { runs_ms: number[]; median_ms: number; min_ms: number; runs_out_ms: number[]; median_out_ms: number; min_out_ms: number }
  /** The untimed settle before each settled run, median and longest, ms. */
  settle_ms: { median: number; max: number }
  prepare_ms: number; numpy: string; max_abs_diff_vs_plaf: number
}

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

  // The prepared path (pool norms and the gather's refs once per map) raced against numpy in alternating rounds:
  // per round and backend the reused output (the goal's path), then a new array per query, then numpy.
  const rounds = config.mode === 'tiny' ? 1 : 3
  const load0 = loadavg()[0]
  const outputs: Output[] = ['reused', 'fresh']
  // the library's default (the pool product in prepareMap's WebAssembly kernel: the goal's path, first), then
  // the product on each tensor backend as before; the tensor argument of the kernel path is the first backend (unused)
  const paths = [
    { label: 'wasm-simd', backend: env.backends[0].backend, product: 'wasm-simd' as Product },
    ...env.backends.map(({ label, backend }) => ({ label, backend, product: 'tensor' as Product })),
  ]
  const prepared = paths.flatMap(({ label, product }, b) => outputs.map((output) => ({
    label, b, output, product, threads: null as number | null, helperShare: null as number | null, helperGatherShare: null as number | null,
    prepare_ms: 0, kernel: '', held: 0, runs: [] as number[], b2b: [] as number[], rounds: [] as number[], peak: null as RunStats['peak_extra'] | null, first: null as Float32Array | null,
  })))
  let numpyRuns: number[] = []
  let numpyOutRuns: number[] = []
  const numpyB2b: number[] = []
  const numpyOutB2b: number[] = []
  const numpySettle: number[] = []
  const numpyRounds: number[] = []
  let numpyFirst: Float32Array | null = null
  let numpyMeta: { prepare_ms: number; numpy: string } | null = null
  let numpySkipped: string | null = null
  for (let round = 0; round < rounds; round++) {
    for (const { label, backend, product } of paths) {
      const t1 = performance.now()
      const prep = prepareMap(map, { product: product === 'tensor' ? 'tensor' : 'auto' })
      await prep.product?.ready // the helper thread up before the runs (counted in prepare_ms)
      const prepareMs = performance.now() - t1
      if (product === 'wasm-simd' && !prep.product) throw new Error('prepareMap made no WebAssembly SIMD product kernel on this engine')
      for (const p of prepared.filter((x) => x.label === label)) {
        const reuse = p.output === 'reused'
        const r = await measure<MapScores>(runsPlaf, () => scoreMap(map, texts, backend, prep, { reuse }), { warmup: 1 })
        env.progress(`${tag}: prepared pool + gather on ${label}, ${p.output} output, round ${round + 1}/${rounds}: median ${formatMs(r.stats.median_ms)}, min ${formatMs(Math.min(...r.stats.runs_ms))} over ${runsPlaf} run(s)`)
        p.prepare_ms = prepareMs
        p.kernel = prep.gather.kernel
        p.held = m * d * 4 + n * 4 + m * 8 + prep.gather.bytes + (prep.product?.bytes ?? 0)
        p.threads = prep.product ? prep.product.threads : tensorThreads(backend)
        p.helperShare = prep.product?.helperShare ?? null
        p.helperGatherShare = prep.product?.helperGatherShare ?? null
        p.runs.push(...r.stats.runs_ms)
        p.rounds.push(r.stats.median_ms)
        p.peak = p.peak ? { rss_bytes: Math.max(p.peak.rss_bytes, r.stats.peak_extra.rss_bytes), array_buffers_bytes: Math.max(p.peak.array_buffers_bytes, r.stats.peak_extra.array_buffers_bytes), samples: p.peak.samples + r.stats.peak_extra.samples } : r.stats.peak_extra
        // a reused output is overwritten by the next query: keep a copy (the same query every run)
        p.first ??= reuse ? r.first.points.slice() : r.first.points
      }
      // then the other regime: the same queries back to back, no collection or settle between runs
      for (const p of prepared.filter((x) => x.label === label)) {
        const reuse = p.output === 'reused'
        const r = await measureBackToBack(runsPlaf, () => scoreMap(map, texts, backend, prep, { reuse }))
        env.progress(`${tag}: prepared pool + gather on ${label}, ${p.output} output, round ${round + 1}/${rounds}, back to back: median ${formatMs(r.median_ms)}, min ${formatMs(r.min_ms)}`)
        p.b2b.push(...r.runs_ms)
      }
      prep.product?.dispose()
    }
    if (numpySkipped !== null) continue
    const np = runNumpyQuery(map, texts, runsPlaf, config.tmpDir)
    if (typeof np === 'string') {
      numpySkipped = np
      env.progress(`${tag}: numpy reference skipped (${np})`)
      continue
    }
    env.progress(`${tag}: numpy pool + gather (numpy ${np.numpy}), round ${round + 1}/${rounds}: median ${formatMs(np.median_ms)}, min ${formatMs(Math.min(...np.runs_ms))}; into a reused out=: median ${formatMs(median(np.runs_out_ms))} over ${runsPlaf} run(s); back to back: median ${formatMs(median(np.back_to_back.runs_ms))}, min ${formatMs(Math.min(...np.back_to_back.runs_ms))}`)
    numpyRuns = [...numpyRuns, ...np.runs_ms]
    numpyOutRuns = [...numpyOutRuns, ...np.runs_out_ms]
    numpyB2b.push(...np.back_to_back.runs_ms)
    numpyOutB2b.push(...np.back_to_back.runs_out_ms)
    numpySettle.push(...np.settle_ms)
    numpyRounds.push(np.median_ms)
    numpyFirst ??= np.points
    numpyMeta ??= { prepare_ms: np.prepare_ms, numpy: np.numpy }
  }
  const numpyMedian = numpyRuns.length ? median(numpyRuns) : null
  const numpyMin = numpyRuns.length ? Math.min(...numpyRuns) : null
  const numpyOutMedian = numpyOutRuns.length ? median(numpyOutRuns) : null
  const numpyOutMin = numpyOutRuns.length ? Math.min(...numpyOutRuns) : null
  const numpyB2bMedian = numpyB2b.length ? median(numpyB2b) : null
  const numpyB2bMin = numpyB2b.length ? Math.min(...numpyB2b) : null
  const over = (a: number, b: number | null) => (b === null ? null : a / b)
  const preparedAll: PreparedResult[] = prepared.map((p) => {
    const stats: RunStats = { runs_ms: p.runs, median_ms: median(p.runs), peak_extra: p.peak! }
    const minMs = Math.min(...p.runs)
    const diff = denseScores ? maxAbsDiff(p.first!, denseScores) : null
    if (diff !== null && !(diff <= QUERY_TOLERANCE)) {
      passed = false
      details.push(`${p.label} (prepared, ${p.output} output): max abs diff ${diff} to the dense scores exceeds ${QUERY_TOLERANCE}`)
    }
    return {
      backend: p.label, output: p.output, product: p.product, product_threads: p.threads, helper_share: p.helperShare, helper_gather_share: p.helperGatherShare, prepare_ms: p.prepare_ms, gather_kernel: p.kernel, stats, min_ms: minMs,
      ratio_to_numpy_rounds: numpyRounds.length === p.rounds.length ? p.rounds.map((x, i) => x / numpyRounds[i]) : [],
      ratio_to_numpy: over(stats.median_ms, numpyMedian),
      ratio_to_numpy_of_minima: over(minMs, numpyMin),
      ratio_to_numpy_out: over(stats.median_ms, numpyOutMedian),
      ratio_to_numpy_out_of_minima: over(minMs, numpyOutMin),
      back_to_back: {
        runs_ms: p.b2b, median_ms: median(p.b2b), min_ms: Math.min(...p.b2b),
        ratio_to_numpy: over(median(p.b2b), numpyB2bMedian), ratio_to_numpy_of_minima: over(Math.min(...p.b2b), numpyB2bMin),
      },
      held_bytes: p.held,
      max_abs_diff_vs_dense: diff,
      speedup_vs_dense_official: official ? official.stats.median_ms / stats.median_ms : null,
    }
  })
  // the two outputs give the same bits
  for (let b = 0; b < paths.length; b++) {
    const [reused, fresh] = prepared.filter((p) => p.b === b)
    if (maxAbsDiff(reused.first!, fresh.first!) !== 0) {
      passed = false
      details.push(`${reused.label}: the reused output differs from a new array's`)
    }
  }
  const preparedResults = preparedAll.filter((p) => p.output === 'reused')
  const preparedFresh = preparedAll.filter((p) => p.output === 'fresh')
  let numpyResult: NumpyResult = { skipped: numpySkipped ?? 'not run' }
  if (numpyFirst && numpyMeta && numpyMedian !== null && numpyMin !== null && numpyOutMedian !== null && numpyOutMin !== null) {
    const diff = maxAbsDiff(numpyFirst, prepared[0].first!)
    numpyResult = {
      runs_ms: numpyRuns, median_ms: numpyMedian, min_ms: numpyMin, runs_out_ms: numpyOutRuns, median_out_ms: numpyOutMedian, min_out_ms: numpyOutMin,
      back_to_back: { runs_ms: numpyB2b, median_ms: median(numpyB2b), min_ms: Math.min(...numpyB2b), runs_out_ms: numpyOutB2b, median_out_ms: median(numpyOutB2b), min_out_ms: Math.min(...numpyOutB2b) },
      settle_ms: { median: median(numpySettle), max: Math.max(...numpySettle) },
      ...numpyMeta, max_abs_diff_vs_plaf: diff,
    }
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
    output: head.output,
    ratio_to_numpy_of_minima: head.ratio_to_numpy_of_minima,
    /** The same ratio with both sides run back to back (QUERY_PROTOCOL.back_to_back), for information: the goal's ratio is the settled one. */
    ratio_to_numpy_back_to_back: head.back_to_back.ratio_to_numpy,
  }
  details.push(`goal (${goal.applies ? 'stated for these sizes' : `stated for ${QUERY_GOAL.points.toLocaleString('en-US')} points, shown for information`}): ` +
    `${formatMs(goal.median_ms)} ≤ ${QUERY_GOAL.max_ms} ms: ${goal.within_max_ms}; ≥ ${QUERY_GOAL.min_speedup_vs_official}× official: ${goal.at_least_min_speedup ?? 'not measured'}; ` +
    `no slower than numpy: ${goal.no_slower_than_numpy ?? 'not measured'}` +
    (head.ratio_to_numpy === null ? '' : ` (both sides settled before each run: median ratio ${head.ratio_to_numpy.toFixed(2)}, of minima ${head.ratio_to_numpy_of_minima!.toFixed(2)}; against numpy into a reused out= ${head.ratio_to_numpy_out!.toFixed(2)} and ${head.ratio_to_numpy_out_of_minima!.toFixed(2)}; ` +
      `both back to back: ${head.back_to_back.ratio_to_numpy!.toFixed(2)}, of minima ${head.back_to_back.ratio_to_numpy_of_minima!.toFixed(2)})`))

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
    ...preparedAll.map((p): Cell[] => [
      `prepared map (once: ${formatMs(p.prepare_ms)}) + pool product ${p.product === 'wasm-simd' ? `in the WebAssembly SIMD kernel (${p.product_threads} thread${p.product_threads === 1 ? '' : 's'})` : 'on the tensor backend'} + ${p.gather_kernel} gather, ${p.output === 'reused' ? 'reused output' : 'new output array'} (min ${formatMs(p.min_ms)})`, p.backend, p.stats.runs_ms.length, formatMs(p.stats.median_ms), formatBytes(p.held_bytes),
      formatBytes(p.stats.peak_extra.array_buffers_bytes), formatBytes(p.stats.peak_extra.rss_bytes), formatDiff(p.max_abs_diff_vs_dense),
      `${formatRatio(p.speedup_vs_dense_official)} / –`,
    ]),
    ...('runs_ms' in numpyResult ? [[
      `numpy ${numpyResult.numpy} pool + gather (norms once: ${formatMs(numpyResult.prepare_ms)}; min ${formatMs(numpyResult.min_ms)})`, 'numpy', numpyResult.runs_ms.length, formatMs(numpyResult.median_ms), formatBytes(m * d * 4 + n * 8 + m * 4),
      '–', '–', `${formatDiff(numpyResult.max_abs_diff_vs_plaf)} vs PLAF`, official ? `${formatRatio(official.stats.median_ms / numpyResult.median_ms)} / –` : '–',
    ] as Cell[], [
      `numpy, refs checked once, take into a reused out= (min ${formatMs(numpyResult.min_out_ms)})`, 'numpy', numpyResult.runs_out_ms.length, formatMs(numpyResult.median_out_ms), formatBytes(m * d * 4 + n * 8 + m * 4 + n * q * 4),
      '–', '–', '0 vs numpy take', official ? `${formatRatio(official.stats.median_ms / numpyResult.median_out_ms)} / –` : '–',
    ] as Cell[], [
      `numpy pool + gather, back to back (min ${formatMs(numpyResult.back_to_back.min_ms)}; PLAF back to back: median ${formatMs(head.back_to_back.median_ms)}, min ${formatMs(head.back_to_back.min_ms)})`, 'numpy', numpyResult.back_to_back.runs_ms.length, formatMs(numpyResult.back_to_back.median_ms), '–',
      '–', '–', '–', '–',
    ] as Cell[]] : []),
  ]
  return {
    name: 'query3d',
    started_at: started.toISOString(),
    duration_ms: performance.now() - t0,
    params: { points: n, pool_rows: m, feature_dim: d, queries: q, runs_plaf: runsPlaf, runs_dense: runsDense, rounds, seed: config.seed, tolerance: QUERY_TOLERANCE, protocol: QUERY_PROTOCOL },
    // median_ms and numpy_median_ms: both sides settled before each run (QUERY_PROTOCOL.settled), the goal's ratio; *_back_to_back_*: the other regime
    summary: {
      median_ms: head.stats.median_ms, ...(numpyMedian === null ? {} : { numpy_median_ms: numpyMedian }), ...(official ? { dense_official_median_ms: official.stats.median_ms } : {}),
      back_to_back_median_ms: head.back_to_back.median_ms, ...(numpyB2bMedian === null ? {} : { numpy_back_to_back_median_ms: numpyB2bMedian }),
    },
    measurements: { plaf: plafResults, plaf_prepared: preparedResults, plaf_prepared_fresh_output: preparedFresh, numpy_pool_gather: numpyResult, dense, dense_skipped: shortfall, goal,
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
      'Prepared: the pool rows\' norms are computed once per map, the pool copied into the product kernel\'s memory (shared with its helper thread) and the refs checked and copied for the gather kernel (prepareMap; numpy: norms plus refs as intp), as a map is loaded once and queried many times; the time is shown, not in the median. Rounds alternate PLAF and numpy so machine load hits both.',
      'The first prepared entry (the goal\'s path; plaf query runs the same kernel, on one thread) computes the pool product in prepareMap\'s WebAssembly SIMD kernel (PoolProduct: product_threads says on how many threads, helper_share what share of the row chunks the helper thread took); the entries after it keep the product on each tensor backend (prepareMap(map, { product: \'tensor\' })), as measured before. numpy\'s BLAS may use both cores too.',
      `Protocol, both sides alike: ${QUERY_PROTOCOL.settled}. Also ${QUERY_PROTOCOL.back_to_back}.`,
      'plaf_prepared (the goal\'s path) writes into the prepared map\'s own output (scoreMap(…, { reuse: true })); plaf_prepared_fresh_output allocates a new Q×N array per query, as numpy\'s take() does. numpy\'s second variant writes into a reused out= as well.',
    ],
  }
}

/** Threads a tensor backend computes a product on, when it says (onnxruntime: its intra-op threads; reference: 1). */
function tensorThreads(backend: unknown): number | null {
  const b = backend as { name?: string; threads?: unknown }
  if (typeof b.threads === 'number') return b.threads
  return b.name === 'reference' ? 1 : null
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
