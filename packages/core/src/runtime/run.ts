import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, cpus, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { stringify as toYaml } from 'yaml'
import { selectTensorBackend } from '../backends/select.js'
import type { BackendChoice } from '../backends/types.js'
import { type Diagnostic, PlafError, diagnostic } from '../diagnostics.js'
import type { InputSource, PluginContext, PluginNote, PortRecord, RunContext, StageInstance, StageKind } from '../plugin.js'
import { checkPort, PORT_SCOPES, type Frame, type PortName } from '../ports.js'
import type { ResolvedPipeline, ResolvedStage } from '../pipeline/resolve.js'
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js'
import { instantiatePlugin } from './context.js'
import { StageCache, hashJson } from './cache.js'
import { reportMarkdown, type RunReport, type StageReport } from './report.js'

/** Progress of a run, emitted after every frame and at each scene-level step. */
export interface ProgressEvent {
  phase: 'start' | 'frame' | 'finish' | 'done'
  done: number
  total: number
  framesPerSecond: number
  etaSeconds: number
  frame?: string
  stage?: string
}

/** How to run. */
export interface RunOptions {
  /** Run directory (default: the pipeline's output.dir, relative to cwd). */
  outDir?: string
  /** Continue an interrupted run in the same directory. */
  resume?: boolean
  cwd?: string
  toolVersion?: string
  onProgress?(e: ProgressEvent): void
  onNote?(d: Diagnostic): void
  /** Stops the run between frames (e.g. on Ctrl-C); completed frames stay resumable. */
  signal?: AbortSignal
}

/** What a run produced. */
export interface RunResult {
  runDir: string
  report: RunReport
  manifest: Record<string, unknown>
}

interface Progress {
  config_hash: string
  completed: number
  last_frame: string | null
  complete: boolean
}

const mib = (bytes: number): number => bytes / 1048576

function wrapError(e: unknown, stage: ResolvedStage | { key: string; plugin: { name: string } }, frame?: string): PlafError {
  const where = `stage ${stage.key} (${stage.plugin.name})${frame ? ` frame ${frame}` : ''}`
  if (e instanceof PlafError) {
    return new PlafError(e.diagnostics.map((d) => ({ ...d, stage: d.stage ?? stage.key, plugin: d.plugin ?? stage.plugin.name, frame: d.frame ?? frame, message: `${where}: ${d.message}` })), { cause: e })
  }
  const err = e as Error
  return new PlafError(diagnostic('PLAF_STAGE_FAILED', `${where}: ${err?.message ?? String(e)}`, { stage: stage.key, plugin: stage.plugin.name, frame, cause: e }), { cause: e })
}

/** Runs a resolved pipeline into a run directory; see DESIGN.md §3 for what the directory holds. */
export async function runPipeline(p: ResolvedPipeline, opts: RunOptions = {}): Promise<RunResult> {
  const cwd = opts.cwd ?? process.cwd()
  const runDir = resolve(cwd, opts.outDir ?? p.output.dir)
  const started = new Date()
  const t0 = performance.now()
  const configHash = hashJson(p.config)
  const progressFile = join(runDir, 'progress.json')
  let resumeFrom = 0
  if (opts.resume) {
    if (!existsSync(progressFile)) throw new PlafError(diagnostic('PLAF_RESUME_MISMATCH', `nothing to resume in ${runDir} (no progress.json)`, { file: progressFile }))
    const prev = JSON.parse(readFileSync(progressFile, 'utf8')) as Progress
    if (prev.config_hash !== configHash) {
      throw new PlafError(diagnostic('PLAF_RESUME_MISMATCH', `the pipeline changed since ${runDir} was started; run without --resume or restore the configuration`, {
        file: progressFile, expected: prev.config_hash.slice(0, 12), actual: configHash.slice(0, 12),
      }))
    }
    resumeFrom = prev.complete ? 0 : prev.completed
  }
  mkdirSync(runDir, { recursive: true })
  for (const f of ['report.json', 'report.md']) rmSync(join(runDir, f), { force: true })

  const notes: Diagnostic[] = []
  const note = (n: PluginNote, stage: string, plugin: string, frame?: string): void => {
    const d = diagnostic(n.code, n.message, { severity: 'warning', ...n, stage: n.stage ?? stage, plugin: n.plugin ?? plugin, frame: n.frame ?? frame })
    notes.push(d)
    opts.onNote?.(d)
  }

  const { backend, choices } = await selectTensorBackend(p.runtime.tensor_backend, {
    // the tensor seam has no WebGPU path: `webgpu` (meant for model sessions) falls back to auto there
    device: p.runtime.device === 'webgpu' ? 'auto' : p.runtime.device,
    threads: p.runtime.threads || undefined,
  })
  const cache = new StageCache(resolve(cwd, p.runtime.cache_dir), p.runtime.cache)
  const instances: { stage: ResolvedStage; inst: StageInstance }[] = []
  let source: InputSource | undefined
  const makeCtx = (stage: string, plugin: string): PluginContext => ({
    stage,
    runDir,
    outDir: join(runDir, stage),
    baseDir: p.baseDir,
    tensor: backend,
    warn: (n) => note(n, stage, plugin),
    log: () => {},
    instantiate: (kind: StageKind, use: string, options?: unknown) =>
      instantiatePlugin((k, n) => p.registry.get(k, n), kind, use, options, () => makeCtx(use, use), (n) => p.registry.suggest(n, [kind])),
  })
  try {
    source = await p.input.plugin.create(structuredClone(p.input.options), makeCtx('input', p.input.use))
    for (const stage of p.stages) {
      try {
        instances.push({ stage, inst: await stage.plugin.create(structuredClone(stage.options), makeCtx(stage.key, stage.use)) })
      } catch (e) {
        throw wrapError(e, stage)
      }
    }
    const manifest: Record<string, unknown> = {
      tool: { name: 'plaf-ts', version: opts.toolVersion ?? '0.0.0' },
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      machine: { cpus: availableParallelism(), cpu_model: cpus()[0]?.model ?? 'unknown', total_memory_bytes: totalmem() },
      pipeline: { name: p.name, file: p.file, base_dir: p.baseDir, files: p.files, config_hash: configHash },
      input: { plugin: p.input.use, version: p.input.plugin.version, identity: source.identity, describe: source.describe, frames: source.frameCount },
      plugins: Object.fromEntries(p.stages.map((s) => [s.key, { plugin: s.use, kind: s.plugin.kind, version: s.plugin.version, package: s.plugin.package }])),
      fingerprints: Object.fromEntries(instances.filter((i) => i.inst.fingerprint).map((i) => [i.stage.key, i.inst.fingerprint])),
      tensor_backend: { chosen: backend.name, device: backend.device, candidates: choices satisfies BackendChoice[] },
      started_at: started.toISOString(),
      ended_at: null as string | null,
      resumed_from: resumeFrom,
    }
    writeFileAtomic(join(runDir, 'config.resolved.yaml'), `# Resolved by plaf from ${p.file}\n` + toYaml(p.config))
    writeJsonAtomic(join(runDir, 'manifest.json'), manifest)

    const stats: Record<string, StageReport> = {}
    for (const s of p.stages) {
      stats[s.key] = { plugin: s.use, kind: s.plugin.kind, version: s.plugin.version, calls: 0, ms_total: 0, ms_mean: 0, cache_hits: 0, cache_misses: 0, peak_rss_mib: 0, metrics: {}, frame_metrics: {} }
    }
    const rcFor = (key: string, plugin: string, frame?: Frame): RunContext => ({
      frame: frame ? { id: frame.id, index: frame.index } : undefined,
      metric: (name, value) => {
        const st = stats[key]
        st.metrics[name] = (st.metrics[name] ?? 0) + value
        if (frame) {
          const fm = (st.frame_metrics[frame.id] ??= {})
          fm[name] = (fm[name] ?? 0) + value
        }
      },
      warn: (n) => note(n, key, plugin, frame?.id),
    })
    const timed = async <T>(key: string, fn: () => Promise<T> | T): Promise<T> => {
      const t = performance.now()
      const r = await fn()
      const st = stats[key]
      st.calls++
      st.ms_total += performance.now() - t
      st.peak_rss_mib = Math.max(st.peak_rss_mib, mib(process.memoryUsage().rss))
      return r
    }
    const checkOutputs = (stage: ResolvedStage, out: PortRecord, scope: 'frame' | 'scene', frame?: string): void => {
      for (const [port, type] of Object.entries(stage.plugin.outputs) as [string, PortName][]) {
        if (PORT_SCOPES[type] !== scope) continue
        const bad = checkPort(type, out?.[port])
        if (bad) throw new PlafError(diagnostic('PLAF_PORT_VALUE_INVALID', `stage ${stage.key} (${stage.use})${frame ? ` frame ${frame}` : ''}: output "${port}" is not a valid ${type}: ${bad}`, { stage: stage.key, plugin: stage.use, frame }))
      }
    }

    const total = source.frameCount
    let done = 0
    const tFrames = performance.now()
    const emit = (phase: ProgressEvent['phase'], extra: Partial<ProgressEvent> = {}): void => {
      const secs = (performance.now() - tFrames) / 1000
      const fps = done > 0 && secs > 0 ? done / secs : 0
      opts.onProgress?.({ phase, done, total, framesPerSecond: fps, etaSeconds: fps > 0 ? (total - done) / fps : NaN, ...extra })
    }
    emit('start')
    const frameStages = instances.filter((i) => i.stage.mode === 'frame')
    for await (const frame of source.frames()) {
      if (opts.signal?.aborted) {
        throw new PlafError(diagnostic('PLAF_INTERRUPTED', `interrupted after ${done} of ${total} frames; nothing half-written is left, continue with --resume`, { file: progressFile }))
      }
      const values = new Map<string, unknown>([['input.frame', frame]])
      const keys = new Map<string, string | null>([['input.frame', hashJson([source.identity, frame.id])]])
      for (const { stage, inst } of frameStages) {
        const inputs: PortRecord = {}
        const upstream: (string | null)[] = []
        for (const [port, src] of Object.entries(stage.wiring)) {
          const ref = `${src.stage}.${src.port}`
          if (PORT_SCOPES[stage.plugin.inputs[port]] !== 'frame') continue
          inputs[port] = values.get(ref)
          upstream.push(keys.get(ref) ?? null)
        }
        const cacheable = stage.plugin.cacheable === true && upstream.every((k) => k !== null)
        const key = cacheable ? hashJson([stage.use, stage.plugin.version, stage.options, inst.fingerprint ?? null, upstream]) : null
        // A cache entry keeps the outputs and the metrics the call reported, so a hit reports the same figures.
        const hit = key ? (cache.get(key) as { outputs: PortRecord; metrics: [string, number][] } | undefined) : undefined
        const rc = rcFor(stage.key, stage.use, frame)
        let out: PortRecord
        if (hit) {
          stats[stage.key].cache_hits++
          out = hit.outputs
          for (const [name, value] of hit.metrics) rc.metric(name, value)
        } else {
          if (key && cache.enabled) stats[stage.key].cache_misses++
          const metrics: [string, number][] = []
          const recording: RunContext = { ...rc, metric: (name, value) => (metrics.push([name, value]), rc.metric(name, value)) }
          try {
            out = ((await timed(stage.key, () => inst.run(inputs, recording))) ?? {}) as PortRecord
          } catch (e) {
            throw wrapError(e, stage, frame.id)
          }
          checkOutputs(stage, out, 'frame', frame.id)
          if (key) cache.set(key, { outputs: out, metrics })
        }
        for (const port of Object.keys(stage.plugin.outputs)) {
          values.set(`${stage.key}.${port}`, out[port])
          keys.set(`${stage.key}.${port}`, key)
        }
      }
      done++
      writeJsonAtomic(progressFile, { config_hash: configHash, completed: Math.max(done, resumeFrom), last_frame: frame.id, complete: false } satisfies Progress)
      emit('frame', { frame: frame.id })
    }

    const scene = new Map<string, unknown>()
    for (const { stage, inst } of instances) {
      if (stage.mode === 'frame' && !inst.finish) continue
      const inputs: PortRecord = {}
      for (const [port, src] of Object.entries(stage.wiring)) {
        if (PORT_SCOPES[stage.plugin.inputs[port]] === 'scene') inputs[port] = scene.get(`${src.stage}.${src.port}`)
      }
      emit('finish', { stage: stage.key })
      let out: PortRecord
      try {
        const rc = rcFor(stage.key, stage.use)
        out = ((await timed(stage.key, () => (stage.mode === 'scene' ? inst.run(inputs, rc) : inst.finish!(inputs, rc)))) ?? {}) as PortRecord
      } catch (e) {
        throw wrapError(e, stage)
      }
      checkOutputs(stage, out, 'scene')
      for (const [port, type] of Object.entries(stage.plugin.outputs)) if (PORT_SCOPES[type] === 'scene') scene.set(`${stage.key}.${port}`, out[port])
    }

    for (const st of Object.values(stats)) st.ms_mean = st.calls ? st.ms_total / st.calls : 0
    const warnings: Record<string, number> = {}
    for (const n of notes) warnings[n.code] = (warnings[n.code] ?? 0) + 1
    const report: RunReport = {
      name: p.name, run_dir: runDir, complete: true,
      frames: { total, processed: done, resumed_from: resumeFrom },
      wall_ms: performance.now() - t0,
      peak_rss_mib: process.resourceUsage().maxRSS / 1024,
      tensor_backend: `${backend.name} (${backend.device})`,
      stages: stats, warnings, notes: notes.map(({ cause: _c, ...d }) => d),
    }
    manifest.ended_at = new Date().toISOString()
    writeJsonAtomic(join(runDir, 'manifest.json'), manifest)
    writeJsonAtomic(join(runDir, 'report.json'), report)
    writeFileAtomic(join(runDir, 'report.md'), reportMarkdown(report))
    writeJsonAtomic(progressFile, { config_hash: configHash, completed: done, last_frame: null, complete: true } satisfies Progress)
    emit('done')
    return { runDir, report, manifest }
  } finally {
    for (const { inst } of instances.reverse()) await inst.dispose?.()
    await source?.dispose?.()
    await backend.dispose()
  }
}
