/**
 * `runPipeline`: a resolved pipeline into a run directory. The phases, in order, each in one place:
 * `prepareRunDir` (resume check, run-dir.ts) → `openStages` → `writeManifest` (manifest.ts) →
 * `runFrames` (frames.ts, with the stage cache) → `finishScene` (scene.ts) → `buildReport` and
 * `writeReport` (report.ts) → `closeStages`; on failure, `settleFailedRun` (run-dir.ts).
 */
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { selectTensorBackend } from '../backends/select.js'
import { withSessionLog, type SessionRecord } from '../backends/session-log.js'
import type { BackendChoice, TensorBackend } from '../backends/types.js'
import { PlafError, type Diagnostic } from '../diagnostics.js'
import type { InputSource, PluginContext, StageKind } from '../plugin.js'
import type { ResolvedPipeline } from '../pipeline/resolve.js'
import { StageCache } from './cache.js'
import { instantiatePlugin } from './context.js'
import { createModelAccess, hubSettings, type ModelRecord, type RecordingModelAccess } from '../models/model-access.js'
import type { PullProgress } from '../models/pull.js'
import { randomWeightsWarning } from '../models/manifest.js'
import { runFrames, type OpenStage } from './frames.js'
import { finishManifest, writeManifest } from './manifest.js'
import { writeReport, type RunReport } from './report.js'
import { completedRun, prepareRunDir, settleFailedRun, writeProgress, type RunDir } from './run-dir.js'
import { finishScene } from './scene.js'
import { ProgressClock, RunNotes, RunStats, wrapError, type ProgressEvent } from './stats.js'
import { startOwnTime, stopOwnTime } from './own-time.js'
import { removeStaleTempFiles } from '../util/atomic.js'
import { fsErrorDiagnostic } from '../util/fs-errors.js'

export type { ProgressEvent } from './stats.js'

/** How to run. */
export interface RunOptions {
  /** Run directory (default: the pipeline's `output.dir`, already absolute after resolvePipeline: relative paths resolve against the file that declared them). */
  outDir?: string
  /**
   * Continue an interrupted run in the same directory. A run there that already completed with this
   * configuration is left as it is and returned at once (`RunResult.alreadyComplete`).
   */
  resume?: boolean
  /**
   * Clear a run directory that holds another configuration's run before running (without it such
   * a directory is refused, PLAF_RUN_DIR_USED). An earlier run of the same configuration is always
   * cleared; a directory holding no run is never cleared.
   */
  overwrite?: boolean
  cwd?: string
  toolVersion?: string
  onProgress?(e: ProgressEvent): void
  onNote?(d: Diagnostic): void
  /** Stops the run between frames (e.g. on Ctrl-C); completed frames stay resumable. */
  signal?: AbortSignal
  /** Where plugins get models (default: the store under PLAF_HOME with the pipeline's hub; see `hubSettings`). */
  models?: RecordingModelAccess
  /** Download progress of models pulled while stages open. */
  onModelProgress?(e: PullProgress): void
}

/** What a run produced. */
export interface RunResult {
  runDir: string
  report: RunReport
  manifest: Record<string, unknown>
  /**
   * True when `resume` found the run already complete with this configuration: nothing was run or
   * written, and `report`/`manifest` are the files it finished with.
   */
  alreadyComplete?: boolean
}

/** What a run has opened so far, closed in reverse by `closeStages` (also after a failure half-way). */
interface OpenRun {
  backend: TensorBackend
  choices: BackendChoice[]
  source?: InputSource
  instances: OpenStage[]
  models: RecordingModelAccess
}

/** The plugin context of one stage (`instantiate` creates further plugins with their own context). */
function pluginContext(p: ResolvedPipeline, runDir: string, backend: TensorBackend, notes: RunNotes, stage: string, plugin: string, models: RecordingModelAccess): PluginContext {
  return {
    stage,
    runDir,
    outDir: join(runDir, stage),
    baseDir: p.baseDir,
    tensor: backend,
    models,
    session: { device: p.runtime.device, threads: p.runtime.threads },
    warn: (n) => notes.add(n, stage, plugin),
    log: () => {},
    instantiate: (kind: StageKind, use: string, options?: unknown) =>
      instantiatePlugin((k, n) => p.registry.get(k, n), kind, use, options, () => pluginContext(p, runDir, backend, notes, use, use, models), (n) => p.registry.suggest(n, [kind])),
  }
}

/** Creates the input source, then every stage in pipeline order, recording each in `open` as it goes. */
async function openStages(p: ResolvedPipeline, runDir: string, open: OpenRun, notes: RunNotes): Promise<InputSource> {
  const source = await p.input.plugin.create(structuredClone(p.input.options), pluginContext(p, runDir, open.backend, notes, 'input', p.input.use, open.models))
  open.source = source
  for (const stage of p.stages) {
    try {
      open.instances.push({ stage, inst: await stage.plugin.create(structuredClone(stage.options), pluginContext(p, runDir, open.backend, notes, stage.key, stage.use, open.models)) })
    } catch (e) {
      throw wrapError(e, stage)
    }
  }
  return source
}

/** Disposes the stage instances in reverse order, then the input source, then the tensor backend. */
async function closeStages(open: OpenRun): Promise<void> {
  for (const { inst } of [...open.instances].reverse()) await inst.dispose?.()
  await open.source?.dispose?.()
  await open.backend.dispose()
}

/** A warning (in report.json) for each contract model with random weights the stages opened: its results mean nothing. */
function warnRandomWeights(opened: readonly ModelRecord[], notes: RunNotes): void {
  for (const m of opened.filter((r) => r.random_weights)) notes.emit(randomWeightsWarning(m))
}

/** report.json's content, from what the run measured. */
function buildReport(p: ResolvedPipeline, dir: RunDir, t0: number, cpu0: NodeJS.CpuUsage, backend: TensorBackend, stats: RunStats, notes: RunNotes, progress: ProgressClock): RunReport {
  const cpu = process.cpuUsage(cpu0)
  return {
    name: p.name, run_dir: dir.path, complete: true,
    frames: { total: progress.total, processed: progress.done, resumed_from: dir.resumeFrom },
    wall_ms: performance.now() - t0,
    cpu_ms: (cpu.user + cpu.system) / 1000,
    frames_in_flight: p.runtime.frames_in_flight,
    peak_rss_mib: process.resourceUsage().maxRSS / 1024,
    tensor_backend: `${backend.name} (${backend.device})`,
    stages: stats.close(), warnings: notes.byCode(), notes: notes.list.map(({ cause: _c, ...d }) => d),
  }
}

/** Runs a resolved pipeline into a run directory; see DESIGN.md §3 for what the directory holds. */
export async function runPipeline(p: ResolvedPipeline, opts: RunOptions = {}): Promise<RunResult> {
  // every ONNX session a plugin opens during the run is listed in the manifest's `sessions`
  const sessions: SessionRecord[] = []
  // --resume of a run that already finished with this configuration: nothing to do (no stage opened)
  const done = opts.resume && !opts.overwrite ? completedRun(p, { outDir: opts.outDir, cwd: opts.cwd }) : null
  if (done) return { runDir: done.path, report: done.report as unknown as RunReport, manifest: done.manifest, alreadyComplete: true }
  return withSessionLog(sessions, () => runLogged(p, opts, sessions))
}

async function runLogged(p: ResolvedPipeline, opts: RunOptions, sessions: SessionRecord[]): Promise<RunResult> {
  const cwd = opts.cwd ?? process.cwd()
  const started = new Date()
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  let dir: RunDir
  try {
    dir = prepareRunDir(p, { ...opts, cwd })
  } catch (e) {
    const fsError = fsErrorDiagnostic(e)
    throw fsError ? new PlafError(fsError, { cause: e }) : e
  }
  try {
    const notes = new RunNotes(opts.onNote)
    for (const d of dir.notes) notes.emit(d)
    const { backend, choices } = await selectTensorBackend(p.runtime.tensor_backend, {
      // the tensor seam has no WebGPU path: `webgpu` (meant for model sessions) falls back to auto there
      device: p.runtime.device === 'webgpu' ? 'auto' : p.runtime.device,
      threads: p.runtime.threads || undefined,
    })
    const cache = new StageCache(resolve(cwd, p.runtime.cache_dir), p.runtime.cache)
    if (cache.enabled) removeStaleTempFiles(cache.dir)
    const models = opts.models ?? createModelAccess({ ...hubSettings({ runtime: p.runtime }), onProgress: opts.onModelProgress })
    const open: OpenRun = { backend, choices, instances: [], models }
    try {
      const source = await openStages(p, dir.path, open, notes)
      warnRandomWeights(models.opened(), notes)
      const manifest = writeManifest(p, dir, { backend, choices, source, instances: open.instances, sessions, models: models.opened() }, started, opts.toolVersion)
      const stats = new RunStats(p.stages, notes)
      const progress = new ProgressClock(source.frameCount, opts.onProgress)
      progress.emit('start')
      const frameStages = open.instances.filter((i) => i.stage.mode === 'frame')
      // each stage call's own main-thread time (report.json own_ms_*), while the stages run
      startOwnTime()
      try {
        await runFrames({ dir, source, stages: frameStages, cache, stats, progress, signal: opts.signal, framesInFlight: p.runtime.frames_in_flight, notes, stageTimeoutMs: p.runtime.stage_timeout * 1000 })
        await finishScene(open.instances, stats, progress, p.runtime.stage_timeout * 1000)
      } finally {
        stopOwnTime()
      }
      for (const { key, plugin, note } of stats.emptyResultNotes(progress.done)) notes.add(note, key, plugin)
      const report = buildReport(p, dir, t0, cpu0, backend, stats, notes, progress)
      manifest.models = models.opened()
      finishManifest(dir, manifest)
      writeReport(dir.path, report)
      writeProgress(dir, progress.done, null, true)
      progress.emit('done')
      return { runDir: dir.path, report, manifest }
    } finally {
      await closeStages(open)
    }
  } catch (e) {
    const fsError = fsErrorDiagnostic(e)
    dir.lock.release()
    throw settleFailedRun(dir, fsError ? new PlafError(fsError, { cause: e }) : e)
  } finally {
    dir.lock.release()
  }
}
