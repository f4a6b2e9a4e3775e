/**
 * The run directory's own bookkeeping: where it is, what a resumed run continues from,
 * `progress.json`, written after every frame, and what a failed run leaves behind.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { PlafError, diagnostic, type Diagnostic } from '../diagnostics.js'
import type { ResolvedPipeline } from '../pipeline/resolve.js'
import { removeStaleTempFiles, writeJsonAtomic } from '../util/atomic.js'
import { parse as parseYaml } from 'yaml'
import { describeJsonValue, firstDifference, type FirstDifference } from '../util/first-difference.js'
import { hashJson } from './cache.js'
import { RUN_LOCK_FILE, acquireRunLock, type RunLock } from './run-lock.js'

/** progress.json. */
export interface RunProgress {
  config_hash: string
  completed: number
  last_frame: string | null
  complete: boolean
}

/** A prepared run directory. */
export interface RunDir {
  /** Absolute path of the run directory. */
  path: string
  progressFile: string
  /** Hash of the resolved configuration (`p.config`). */
  configHash: string
  /** Frames an interrupted run completed, when resuming it; 0 otherwise. */
  resumeFrom: number
  /** Frames completed as progress.json records them (starts at `resumeFrom`; `writeProgress` updates it). */
  completed: number
  /**
   * The first directory this run created (the run directory itself or its highest new parent), or
   * undefined when the run directory existed before the run.
   */
  createdFrom?: string
  /** The directory's lock, held until the run ends (`release()` in every outcome). */
  lock: RunLock
  /** What preparing the directory has to report (a stale lock taken over, an earlier run cleared). */
  notes: Diagnostic[]
}

/** The run an earlier `plaf run` left in a directory, from its progress.json and manifest.json. */
export interface EarlierRun {
  /** Its configuration hash; null when neither file says (unreadable). */
  configHash: string | null
  pipeline: string | null
  startedAt: string | null
  completed: number
  complete: boolean
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {}
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? null : {}
  }
}

/** The earlier run in `runDir`, or null when it holds none (no progress.json, no manifest.json). */
export function earlierRun(runDir: string): EarlierRun | null {
  const progress = readJson(join(runDir, 'progress.json'))
  const manifest = readJson(join(runDir, 'manifest.json'))
  if (!progress && !manifest) return null
  const pipeline = (manifest?.pipeline ?? {}) as Record<string, unknown>
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)
  return {
    configHash: str(progress?.config_hash) ?? str(pipeline.config_hash),
    pipeline: str(pipeline.file),
    startedAt: str(manifest?.started_at),
    completed: typeof progress?.completed === 'number' ? progress.completed : 0,
    complete: progress?.complete === true,
  }
}

/**
 * Removes everything in the run directory but its lock and the runs nested in it (a folder with
 * its own progress.json or manifest.json: `--shard` runs default to `<output.dir>/shard-i-of-n`,
 * sweep variants to `<out>/<variant>`), which are other runs' results.
 */
function clearRunDir(path: string): void {
  for (const e of readdirSync(path, { withFileTypes: true })) {
    if (e.name === RUN_LOCK_FILE) continue
    const p = join(path, e.name)
    if (e.isDirectory() && earlierRun(p)) continue
    rmSync(p, { recursive: true, force: true })
  }
}

function describeEarlier(e: EarlierRun): string {
  // a complete clause: "a run of p.yaml that started <time> and finished" (never a trailing ", finished")
  const state = e.complete ? 'finished' : `was interrupted after ${e.completed} frame${e.completed === 1 ? '' : 's'}`
  return `${e.pipeline ? `a run of ${e.pipeline}` : 'a run'} that ${e.startedAt ? `started ${e.startedAt} and ` : ''}${state}`
}

/**
 * A fresh (not resumed) run's rule for a directory that holds an earlier run: the same
 * configuration is a rerun of that run, so its outputs are cleared first (with a note: an
 * interrupted one could have been resumed); another configuration is refused unless `overwrite`,
 * which clears it, or unless that run completed no frame (nothing to lose). A directory holding no
 * run is never cleared. Returns the notes to report.
 */
function claimForFreshRun(path: string, configHash: string, overwrite: boolean): Diagnostic[] {
  const earlier = earlierRun(path)
  if (!earlier) {
    const foreign = readdirSync(path).filter((n) => n !== RUN_LOCK_FILE)
    return overwrite && foreign.length
      ? [diagnostic('PLAF_RUN_DIR_USED', `--overwrite: ${path} holds no PLAF run (no progress.json or manifest.json), so nothing in it was removed`, { severity: 'info', file: path })]
      : []
  }
  const same = earlier.configHash === configHash
  // a run that completed no frame holds no result to lose (killed or failed while starting)
  const empty = !earlier.complete && earlier.completed === 0
  if (!same && !overwrite && !empty) {
    throw new PlafError(diagnostic('PLAF_RUN_DIR_USED', `${path} holds the outputs of another run (${describeEarlier(earlier)}) with a different configuration; a new run would mix the two`, {
      file: path, expected: configHash.slice(0, 12), actual: earlier.configHash?.slice(0, 12) ?? 'unreadable',
      hint: `choose another --out, or add --overwrite to delete that run first${earlier.complete ? '' : ' (--resume continues it only with its own configuration)'}`,
    }))
  }
  clearRunDir(path)
  const why = same ? 'a rerun of the same configuration' : overwrite ? '--overwrite' : 'another configuration'
  const resumable = same && !earlier.complete && earlier.completed > 0 ? '; --resume would have continued it' : ''
  return [diagnostic('PLAF_RUN_DIR_USED', `${why}: cleared ${path}, which held ${describeEarlier(earlier)}${resumable}`, { severity: 'info', file: path })]
}

/** Whether `runDir` holds nothing but PLAF's own lock and temporary files (what a run killed while starting leaves). */
function holdsNothing(runDir: string): boolean {
  return readdirSync(runDir).every((n) => n === RUN_LOCK_FILE || (n.startsWith('.') && n.endsWith('.tmp')))
}

/**
 * Where the configuration `config` (hash `configHash`) first differs from the one the run in
 * `runDir` started with, from that run's `config.resolved.yaml`: null when the file is missing,
 * unreadable, or not the configuration of `runHash` (progress.json's), so it cannot say.
 */
function differenceFromRun(runDir: string, runHash: string, config: unknown): FirstDifference | null {
  let earlier: unknown
  try {
    earlier = parseYaml(readFileSync(join(runDir, 'config.resolved.yaml'), 'utf8'))
  } catch {
    return null
  }
  return hashJson(earlier) === runHash ? firstDifference(earlier, config) : null
}

/**
 * PLAF_RESUME_MISMATCH for a run directory started with another configuration: names the first
 * differing path with both values (as `plaf merge` does, when the run's config.resolved.yaml says),
 * and a hint with what works: a fresh run where that run completed no frame, else `--overwrite` or
 * another `--out`, or restoring the configuration.
 */
function resumeMismatch(runDir: string, progressFile: string, prev: RunProgress, configHash: string, config: unknown): PlafError {
  const diff = config === undefined ? null : differenceFromRun(runDir, prev.config_hash, config)
  const what = diff
    ? `: ${diff.path} is ${describeJsonValue(diff.b)} now, ${describeJsonValue(diff.a)} in that run`
    : ` (configuration hash ${configHash.slice(0, 12)} now, ${prev.config_hash.slice(0, 12)} in that run)`
  const fresh = !prev.complete && prev.completed === 0
    ? 'that run completed no frame: run without --resume to start this configuration there, or choose another --out'
    : 'add --overwrite instead of --resume to replace that run (its outputs are deleted), or choose another --out for this configuration'
  return new PlafError(diagnostic('PLAF_RESUME_MISMATCH', `cannot resume ${runDir}: it was started with another configuration${what}`, {
    file: progressFile, path: diff?.path,
    expected: `${diff ? `${describeJsonValue(diff.a)} ` : ''}(that run's configuration ${prev.config_hash.slice(0, 12)})`,
    actual: `${diff ? `${describeJsonValue(diff.b)} ` : ''}(this configuration ${configHash.slice(0, 12)})`,
    hint: `${fresh}; to continue that run, resume it with its own configuration (${join(runDir, 'config.resolved.yaml')})`,
  }))
}

/**
 * What a resumed run continues from: the frames the interrupted run completed (0 when it had
 * completed but its report is gone, so it starts over (a complete one with its report is
 * `completedRun`'s and never gets here), or when it completed none: a fresh run writes progress.json with 0
 * frames before it starts). A directory holding nothing at all (a run that died before it could
 * write progress.json, e.g. on a full disk, or whose failed start removed the directory) is resumed
 * from frame 0 with an info note in `notes`. Throws PLAF_RESUME_MISMATCH when the directory holds
 * something but no progress.json, or the configuration changed since (naming, with `config` given,
 * the first differing path and both values).
 */
export function readResume(runDir: string, configHash: string, notes: Diagnostic[] = [], config?: unknown): number {
  const progressFile = join(runDir, 'progress.json')
  if (!existsSync(progressFile) && holdsNothing(runDir)) {
    notes.push(diagnostic('PLAF_RESUME_MISMATCH', `nothing to resume in ${runDir} (no frame was completed there): running from frame 0`, { severity: 'info', file: progressFile }))
    return 0
  }
  if (!existsSync(progressFile)) throw new PlafError(diagnostic('PLAF_RESUME_MISMATCH', `nothing to resume in ${runDir} (no progress.json)`, { file: progressFile }))
  const prev = JSON.parse(readFileSync(progressFile, 'utf8')) as RunProgress
  if (prev.config_hash !== configHash) throw resumeMismatch(runDir, progressFile, prev, configHash, config)
  return prev.complete ? 0 : prev.completed
}

/**
 * Resolves the run directory (`outDir` or the pipeline's `output.dir`, against `cwd`), creates it,
 * takes its lock (PLAF_RUN_LOCKED while another run holds it), checks a resume, or for a fresh run
 * clears an earlier run of the same configuration and refuses another one unless `overwrite`
 * (PLAF_RUN_DIR_USED), and deletes the report of any earlier run. On failure the lock is released
 * and a directory this call created is removed.
 */
export function prepareRunDir(p: ResolvedPipeline, opts: { outDir?: string; resume?: boolean; overwrite?: boolean; cwd?: string }): RunDir {
  const path = resolve(opts.cwd ?? process.cwd(), opts.outDir ?? p.output.dir)
  if (opts.resume && opts.overwrite) {
    throw new PlafError(diagnostic('PLAF_INVALID_OPTION', '--resume and --overwrite exclude each other: --resume continues the run in the directory, --overwrite deletes it', { file: path }))
  }
  const configHash = hashJson(p.config)
  const createdFrom = mkdirSync(path, { recursive: true })
  const lock = acquireRunLock(path, p.file)
  try {
    const notes = lock.tookOver ? [lock.tookOver] : []
    const resumeFrom = opts.resume ? readResume(path, configHash, notes, p.config) : 0
    if (!opts.resume) notes.push(...claimForFreshRun(path, configHash, opts.overwrite ?? false))
    // what atomic writes of a killed earlier run left behind (never a live writer's)
    removeStaleTempFiles(path)
    // a resumed run writes its report again at the end
    for (const f of ['report.json', 'report.md']) rmSync(join(path, f), { force: true })
    const dir: RunDir = { path, progressFile: join(path, 'progress.json'), configHash, resumeFrom, completed: resumeFrom, createdFrom, lock, notes }
    // before anything else is written: a run killed before its first frame completed is resumable
    // (from frame 0, with its configuration checked)
    if (resumeFrom === 0) writeProgress(dir, 0, null, false)
    return dir
  } catch (e) {
    lock.release()
    if (createdFrom) removeCreatedRunDir(path, createdFrom)
    throw e
  }
}

/** Writes progress.json (atomically). */
export function writeProgress(dir: RunDir, completed: number, lastFrame: string | null, complete: boolean): void {
  writeJsonAtomic(dir.progressFile, { config_hash: dir.configHash, completed, last_frame: lastFrame, complete } satisfies RunProgress)
  dir.completed = completed
}

/** Removes the run directory and the parents this run created, those only while empty. Best effort. */
function removeCreatedRunDir(path: string, createdFrom: string): void {
  try {
    rmSync(path, { recursive: true, force: true })
    // rmdirSync throws on a parent something else has written into since: it stays, and so do its parents
    for (let d = dirname(path); d.length >= createdFrom.length; d = dirname(d)) rmdirSync(d)
  } catch {
    // what cannot be removed stays; the run's own error is what matters
  }
}

/**
 * Settles what a failed run leaves and returns the error to throw. No frame completed (nothing to
 * resume): a run directory this run created is removed, with the parents it created while they are
 * empty. Frames completed: the directory stays, and a PlafError's first error diagnostic gets a
 * hint that `--resume` continues (PLAF_INTERRUPTED says so in its message already). A directory
 * that existed before the run is never removed.
 */
export function settleFailedRun(dir: RunDir, e: unknown): unknown {
  if (dir.completed === 0) {
    if (dir.createdFrom) removeCreatedRunDir(dir.path, dir.createdFrom)
    return e
  }
  if (!(e instanceof PlafError) || e.diagnostics.some((d) => d.code === 'PLAF_INTERRUPTED')) return e
  const kept = `${dir.completed} completed frame${dir.completed === 1 ? '' : 's'} kept in ${dir.path}: continue with --resume`
  const at = e.diagnostics.findIndex((d) => d.severity === 'error')
  return new PlafError(e.diagnostics.map((d, i) => (i === at ? { ...d, hint: d.hint ? `${d.hint}; ${kept}` : kept } : d)), { cause: e.cause ?? e })
}

/** What `completedRun` finds: a finished run's own files. */
export interface CompletedRun {
  /** Absolute path of the run directory. */
  path: string
  /** Its report.json and manifest.json as written when it finished. */
  report: Record<string, unknown>
  manifest: Record<string, unknown>
  /** Frames it completed (progress.json). */
  completed: number
}

/**
 * The run `--resume` would continue when it has nothing left to do: the run directory's
 * progress.json says complete with this configuration's hash, and its report.json and
 * manifest.json read. Null otherwise (no such run, another configuration: `prepareRunDir` then
 * decides, and says why). Reads only; a requeued cluster task that finished before (deploy/ adds
 * `--resume` whenever progress.json exists) is answered from these files without opening a stage.
 */
export function completedRun(p: ResolvedPipeline, opts: { outDir?: string; cwd?: string }): CompletedRun | null {
  const path = resolve(opts.cwd ?? process.cwd(), opts.outDir ?? p.output.dir)
  const progress = readJson(join(path, 'progress.json'))
  if (progress?.complete !== true || progress.config_hash !== hashJson(p.config)) return null
  const report = readJson(join(path, 'report.json'))
  const manifest = readJson(join(path, 'manifest.json'))
  // a report or manifest that is missing or does not parse: not known to be complete, so run again
  if (!report || !manifest || report.complete !== true) return null
  return { path, report, manifest, completed: typeof progress.completed === 'number' ? progress.completed : 0 }
}
