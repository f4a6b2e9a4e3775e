import { aggregateMasks, MASK_MEAN_DEFAULTS, type RowAdaptor } from '@plaf/aggregator'
import { buildModel, openOnnxSession, type FeatureGrid, type MaskSet, type OnnxSession, type TensorBackend } from '@plaf/core'
import { adaptorNodes, adaptorWeights } from '@plaf/core/testing'
import { measure, median, type RunStats } from '../timing.js'

/** RADIOv2.5-B's widths: backbone C = 768 into the 1152-wide SigLIP space; hidden width of the head as RADIO's MLP2 heads. */
export const ADAPTOR_BENCH = { c: 768, hidden: 1536, inner: 1 } as const

/** `mask-mean` adaptor: before-average vs after-average at one size, same process, alternating rounds. */
export interface AdaptorComparison {
  backend: string
  /** The adaptor graph: C → D, RADIO's MLP2 structure (pre-norm, fc1, inner residual blocks, final), random weights. */
  adaptor: { c: number; d: number; hidden: number; inner: number; runtime: string }
  before_average: RunStats
  after_average: RunStats
  /** One adaptor session call on the K mean rows alone (part of after_average). */
  adaptor_call: RunStats
  /** after_average median / before_average median (< 1: after-average is faster). */
  ratio_after_to_before: number
  ratio_after_to_before_rounds: number[]
  /** What the two paths would cost the backbone: the head on every one of the h·w tokens, one call. */
  adaptor_on_every_token: RunStats
}

/**
 * Times `aggregateMasks` with `adaptor: before-average` (the grid already projected, as the RADIO
 * export hands it out) and `after-average` (the mean over C = 768 backbone features, then the
 * adaptor graph on the K means through an ONNX session, as `mask-mean` runs it), alternating in
 * `rounds` so load changes hit both. Also times the adaptor on the K rows alone and on all h·w
 * tokens (what the vision graph spends on the head per frame).
 */
export async function compareAdaptorPlacement(grid: FeatureGrid, backbone: FeatureGrid, masks: MaskSet, backend: { label: string; backend: TensorBackend }, runs: number, rounds: number, seed: number): Promise<AdaptorComparison> {
  const d = grid.shape[2]
  const { c, hidden, inner } = ADAPTOR_BENCH
  const weights = adaptorWeights(c, d, { hidden, inner, preNorm: true }, seed)
  const built = adaptorNodes(weights, 'backbone_features', 'features', '')
  const bytes = buildModel({
    inputs: [{ name: 'backbone_features', type: 'float32', shape: ['N', c] }],
    outputs: [{ name: 'features', type: 'float32', shape: ['N', d] }],
    nodes: built.nodes, initializers: built.inits, name: 'bench-adaptor',
  })
  const session: OnnxSession = await openOnnxSession(bytes, { device: 'cpu' })
  try {
    const adaptor: RowAdaptor = {
      inDim: c,
      outDim: d,
      async apply(rows, n) {
        return (await session.run({ backbone_features: { type: 'float32', data: rows, dims: [n, c] } }, ['features'])).features!.data as Float32Array
      },
    }
    const split: FeatureGrid = { ...grid, adaptor: { data: backbone.data, dim: c, model: 'bench-adaptor' } }
    const k = masks.masks.length
    const kRows = backbone.data.slice(0, k * c)
    const cells = grid.shape[0] * grid.shape[1]
    const before: number[] = []
    const after: number[] = []
    const call: number[] = []
    const every: number[] = []
    const ratios: number[] = []
    let stats: { before?: RunStats; after?: RunStats; call?: RunStats; every?: RunStats } = {}
    for (let round = 0; round < rounds; round++) {
      const b = await measure(runs, () => aggregateMasks(split, masks, { ...MASK_MEAN_DEFAULTS, adaptor: 'before-average' }, backend.backend), { warmup: 1 })
      const a = await measure(runs, () => aggregateMasks(split, masks, { ...MASK_MEAN_DEFAULTS, adaptor: 'after-average' }, backend.backend, undefined, adaptor), { warmup: 1 })
      const r = await measure(runs, () => adaptor.apply(kRows.slice(), k), { warmup: 1 })
      const e = await measure(Math.max(1, Math.min(runs, 3)), () => adaptor.apply(backbone.data.slice(0, cells * c), cells), { warmup: 1 })
      before.push(...b.stats.runs_ms)
      after.push(...a.stats.runs_ms)
      call.push(...r.stats.runs_ms)
      every.push(...e.stats.runs_ms)
      ratios.push(a.stats.median_ms / b.stats.median_ms)
      stats = { before: merge(stats.before, b.stats, before), after: merge(stats.after, a.stats, after), call: merge(stats.call, r.stats, call), every: merge(stats.every, e.stats, every) }
    }
    return {
      backend: backend.label,
      adaptor: { c, d, hidden, inner, runtime: `onnxruntime ${session.provider}` },
      before_average: stats.before!,
      after_average: stats.after!,
      adaptor_call: stats.call!,
      ratio_after_to_before: median(after) / median(before),
      ratio_after_to_before_rounds: ratios,
      adaptor_on_every_token: stats.every!,
    }
  } finally {
    await session.release()
  }
}

/** All runs so far with their median; the peak memory of the worst round. */
function merge(prev: RunStats | undefined, next: RunStats, all: number[]): RunStats {
  if (!prev) return { ...next, runs_ms: [...all], median_ms: median(all) }
  return {
    runs_ms: [...all],
    median_ms: median(all),
    peak_extra: {
      rss_bytes: Math.max(prev.peak_extra.rss_bytes, next.peak_extra.rss_bytes),
      array_buffers_bytes: Math.max(prev.peak_extra.array_buffers_bytes, next.peak_extra.array_buffers_bytes),
      samples: prev.peak_extra.samples + next.peak_extra.samples,
    },
  }
}
