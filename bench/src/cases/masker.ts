import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import { createStandaloneContext, ImagePreprocessor, localModelAccess, openOnnxSession, validateOptions, type RgbImage } from '@plaf/core'
import { scannetInput, writeScene, type ScannetOptions } from '@plaf/datasets'
import { AMG_DEFAULTS, ClassifierPool, generateMasks, openSamModel, threadCpuMs, toMaskSet, type AmgOptions, type AmgTimings, type MaskPredictor } from '@plaf/masker-sam'
import { SAM_PREPROCESSING, writeSamContractModel } from '@plaf/masker-sam/testing'
import type { BenchConfig } from '../config.js'
import type { BenchEnv } from '../env.js'
import { cachedSamEncoderModel, samEncoderParameterCount } from '../masker/sam-encoder-graph.js'
import { collectGarbage, MemoryProbe } from '../memory.js'
import { formatMs, type CaseReport } from '../report.js'
import { median } from '../timing.js'
import { benchModelCache } from './backbone.js'

/** The paper's generator settings (pipelines/scannet.yaml) apart from the grid. */
const PAPER: Omit<AmgOptions, 'points_per_side'> = { ...AMG_DEFAULTS, pred_iou_thresh: 0.85, stability_score_thresh: 0.92, stability_score_offset: 1, box_nms_thresh: 0.7, crop_n_layers: 0, crop_n_points_downscale_factor: 2, min_mask_region_area: 200 }

/** The steps outside the networks, in the order they run (ms per image). */
const STEPS = ['upsample', 'filter', 'nms', 'postprocess', 'output', 'other'] as const
const STEP_LABEL: Record<(typeof STEPS)[number], string> = {
  upsample: 'stability counts + mask runs from the low-res logits (exact upsampling only near cutoffs)',
  filter: 'stability filter, box, inner-crop-edge drop, runs kept',
  nms: 'box NMS, bitmaps of the masks it keeps',
  postprocess: 'holes and islands < 200 px, NMS again',
  output: 'MaskSet: tight boxes, sort by area',
  other: 'the rest (grid, crop, bookkeeping)',
}

/** One grid's medians per image (the `summary` entries of masker.json). */
type GridSummary = Record<'points_per_side' | 'encoder_ms' | 'decoder_ms' | 'postprocess_ms' | 'peak_extra_mb', number>

const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(1)} %`

async function firstFrame(root: string, config: BenchConfig): Promise<RgbImage> {
  const [h, w] = config.masker.color
  const scene = join(root, 'scene0000_00')
  await writeScene(scene, { frames: 1, color_height: h, color_width: w, depth_height: Math.max(8, h >> 1), depth_width: Math.max(8, w >> 1), seed: config.seed })
  const opts = validateOptions(scannetInput, { scene })
  if (!opts.ok) throw new Error('scannet options')
  const source = await scannetInput.create(opts.value as unknown as ScannetOptions, createStandaloneContext({ runDir: join(root, 'ctx') }))
  for await (const f of source.frames()) {
    await source.dispose?.()
    return f.rgb
  }
  throw new Error('the generated scene has no frame')
}

/**
 * `masker`: SAM's automatic mask generator (`@plaf/masker-sam`) with the paper's settings on a
 * generated ScanNet frame, for each grid: the time outside the networks, split by step, and the
 * peak of typed-array memory it adds; the prompt decoder is the SAM-contract model (transformers.js
 * layout, all three masks of every prompt above pred_iou_thresh, so every one is upsampled). The
 * encoder is timed on a generated SAM ViT-B-shaped image encoder (random weights, 1024² input →
 * [1, 256, 64, 64]) in the same run.
 */
export async function runMaskerCase(config: BenchConfig, env: BenchEnv): Promise<CaseReport> {
  const started = new Date()
  const t0 = performance.now()
  const c = config.masker
  const encoderFile = cachedSamEncoderModel(c.encoder, benchModelCache(), env.progress)
  mkdirSync(config.tmpDir, { recursive: true })
  const root = mkdtempSync(join(config.tmpDir, 'plaf-bench-masker-'))
  try {
    const image = await firstFrame(root, config)
    const [H, W] = image.shape

    // The real-size encoder alone (one warm-up run), timed before and after the generator runs.
    const encoder = await openOnnxSession(encoderFile, { device: 'auto', threads: 0 })
    const prep = new ImagePreprocessor({ ...SAM_PREPROCESSING, input_size: [c.encoder.size, c.encoder.size] }, c.encoder.patch)
    const x = prep.prepare(image, [c.encoder.size, c.encoder.size])
    const feed = { pixel_values: { type: 'float32' as const, data: x.data, dims: x.dims } }
    const g = c.encoder.size / c.encoder.patch
    const shape = (await encoder.run(feed)).image_embeddings!.dims
    const encoderMs: number[] = []
    const encoderCpuMs: number[] = []
    const timeEncoder = async (runs: number): Promise<void> => {
      for (let i = 0; i < runs; i++) {
        const t = performance.now()
        const c = process.cpuUsage()
        await encoder.run(feed)
        encoderMs.push(performance.now() - t)
        const cpu = process.cpuUsage(c)
        // The process's CPU while only the encoder's session threads work.
        encoderCpuMs.push((cpu.user + cpu.system) / 1000)
        env.progress(`masker: SAM ViT-B-shaped encoder, run ${encoderMs.length}: ${formatMs(encoderMs.at(-1)!)}`)
      }
    }
    await timeEncoder(Math.ceil(c.encoderRuns / 2))

    // The generator over the SAM-contract model from a model store.
    const home = join(root, 'home')
    const incoming = join(home, 'models', '.incoming')
    const manifest = writeSamContractModel(incoming, { layout: 'transformers.js' })
    renameSync(incoming, join(home, 'models', `${manifest.name}@${manifest.version}`))
    const ctx = createStandaloneContext({ runDir: join(root, 'run'), stage: 'masker', models: localModelAccess(home) })
    const opened = await openSamModel(ctx, manifest.name, true)
    // The main thread's CPU inside the model's calls (preprocessing, feeds, reading outputs), to leave out of the generator's.
    let inNetworksCpu = 0
    let lentBytes = 0
    const timed = async <T>(f: () => Promise<T>): Promise<T> => {
      const c = threadCpuMs()
      try {
        return await f()
      } finally {
        inNetworksCpu += threadCpuMs() - c
      }
    }
    const model: MaskPredictor = {
      name: opened.name,
      encode: (img) => timed(async () => {
        const enc = await opened.encode(img)
        return {
          plan: enc.plan,
          predict: (points, n, into) => {
            // The shared buffer the generator lends for the logits: typed-array memory that arrayBuffers does not count (a SharedArrayBuffer).
            if (into) lentBytes = Math.max(lentBytes, into.byteLength)
            return timed(() => enc.predict(points, n, into))
          },
        }
      }),
    }
    // The generator as the plugin runs it (classification on every core, as the ONNX sessions use), and on one thread.
    const threads = availableParallelism()
    const pools = [...new Set([threads, 1])].map((t) => new ClassifierPool(t))
    const grids: Record<string, unknown>[] = []
    const summary: GridSummary[] = []
    try {
      for (const n of c.grids) {
        const opts: AmgOptions = { ...PAPER, points_per_side: n }
        const load0 = loadavg()[0]!
        for (const pool of pools) await generateMasks(image, model, opts, undefined, pool) // warm-up
        type Run = { wall: number; cpu: number; steps: Record<string, number>; t: AmgTimings; peakAb: number; peakRss: number; masks: number; bitmapBytes: number; digest: string }
        const byPool: Run[][] = pools.map(() => [])
        // Thread counts alternate run by run, so both see the same load.
        for (let r = 0; r < c.runs; r++) {
          for (const [k, pool] of pools.entries()) {
            collectGarbage()
            // V8 frees dead buffers' memory on a helper thread after the collection returns: let it, so the baseline holds none of the previous run's.
            await new Promise((r) => setTimeout(r, 50))
            lentBytes = 0
            const probe = MemoryProbe.start(2)
            const t: AmgTimings = { encoder: 0, decoder: 0, upsample: 0, filter: 0, nms: 0, postprocess: 0 }
            const workers0 = pool.threads > 1 ? await pool.workerCpuMs() : 0
            const net0 = inNetworksCpu
            const cpu0 = threadCpuMs()
            const ts = performance.now()
            const records = await generateMasks(image, model, opts, t, pool)
            const to = performance.now()
            const set = toMaskSet(records, W, H)
            const end = performance.now()
            const cpu = threadCpuMs() - cpu0 - (inNetworksCpu - net0) + (pool.threads > 1 ? (await pool.workerCpuMs()) - workers0 : 0)
            const peak = probe.stop()
            const bitmapBytes = set.masks.reduce((a, m) => a + m.bitmap.byteLength, 0)
            const wall = end - ts
            const output = end - to
            const other = to - ts - (t.encoder + t.decoder + t.upsample + t.filter + t.nms + t.postprocess)
            const digest = createHash('sha256')
            for (const m of set.masks) digest.update(JSON.stringify([m.bbox, m.area, m.predictedIou, m.stabilityScore])).update(m.bitmap)
            byPool[k]!.push({ wall, cpu, t, steps: { upsample: t.upsample, filter: t.filter, nms: t.nms, postprocess: t.postprocess, output, other }, peakAb: peak.array_buffers_bytes + lentBytes, peakRss: peak.rss_bytes, masks: set.masks.length, bitmapBytes, digest: digest.digest('hex') })
            env.progress(`masker: ${n}×${n} grid, ${pool.threads} thread(s), run ${r + 1}/${c.runs}: ${formatMs(wall - t.encoder - t.decoder)} outside the networks (CPU ${formatMs(cpu)}), ${set.masks.length} masks`)
          }
        }
        const digests = new Set(byPool.flat().map((r) => r.digest))
        if (digests.size !== 1) throw new Error(`masker: the MaskSets differ between runs or thread counts (${[...digests].join(', ')})`)
        const single = byPool.at(-1)!
        const runs = byPool[0]!
        const med = (f: (r: (typeof runs)[number]) => number): number => median(runs.map(f))
        const steps = Object.fromEntries(STEPS.map((s) => [s, med((r) => r.steps[s]!)]))
        const outside = med((r) => r.wall - r.t.encoder - r.t.decoder)
        summary.push({ points_per_side: n, encoder_ms: 0, decoder_ms: med((r) => r.t.decoder), postprocess_ms: outside, peak_extra_mb: med((r) => r.peakAb) / 1e6 })
        const outsideOf = (rs: Run[]): number[] => rs.map((r) => r.wall - r.t.encoder - r.t.decoder)
        grids.push({
          points_per_side: n, prompts: n * n, masks_decoded: 3 * n * n, masks_out: runs[0]!.masks, classifier_threads: pools[0]!.threads,
          runs_ms: runs.map((r) => r.wall), contract_encoder_ms: med((r) => r.t.encoder), decoder_ms: med((r) => r.t.decoder),
          outside_networks_runs_ms: outsideOf(runs),
          outside_networks_ms: outside, steps_ms: steps,
          outside_networks_cpu_runs_ms: runs.map((r) => r.cpu), outside_networks_cpu_ms: median(runs.map((r) => r.cpu)),
          one_thread: { outside_networks_runs_ms: outsideOf(single), outside_networks_ms: median(outsideOf(single)), outside_networks_cpu_runs_ms: single.map((r) => r.cpu), outside_networks_cpu_ms: median(single.map((r) => r.cpu)), classification_ms: median(single.map((r) => r.t.upsample)), peak_extra_array_buffers_bytes: single.map((r) => r.peakAb) },
          masksets_identical: true, maskset_sha256: [...digests][0],
          peak_extra_array_buffers_bytes: runs.map((r) => r.peakAb), peak_extra_rss_bytes: runs.map((r) => r.peakRss),
          output_bitmaps_bytes: runs[0]!.bitmapBytes, load_average_1_before: load0,
        })
      }
    } finally {
      await Promise.all(pools.map((p) => p.close()))
      await opened.release()
    }
    await timeEncoder(c.encoderRuns - Math.ceil(c.encoderRuns / 2))
    const provider = { provider: encoder.provider, threads: encoder.threads }
    await encoder.release()

    const encoder_ms = median(encoderMs)
    // The encoder keeps both cores busy, so other load on the machine slows it most: its fastest run too.
    const fastest = Math.min(...encoderMs)
    for (const s of summary) s.encoder_ms = encoder_ms
    const encoderCpu = median(encoderCpuMs)
    const grid = (s: GridSummary): Record<string, unknown> => grids.find((g) => g.points_per_side === s.points_per_side)!
    const fullPlaneMb = (4 * H * W) / 1e6
    const goals = summary.map((s) => ({
      points_per_side: s.points_per_side, postprocess_share_of_encoder: s.postprocess_ms / encoder_ms, at_most_10_percent: s.postprocess_ms <= 0.1 * encoder_ms,
      postprocess_share_of_fastest_encoder_run: s.postprocess_ms / fastest,
      fastest_postprocess_share_of_fastest_encoder_run: Math.min(...(grids.find((g) => g.points_per_side === s.points_per_side)!.outside_networks_runs_ms as number[])) / fastest,
      peak_extra_mb: s.peak_extra_mb, all_full_resolution_planes_mb: 3 * s.points_per_side ** 2 * fullPlaneMb,
      cpu_share_of_encoder_cpu: (grid(s).outside_networks_cpu_ms as number) / encoderCpu,
      one_thread_share_of_encoder: (grid(s).one_thread as { outside_networks_ms: number }).outside_networks_ms / encoder_ms,
      one_thread_cpu_share_of_encoder_cpu: (grid(s).one_thread as { outside_networks_cpu_ms: number }).outside_networks_cpu_ms / encoderCpu,
    }))
    // Memory against the grid: one batch of decoder logits is held at a time, then the kept masks' bitmaps.
    const batchMb = (PAPER.points_per_batch * 3 * 256 * 256 * 4) / 1e6
    const memory = summary.map((s) => {
      const gr = grids.find((g) => g.points_per_side === s.points_per_side)!
      return { points_per_side: s.points_per_side, masks_decoded: gr.masks_decoded, peak_extra_mb: s.peak_extra_mb, decoder_batch_logits_mb: batchMb, output_bitmaps_mb: (gr.output_bitmaps_bytes as number) / 1e6, all_full_resolution_planes_mb: 3 * s.points_per_side ** 2 * fullPlaneMb }
    })
    const peakGrowth = memory.length > 1 ? memory.at(-1)!.peak_extra_mb / memory[0]!.peak_extra_mb : null
    return {
      name: 'masker',
      started_at: started.toISOString(),
      duration_ms: performance.now() - t0,
      params: {
        image: [H, W], grids: c.grids, runs: c.runs, encoder_runs: c.encoderRuns, generator_options: { ...PAPER, points_per_side: c.grids },
        encoder: { shape: c.encoder, parameters: samEncoderParameterCount(c.encoder), model: encoderFile, output: shape, grid: [g, g] },
        decoder: `SAM-contract model (transformers.js layout, ${manifest.name}@${manifest.version}): IoUs 0.9/0.92/0.95 (all pass 0.85), discs of similar colour`,
      },
      summary,
      measurements: { encoder_ms: encoderMs, encoder_cpu_ms: encoderCpuMs, encoder_session: provider, grids, goals, full_resolution_plane_mb: fullPlaneMb, memory, peak_extra_growth_last_over_first_grid: peakGrowth, load_average_1_5_15_at_end: loadavg() },
      checks: { passed: true, details: [] },
      official: { masker: 'segment-anything SamAutomaticMaskGenerator in PyTorch (the paper runs ViT-H on a GPU and reports no per-step times)' },
      tables: [{
        title: `masker: SAM generator on ${W}×${H} (paper settings), encoder: SAM ViT-B-shaped graph, ${(samEncoderParameterCount(c.encoder) / 1e6).toFixed(1)} M parameters, random weights (${provider.provider}, ${provider.threads.intraOp} threads): ${formatMs(encoder_ms)}`,
        columns: ['per image (median)', ...summary.map((s) => `${s.points_per_side}×${s.points_per_side} ms`), ...summary.map((s) => `${s.points_per_side}×${s.points_per_side} of encoder`)],
        rows: [
          ['decoder (contract model)', ...summary.map((s) => formatMs(s.decoder_ms)), ...summary.map((s) => pct(s.decoder_ms, encoder_ms))],
          ...STEPS.map((st) => [STEP_LABEL[st], ...grids.map((gr) => formatMs((gr.steps_ms as Record<string, number>)[st]!)), ...grids.map((gr) => pct((gr.steps_ms as Record<string, number>)[st]!, encoder_ms))]),
          [`outside the networks (classification on ${pools[0]!.threads} threads)`, ...summary.map((s) => formatMs(s.postprocess_ms)), ...summary.map((s) => `${pct(s.postprocess_ms, encoder_ms)} (goal ≤ 10 %: ${s.postprocess_ms <= 0.1 * encoder_ms ? 'met' : 'not met'})`)],
          [`  CPU time (all its threads) against the encoder's CPU time (${formatMs(encoderCpu)})`, ...summary.map((s) => formatMs(grid(s).outside_networks_cpu_ms as number)), ...summary.map((s) => pct(grid(s).outside_networks_cpu_ms as number, encoderCpu))],
          ['  the same on one thread: wall', ...summary.map((s) => formatMs((grid(s).one_thread as { outside_networks_ms: number }).outside_networks_ms)), ...summary.map((s) => pct((grid(s).one_thread as { outside_networks_ms: number }).outside_networks_ms, encoder_ms))],
          ['  the same on one thread: CPU', ...summary.map((s) => formatMs((grid(s).one_thread as { outside_networks_cpu_ms: number }).outside_networks_cpu_ms)), ...summary.map((s) => pct((grid(s).one_thread as { outside_networks_cpu_ms: number }).outside_networks_cpu_ms, encoderCpu))],
          ['peak extra typed-array memory', ...summary.map((s) => `${s.peak_extra_mb.toFixed(1)} MB`), ...goals.map((gl) => `all planes: ${gl.all_full_resolution_planes_mb.toFixed(0)} MB`)],
        ],
      }],
      notes: [
        'outside the networks = the generator\'s wall time − encoder − decoder session calls, plus the MaskSet conversion; RLE is not on the pipeline\'s path (the MaskSet carries bitmaps)',
        `mask classification runs on ${pools[0]!.threads} threads (the calling thread and worker threads, as the plugin does with the runtime's thread count; the encoder's session uses ${provider.threads.intraOp}); the one-thread runs alternate with them in the same process, and every run's MaskSet is identical (sha256 of boxes, areas, scores and bitmaps)`,
        'CPU time outside the networks: the main thread\'s (from /proc/thread-self/stat, 10 ms ticks) less what it spends inside the model\'s calls, plus the classifier workers\'; the encoder\'s CPU time is the process\'s during its run (its session threads)',
        `encoder runs ${encoderMs.map((m) => formatMs(m)).join(', ')}: the fastest is the machine with the least other load; outside the networks against it: ${goals.map((gl) => `${gl.points_per_side}×${gl.points_per_side} ${pct(gl.postprocess_share_of_fastest_encoder_run, 1)} (median) / ${pct(gl.fastest_postprocess_share_of_fastest_encoder_run, 1)} (fastest runs)`).join(', ')}`,
        `the generator encodes with the contract model (${formatMs(median(grids.map((gr) => gr.contract_encoder_ms as number)))}); the encoder column is the ViT-B-shaped graph timed alone in the same run`,
        `peak extra memory: growth of process.memoryUsage().arrayBuffers over the run, sampled every 2 ms, plus the shared buffer the generator lends the decoder for its logits (a SharedArrayBuffer, which arrayBuffers does not count): one batch of decoder logits (${batchMb.toFixed(1)} MB at points_per_batch ${PAPER.points_per_batch}), the masks passing the filters as runs, and bitmaps only for the masks their crop's NMS keeps (no full-resolution plane is made); ${memory.map((m) => `${m.points_per_side}×${m.points_per_side}: peak ${m.peak_extra_mb.toFixed(1)} MB, output bitmaps ${m.output_bitmaps_mb.toFixed(1)} MB`).join('; ')}${peakGrowth === null ? '' : `; peak grows ${peakGrowth.toFixed(2)}× for ${(memory.at(-1)!.masks_decoded as number) / (memory[0]!.masks_decoded as number)}× the masks`}`,
      ],
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
