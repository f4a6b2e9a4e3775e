import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { maskMeanAggregator } from '@plaf/aggregator'
import { createStandaloneContext, ImagePreprocessor, openOnnxSession, Registry, resolvePipeline, runPipeline, validateOptions, type Frame, type InputSource, type RunReport } from '@plaf/core'
import { scannetInput, writeScene, type ScannetOptions } from '@plaf/datasets'
import { backprojectLifter } from '@plaf/lifter'
import { gridMasker } from '@plaf/masker-classic'
import { textQuerier } from '@plaf/query'
import { indexReferenceStorage, maskIndexedStorage } from '@plaf/storage'
import { BENCH_PREPROCESSING, benchHashText, benchVitBackbone } from '../backbone/plugins.js'
import { cachedVitModel, vitParameterCount } from '../backbone/vit-graph.js'
import type { BenchConfig } from '../config.js'
import type { BenchEnv } from '../env.js'
import { formatMs, type CaseReport } from '../report.js'
import { median } from '../timing.js'

/** Where the generated graphs are kept between runs: node_modules/.cache/plaf-bench of the repo. */
export function benchModelCache(): string {
  return resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'node_modules', '.cache', 'plaf-bench')
}

const ratio = (a: number, b: number): string => `${((100 * a) / b).toFixed(1)} %`

/** Times each `next()` of a source's frame iterator: reading and decoding one frame. */
async function readDecodeTimes(source: InputSource): Promise<{ ms: number[]; first: Frame }> {
  const ms: number[] = []
  let first: Frame | undefined
  const it = source.frames()[Symbol.asyncIterator]()
  for (;;) {
    const t = performance.now()
    const r = await it.next()
    if (r.done) break
    ms.push(performance.now() - t)
    first ??= r.value
  }
  return { ms, first: first! }
}

/** The steady-state wall time per frame of a run: the intervals between frame completions. */
async function pipelineRun(registry: Registry, file: string, out: string, inFlight: number): Promise<{ report: RunReport; intervals: number[]; wall_ms: number; cpu_ms: number }> {
  const r = await resolvePipeline(file, registry, { overrides: [`runtime.frames_in_flight=${inFlight}`] })
  if (!r.pipeline) throw new Error(`bench pipeline invalid: ${r.diagnostics.map((d) => d.message).join('; ')}`)
  const done: number[] = []
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const res = await runPipeline(r.pipeline, { outDir: out, onProgress: (e) => void (e.phase === 'frame' && done.push(performance.now())) })
  const wall_ms = performance.now() - t0
  const cpu_ms = cpuMs(cpu0)
  rmSync(out, { recursive: true, force: true })
  return { report: res.report, intervals: done.slice(1).map((t, i) => t - done[i]), wall_ms, cpu_ms }
}

/** CPU time of the whole process (every thread: the main one, the session worker, ORT's pool) since `from`, in ms. */
const cpuMs = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from)
  return (d.user + d.system) / 1000
}

/** The value a quarter of the way up a sorted copy: the frames the machine's other load touched least. */
const lowerQuartile = (v: readonly number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 4)]

const frameMetric = (report: RunReport, name: string): number[] => Object.values(report.stages.backbone.frame_metrics).map((m) => m[name])

/**
 * `backbone`: a ViT-B/16-shaped graph at 512×512 with random weights at real size (86 M
 * parameters) through `openOnnxSession`: per frame, read+decode, preprocessing, session run and
 * postprocessing; the network alone; and a whole pipeline (this backbone, `grid` masker,
 * mask-mean, mask-indexed, backproject, index-reference, text querier) with 1 and with
 * `runtime.frames_in_flight` 2 frames in flight.
 */
export async function runBackboneCase(config: BenchConfig, env: BenchEnv): Promise<CaseReport> {
  const started = new Date()
  const t0 = performance.now()
  const b = config.backbone
  const vit = b.vit
  const model = cachedVitModel(vit, benchModelCache(), env.progress)
  mkdirSync(config.tmpDir, { recursive: true })
  const root = mkdtempSync(join(config.tmpDir, 'plaf-bench-backbone-'))
  try {
    const scene = join(root, 'scene0000_00')
    env.progress(`backbone: generating a ${b.frames}-frame scene (${b.color[1]}×${b.color[0]} colour)`)
    await writeScene(scene, { frames: b.frames, color_height: b.color[0], color_width: b.color[1], depth_height: b.depth[0], depth_width: b.depth[1], seed: config.seed })

    // read + decode, outside any pipeline
    const ctx = createStandaloneContext({ runDir: join(root, 'standalone') })
    const inOpts = validateOptions(scannetInput, { scene })
    if (!inOpts.ok) throw new Error('scannet options')
    const source = await scannetInput.create(inOpts.value as unknown as ScannetOptions, ctx)
    const read = await readDecodeTimes(source)
    await source.dispose?.()

    // the network alone, on one prepared frame (one warm-up run)
    const g = vit.size / vit.patch
    const session = await openOnnxSession(model, { device: 'auto', threads: 0 })
    const prep = new ImagePreprocessor({ ...BENCH_PREPROCESSING, input_size: [vit.size, vit.size] }, vit.patch)
    const x = prep.prepare(read.first.rgb, [vit.size, vit.size])
    const feed = { pixel_values: { type: 'float32' as const, data: x.data, dims: x.dims } }
    await session.run(feed)
    // the network alone is timed in groups before, between and after the pipelines, so a load
    // that comes and goes on the machine shows in both figures alike
    const sessionMs: number[] = []
    let sessionCpuMs = 0
    const groups = b.inFlight.length + 1
    const networkAlone = async (group: number): Promise<void> => {
      const runs = Math.floor(b.sessionRuns / groups) + (group < b.sessionRuns % groups ? 1 : 0)
      for (let i = 0; i < runs; i++) {
        const t = performance.now()
        const cpu0 = process.cpuUsage()
        await session.run(feed)
        sessionMs.push(performance.now() - t)
        sessionCpuMs += cpuMs(cpu0)
        env.progress(`backbone: network alone, run ${sessionMs.length}/${b.sessionRuns}: ${formatMs(sessionMs.at(-1)!)}`)
      }
    }
    const load: number[][] = [loadavg()]
    await networkAlone(0)

    // whole pipelines
    const registry = new Registry([scannetInput, benchVitBackbone, gridMasker, maskMeanAggregator, maskIndexedStorage, backprojectLifter, indexReferenceStorage, textQuerier, benchHashText], 'bench')
    const pipeline = {
      name: 'bench-backbone',
      input: { use: 'scannet', with: { scene } },
      stages: {
        backbone: { use: 'bench-vit', with: { model, size: vit.size, patch: vit.patch, dim: vit.width } },
        masker: { use: 'grid', with: { cell_size: 64 } },
        aggregator: { use: 'mask-mean' },
        storage2d: { use: 'mask-indexed', with: { feature_dtype: 'float16' } },
        lifter: { use: 'backproject', with: { voxel_size: 0.03, stride: 2, max_depth: 8.0 } },
        storage3d: { use: 'index-reference', with: { feature_dtype: 'float16' } },
        querier: { use: 'text', with: { encoder: 'bench-hash-text', encoder_options: { dim: vit.width }, queries: ['chair', 'table'] } },
      },
      runtime: { cache: false, threads: 0 },
    }
    const file = join(root, 'pipeline.yaml')
    writeFileSync(file, JSON.stringify(pipeline, null, 2)) // JSON is YAML
    const runs: Record<string, Awaited<ReturnType<typeof pipelineRun>>> = {}
    for (const [i, n] of [...b.inFlight].reverse().entries()) {
      env.progress(`backbone: pipeline with frames_in_flight ${n}, ${b.frames} frames`)
      runs[n] = await pipelineRun(registry, file, join(root, `run-${n}`), n)
      env.progress(`backbone: frames_in_flight ${n}: ${formatMs(median(runs[n].intervals))} per frame (median), ${formatMs(runs[n].wall_ms)} in all`)
      load.push(loadavg())
      await networkAlone(i + 1)
    }
    const buffers = await session.bufferStats()
    const provider = { provider: session.provider, skipped: session.providerReasons, threads: session.threads }
    await session.release()
    const main = runs[Math.max(...b.inFlight)]
    const seq = runs[1]

    const readMs = median(read.ms)
    const preMs = median(frameMetric(main.report, 'pre_ms'))
    const postMs = median(frameMetric(main.report, 'post_ms'))
    const inPipelineSession = median(frameMetric(main.report, 'session_ms'))
    const session_ms = median(sessionMs)
    const outside_ms = readMs + preMs + postMs
    const pipeline_frame_ms = median(main.intervals)
    const outsideOk = outside_ms <= 0.05 * session_ms
    const rateOk = pipeline_frame_ms <= session_ms / 0.9
    const summary = { session_ms, outside_ms, pipeline_frame_ms }
    return {
      name: 'backbone',
      started_at: started.toISOString(),
      duration_ms: performance.now() - t0,
      params: { vit, parameters: vitParameterCount(vit), model, frames: b.frames, color: b.color, session_runs: b.sessionRuns, frames_in_flight: b.inFlight, output: [1, g, g, vit.width] },
      summary,
      measurements: {
        read_decode_ms: read.ms, preprocess_ms: frameMetric(main.report, 'pre_ms'), postprocess_ms: frameMetric(main.report, 'post_ms'),
        session_alone_ms: sessionMs, session_in_pipeline_ms: frameMetric(main.report, 'session_ms'),
        medians: { read_decode_ms: readMs, preprocess_ms: preMs, postprocess_ms: postMs, session_in_pipeline_ms: inPipelineSession },
        session_alone_lower_quartile_ms: lowerQuartile(sessionMs),
        session_alone_cpu_ms_per_run: sessionCpuMs / sessionMs.length,
        pipelines: Object.fromEntries(Object.entries(runs).map(([n, r]) => [`frames_in_flight_${n}`, {
          frame_intervals_ms: r.intervals, median_frame_ms: median(r.intervals), lower_quartile_frame_ms: lowerQuartile(r.intervals),
          wall_ms: r.wall_ms, wall_ms_per_frame: r.wall_ms / b.frames, cpu_ms_per_frame: r.cpu_ms / b.frames, stage_ms_mean: Object.fromEntries(Object.entries(r.report.stages).map(([k, s]) => [k, s.ms_mean])),
        }])),
        worker_buffers: buffers,
        load_average_1_5_15: load,
        session: provider,
        goals: { outside_at_most_5_percent_of_session: outsideOk, outside_share: outside_ms / session_ms, pipeline_within_10_percent_of_network_rate: rateOk, pipeline_rate_share: session_ms / pipeline_frame_ms },
      },
      checks: { passed: true, details: [] },
      official: { backbone: 'RADIOv2.5-B at 512×512 in PyTorch on a GPU (the paper does not report per-frame backbone time)' },
      tables: [{
        title: `backbone: ViT-B/16-shaped graph, ${vit.size}×${vit.size}, ${(vitParameterCount(vit) / 1e6).toFixed(1)} M parameters, random weights (${provider.provider}, ${provider.threads.intraOp} threads)`,
        columns: ['per frame (median)', 'ms', 'of the session'],
        rows: [
          ['read + decode (scannet: JPEG colour, PNG depth)', formatMs(readMs), ratio(readMs, session_ms)],
          [`preprocessing (squash to ${vit.size}², normalise, NCHW)`, formatMs(preMs), ratio(preMs, session_ms)],
          ['session run (network alone, worker thread)', formatMs(session_ms), '100 %'],
          ['postprocessing (check, NHWC grid)', formatMs(postMs), ratio(postMs, session_ms)],
          ['everything outside the session', formatMs(outside_ms), `${ratio(outside_ms, session_ms)} (goal ≤ 5 %: ${outsideOk ? 'met' : 'not met'})`],
          ...b.inFlight.map((n) => [`whole pipeline, frames_in_flight ${n}`, formatMs(median(runs[n].intervals)), `${ratio(median(runs[n].intervals), session_ms)}${n === Math.max(...b.inFlight) ? ` (goal ≤ 111 %: ${rateOk ? 'met' : 'not met'})` : ''}`]),
        ],
      }],
      notes: [
        `session run inside the pipeline: ${formatMs(inPipelineSession)} median${seq ? `; sequential pipeline ${formatMs(median(seq.intervals))} per frame` : ''}`,
        `lower quartiles (the frames least touched by other load): network alone ${formatMs(lowerQuartile(sessionMs))}, ${b.inFlight.map((n) => `frames_in_flight ${n} ${formatMs(lowerQuartile(runs[n].intervals))}`).join(', ')}`,
        `CPU time of the process (all threads) per frame: network alone ${formatMs(sessionCpuMs / sessionMs.length)}, ${b.inFlight.map((n) => `pipeline with ${n} in flight ${formatMs(runs[n].cpu_ms / b.frames)} (scene setup and finish included)`).join(', ')}`,
        'read + decode is timed outside the pipeline; inside it, it overlaps the network (frames_in_flight ≥ 2)',
        `the CPU is shared with whatever else runs on the machine (load average ${load.map((l) => l[0].toFixed(1)).join(', ')} on ${availableParallelism()} cores during this run): compare medians of one run, not runs of different days`,
      ],
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
