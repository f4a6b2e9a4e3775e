/**
 * What a run measures while it runs: per-stage figures (calls, time, cache, RSS, metrics), the
 * notes plugins raise, and progress events. Also the two checks every stage call goes through
 * (`checkOutputs`, `wrapError`).
 */
import { performance } from 'node:perf_hooks'
import { type Diagnostic, PlafError, diagnostic } from '../diagnostics.js'
import type { PluginNote, PortRecord, RunContext } from '../plugin.js'
import { checkPort, PORT_SCOPES, type Frame, type PortName } from '../ports.js'
import type { ResolvedStage } from '../pipeline/resolve.js'
import type { StageReport } from './report.js'
import { fsErrorDiagnostic } from '../util/fs-errors.js'
import { bugSite, pluginSource } from '../pipeline/plugin-source.js'
import { ownTimed } from './own-time.js'

/** Progress of a run, emitted after every frame and at each scene-level step. */
export interface ProgressEvent {
  phase: 'start' | 'frame' | 'finish' | 'done'
  done: number
  total: number
  framesPerSecond: number
  etaSeconds: number
  /** The frame just processed (phase `frame`). */
  frame?: string
  /** The stage about to be finished (phase `finish`): its key in the pipeline. */
  stage?: string
  /** That stage's plugin (phase `finish`). */
  plugin?: string
}

const mib = (bytes: number): number => bytes / 1048576

/** The warnings plugins raise during a run, stamped with stage, plugin and frame. */
export class RunNotes {
  readonly list: Diagnostic[] = []
  private held: Diagnostic[] | undefined
  constructor(private readonly onNote?: (d: Diagnostic) => void) {}

  /** Records a plugin's note as a warning diagnostic and passes it on (or holds it, see `hold`). */
  add(n: PluginNote, stage: string, plugin: string, frame?: string): void {
    const d = diagnostic(n.code, n.message, { severity: 'warning', ...n, stage: n.stage ?? stage, plugin: n.plugin ?? plugin, frame: n.frame ?? frame })
    if (this.held) this.held.push(d)
    else this.emit(d)
  }

  /**
   * Holds the notes added from now on until `take`: the pipelined frame loop holds what the input
   * says while it reads ahead, and records it where the sequential loop would have.
   */
  hold(): void {
    this.held ??= []
  }

  /** Stops holding and returns the held notes, to `emit` later. */
  take(): Diagnostic[] {
    const held = this.held ?? []
    this.held = undefined
    return held
  }

  /** Records a note made earlier (held) now. */
  emit(d: Diagnostic): void {
    this.list.push(d)
    this.onNote?.(d)
  }

  /** Count of warnings by code, for the report (info notes, e.g. PLAF_INTRINSICS_SCALED, are in `notes` only). */
  byCode(): Record<string, number> {
    const warnings: Record<string, number> = {}
    for (const n of this.list) if (n.severity !== 'info') warnings[n.code] = (warnings[n.code] ?? 0) + 1
    return warnings
  }
}

/** Per-stage figures of a run (the `stages` of report.json), and the run contexts that fill them. */
export class RunStats {
  readonly stages: Record<string, StageReport> = {}
  constructor(stages: readonly ResolvedStage[], private readonly notes: RunNotes) {
    for (const s of stages) {
      this.stages[s.key] = { plugin: s.use, kind: s.plugin.kind, version: s.plugin.version, calls: 0, ms_total: 0, ms_mean: 0, own_ms_total: 0, own_ms_mean: 0, cache_hits: 0, cache_misses: 0, peak_rss_mib: 0, metrics: {}, frame_metrics: {} }
    }
  }

  /** Masks (MaskSet outputs, summed over frames) and points (SemanticMap3D outputs) each stage produced. */
  readonly produced: Record<string, { masks?: number; points?: number }> = {}

  /** Counts what a call produced (computed or replayed from the cache), for {@link emptyResultNotes}. */
  count(stage: ResolvedStage, out: PortRecord): void {
    const p = (this.produced[stage.key] ??= {})
    for (const [port, type] of Object.entries(stage.plugin.outputs) as [string, PortName][]) {
      const v = out?.[port] as { masks?: unknown[]; positions?: Float32Array } | undefined
      if (type === 'MaskSet' && Array.isArray(v?.masks)) p.masks = (p.masks ?? 0) + v.masks.length
      if (type === 'SemanticMap3D' && v?.positions) p.points = (p.points ?? 0) + v.positions.length / 3
    }
  }

  /** Warnings for a run whose maskers produced no mask in any frame, or whose 3D map holds no point. */
  emptyResultNotes(frames: number): { key: string; plugin: string; note: PluginNote }[] {
    const out: { key: string; plugin: string; note: PluginNote }[] = []
    for (const [key, p] of Object.entries(this.produced)) {
      const plugin = this.stages[key]!.plugin
      if (p.masks === 0 && frames > 0) {
        out.push({ key, plugin, note: { code: 'PLAF_EMPTY_RESULT', severity: 'warning', message: `stage ${key} (${plugin}) produced no mask in any of the ${frames} frame${frames === 1 ? '' : 's'}: the 2D memory holds no features`, hint: 'check the masker\'s thresholds (e.g. min_area, pred_iou_thresh) against these images' } })
      }
      if (p.points === 0) {
        out.push({ key, plugin, note: { code: 'PLAF_EMPTY_RESULT', severity: 'warning', message: `stage ${key} (${plugin}) built a 3D map with no point`, hint: 'check the depth images, depth scale and the lifter\'s max_depth; plaf data inspect <scene> shows what the frames hold' } })
      }
    }
    return out
  }

  /** The run context of one call: metrics are summed per stage (and per frame, in frame calls). */
  rc(key: string, plugin: string, frame?: Frame): RunContext {
    return {
      frame: frame ? { id: frame.id, index: frame.index } : undefined,
      metric: (name, value) => {
        const st = this.stages[key]
        st.metrics[name] = (st.metrics[name] ?? 0) + value
        if (frame) {
          const fm = (st.frame_metrics[frame.id] ??= {})
          fm[name] = (fm[name] ?? 0) + value
        }
      },
      warn: (n) => this.notes.add(n, key, plugin, frame?.id),
    }
  }

  /**
   * Runs one computed stage call, counting it with its wall time (call to settle: with frames in
   * flight, other stages' work that ran meanwhile included), its own main-thread time (`ownTimed`:
   * the call's code only; measured while `startOwnTime` is on, else its synchronous part) and the
   * RSS right after it.
   */
  async timed<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    const t = performance.now()
    const { result, clock } = ownTimed(fn)
    const r = await result
    const st = this.stages[key]
    st.calls++
    st.ms_total += performance.now() - t
    st.own_ms_total = (st.own_ms_total ?? 0) + clock.ms
    st.peak_rss_mib = Math.max(st.peak_rss_mib, mib(process.memoryUsage().rss))
    return r
  }

  /** Fills in each stage's mean times per call; call once after the last call. */
  close(): Record<string, StageReport> {
    for (const st of Object.values(this.stages)) {
      st.ms_mean = st.calls ? st.ms_total / st.calls : 0
      st.own_ms_mean = st.calls ? (st.own_ms_total ?? 0) / st.calls : 0
    }
    return this.stages
  }
}

/** Emits progress events; `done` counts the frames processed in this run. */
export class ProgressClock {
  done = 0
  private readonly t0 = performance.now()
  constructor(readonly total: number, private readonly onProgress?: (e: ProgressEvent) => void) {}

  emit(phase: ProgressEvent['phase'], extra: Partial<ProgressEvent> = {}): void {
    const secs = (performance.now() - this.t0) / 1000
    const fps = this.done > 0 && secs > 0 ? this.done / secs : 0
    this.onProgress?.({ phase, done: this.done, total: this.total, framesPerSecond: fps, etaSeconds: fps > 0 ? (this.total - this.done) / fps : NaN, ...extra })
  }
}

/** Throws PLAF_PORT_VALUE_INVALID when an output of the given scope is not a valid value of its port type. */
export function checkOutputs(stage: ResolvedStage, out: PortRecord, scope: 'frame' | 'scene', frame?: string): void {
  for (const [port, type] of Object.entries(stage.plugin.outputs) as [string, PortName][]) {
    if (PORT_SCOPES[type] !== scope) continue
    const bad = checkPort(type, out?.[port])
    if (bad) throw new PlafError(diagnostic('PLAF_PORT_VALUE_INVALID', `stage ${stage.key} (${stage.use})${frame ? ` frame ${frame}` : ''}: output "${port}" is not a valid ${type}: ${bad}`, { stage: stage.key, plugin: stage.use, frame }))
  }
}

/**
 * Wraps what a stage threw: a PlafError gets the prefix `stage <key> (<plugin>) frame <id>:` and
 * stage, plugin and frame filled in; anything else becomes PLAF_STAGE_FAILED with it as cause.
 */
export function wrapError(e: unknown, stage: { key: string; plugin: { name: string } }, frame?: string): PlafError {
  const where = `stage ${stage.key} (${stage.plugin.name})${frame ? ` frame ${frame}` : ''}`
  if (e instanceof PlafError) {
    return new PlafError(e.diagnostics.map((d) => ({ ...d, stage: d.stage ?? stage.key, plugin: d.plugin ?? stage.plugin.name, frame: d.frame ?? frame, message: `${where}: ${d.message}` })), { cause: e })
  }
  const fsError = fsErrorDiagnostic(e, { stage: stage.key, plugin: stage.plugin.name, frame })
  if (fsError) return new PlafError({ ...fsError, message: `${where}: ${fsError.message}` }, { cause: e })
  // Anything else is a bug of the plugin: the place in its code it was raised (file, line, column)
  // and whose bug it is; the CLI prints the stack and exits 2.
  const err = e as Error
  const name = e instanceof Error && e.name !== 'Error' ? `${e.name}: ` : ''
  const src = pluginSource(stage.plugin)
  const hint = src
    ? `a bug in the plugin ${stage.plugin.name} (${src.file}), not in the pipeline: the stack below shows where; report it to the plugin's author`
    : `a bug in the built-in plugin ${stage.plugin.name}: please report it with the command you ran and the stack below`
  return new PlafError(diagnostic('PLAF_STAGE_FAILED', `${where}: ${name}${err?.message ?? String(e)}`, {
    stage: stage.key, plugin: stage.plugin.name, frame, cause: e, ...bugSite(e, stage.plugin), hint,
  }), { cause: e })
}
