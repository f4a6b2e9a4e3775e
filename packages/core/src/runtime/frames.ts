/**
 * The frame loop: every frame stage's `run` on every frame, through the stage cache; progress.json
 * after every frame. With `framesInFlight` 1 one frame at a time, stage after stage in pipeline
 * order (below); with more, the bounded pipeline of frame-pipeline.ts, which gives the same results.
 */
import { PlafError, diagnostic } from '../diagnostics.js'
import type { InputSource, PluginNote, PortRecord, RunContext, StageInstance } from '../plugin.js'
import { PORT_SCOPES, type Frame } from '../ports.js'
import { pluginSource } from '../pipeline/plugin-source.js'
import type { ResolvedStage } from '../pipeline/resolve.js'
import { hashJson, type StageCache } from './cache.js'
import { runPipelined } from './frame-pipeline.js'
import { packageCodeHash } from './package-code.js'
import { DEFAULT_STAGE_TIMEOUT_MS, guardCall } from './guard.js'
import { type RunDir, writeProgress } from './run-dir.js'
import { checkOutputs, type ProgressClock, type RunNotes, type RunStats, wrapError } from './stats.js'

/** An opened stage: its resolved configuration and its instance. */
export interface OpenStage {
  stage: ResolvedStage
  inst: StageInstance
}

/** What the frame loop needs. */
export interface FrameLoop {
  dir: RunDir
  source: InputSource
  stages: readonly OpenStage[]
  cache: StageCache
  stats: RunStats
  progress: ProgressClock
  signal?: AbortSignal
  /** Frames read and not yet completed, at most (`runtime.frames_in_flight`); default 1. */
  framesInFlight?: number
  /** The run's notes: the pipelined loop holds the input's notes while it reads ahead. */
  notes?: RunNotes
  /** Milliseconds one stage call may take (`runtime.stage_timeout`); default 30 minutes. */
  stageTimeoutMs?: number
}

/**
 * Where a stage call's side effects go when they must wait for the frame to complete (the
 * pipelined loop): the notes it raised and its cache write, each as a thunk to run in order.
 */
export interface Deferred {
  notes: (() => void)[]
  writes: (() => void)[]
}

/** A cache entry: the outputs and the metrics the call reported, so a hit reports the same figures. */
interface CachedCall {
  outputs: PortRecord
  metrics: [string, number][]
}

/**
 * The cache key of a frame stage's call: null unless the plugin is cacheable and every frame-scoped
 * input it reads has a key itself (so nothing downstream of an uncached stage is cached).
 */
export function cacheKey(stage: ResolvedStage, inst: StageInstance, upstream: readonly (string | null)[]): string | null {
  const cacheable = stage.plugin.cacheable === true && upstream.every((k) => k !== null)
  if (!cacheable) return null
  // The plugin's code is part of the key: a plugin from a pipeline's `plugins:` adds the hash of its
  // files, a built-in plugin that of its package's code, so editing either invalidates its entries
  // even without a version bump (color-lexicon 0.3.0 changed once without one: stale hits).
  const code = pluginSource(stage.plugin)?.codeHash ?? (stage.plugin.package ? packageCodeHash(stage.plugin.package) : undefined)
  return hashJson([stage.use, stage.plugin.version, stage.options, inst.fingerprint ?? null, upstream, ...(code ? [code] : [])])
}

/**
 * One frame stage's outputs for one frame: replayed from the cache on a hit (with the metrics the
 * original call reported), computed, checked and stored otherwise. Counts hits and misses.
 */
export async function cachedRun(loop: FrameLoop, { stage, inst }: OpenStage, inputs: PortRecord, key: string | null, frame: Frame, defer?: Deferred): Promise<PortRecord> {
  const { cache, stats } = loop
  const rc = stats.rc(stage.key, stage.use, frame)
  const warn = defer ? (n: PluginNote) => void defer.notes.push(() => rc.warn(n)) : rc.warn
  const damaged = (file: string, reason: string) => warn({
    code: 'PLAF_CACHE_DAMAGED', severity: 'warning', file,
    message: `cache entry of stage ${stage.key} (${stage.use}) for frame ${frame.id} is damaged, recomputed: ${reason}`,
    hint: 'the entry is rewritten by this run; a disk that keeps damaging files needs checking',
  })
  const hit = key ? (cache.get(key, damaged) as CachedCall | undefined) : undefined
  if (hit) {
    stats.count(stage, hit.outputs)
    stats.stages[stage.key].cache_hits++
    for (const [name, value] of hit.metrics) rc.metric(name, value)
    return hit.outputs
  }
  if (key && cache.enabled) stats.stages[stage.key].cache_misses++
  const metrics: [string, number][] = []
  const recording: RunContext = {
    ...rc,
    metric: (name, value) => (metrics.push([name, value]), rc.metric(name, value)),
    warn,
  }
  let out: PortRecord
  try {
    const site = { stage: stage.key, plugin: stage.use, frame: frame.id }
    out = ((await stats.timed(stage.key, () => guardCall(inst.run(inputs, recording), loop.stageTimeoutMs ?? DEFAULT_STAGE_TIMEOUT_MS, site))) ?? {}) as PortRecord
  } catch (e) {
    throw wrapError(e, stage, frame.id)
  }
  checkOutputs(stage, out, 'frame', frame.id)
  stats.count(stage, out)
  if (key) {
    const write = (): void => cache.set(key, { outputs: out, metrics } satisfies CachedCall)
    if (defer) defer.writes.push(write)
    else write()
  }
  return out
}

/** One frame's port values and their cache keys, starting from the frame itself. */
export interface FrameValues {
  values: Map<string, unknown>
  keys: Map<string, string | null>
}

/** The port values of a frame before any stage ran: `input.frame`. */
export function frameValues(loop: FrameLoop, frame: Frame): FrameValues {
  return {
    values: new Map<string, unknown>([['input.frame', frame]]),
    keys: new Map<string, string | null>([['input.frame', hashJson([loop.source.identity, frame.id])]]),
  }
}

/** Runs one stage on one frame: its frame-scoped inputs from `fv`, its outputs into `fv`. */
export async function runStage(loop: FrameLoop, open: OpenStage, frame: Frame, fv: FrameValues, defer?: Deferred): Promise<void> {
  const { stage } = open
  const inputs: PortRecord = {}
  const upstream: (string | null)[] = []
  for (const [port, src] of Object.entries(stage.wiring)) {
    const ref = `${src.stage}.${src.port}`
    if (PORT_SCOPES[stage.plugin.inputs[port]] !== 'frame') continue
    inputs[port] = fv.values.get(ref)
    upstream.push(fv.keys.get(ref) ?? null)
  }
  const key = cacheKey(stage, open.inst, upstream)
  const out = await cachedRun(loop, open, inputs, key, frame, defer)
  for (const port of Object.keys(stage.plugin.outputs)) {
    fv.values.set(`${stage.key}.${port}`, out[port])
    fv.keys.set(`${stage.key}.${port}`, key)
  }
}

/** PLAF_INTERRUPTED after the frames completed so far. */
export function interrupted(loop: FrameLoop): PlafError {
  const { dir, progress } = loop
  const next = dir.completed ? 'nothing half-written is left, continue with --resume' : 'no frame completed, nothing to resume'
  return new PlafError(diagnostic('PLAF_INTERRUPTED', `interrupted after ${progress.done} of ${progress.total} frames; ${next}`, { file: dir.progressFile }))
}

/** Marks a frame completed: progress.json and a `frame` event. */
export function completeFrame(loop: FrameLoop, frame: Frame): void {
  const { dir, progress } = loop
  progress.done++
  writeProgress(dir, Math.max(progress.done, dir.resumeFrom), frame.id, false)
  progress.emit('frame', { frame: frame.id })
}

/**
 * Runs every frame of the source through the frame stages (`loop.stages` holds only those), writing
 * progress.json and emitting a `frame` event after each. Stops with PLAF_INTERRUPTED between frames
 * once `loop.signal` is aborted. More than one frame in flight: `runPipelined`.
 */
export async function runFrames(loop: FrameLoop): Promise<void> {
  if ((loop.framesInFlight ?? 1) > 1) return runPipelined(loop)
  for await (const frame of loop.source.frames()) {
    if (loop.signal?.aborted) throw interrupted(loop)
    const fv = frameValues(loop, frame)
    for (const open of loop.stages) await runStage(loop, open, frame, fv)
    completeFrame(loop, frame)
  }
}
