/**
 * The run directory's own bookkeeping: where it is, what a resumed run continues from,
 * `progress.json`, written after every frame, and what a failed run leaves behind.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { PlafError, diagnostic } from '../diagnostics.js'
import type { ResolvedPipeline } from '../pipeline/resolve.js'
import { removeStaleTempFiles, writeJsonAtomic } from '../util/atomic.js'
import { hashJson } from './cache.js'

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
}

/**
 * What a resumed run continues from: the frames the interrupted run completed (0 when it had
 * completed, so it starts over). Throws PLAF_RESUME_MISMATCH when there is no progress.json or the
 * configuration changed since.
 */
export function readResume(runDir: string, configHash: string): number {
  const progressFile = join(runDir, 'progress.json')
  if (!existsSync(progressFile)) throw new PlafError(diagnostic('PLAF_RESUME_MISMATCH', `nothing to resume in ${runDir} (no progress.json)`, { file: progressFile }))
  const prev = JSON.parse(readFileSync(progressFile, 'utf8')) as RunProgress
  if (prev.config_hash !== configHash) {
    throw new PlafError(diagnostic('PLAF_RESUME_MISMATCH', `the pipeline changed since ${runDir} was started; run without --resume or restore the configuration`, {
      file: progressFile, expected: prev.config_hash.slice(0, 12), actual: configHash.slice(0, 12),
    }))
  }
  return prev.complete ? 0 : prev.completed
}

/**
 * Resolves the run directory (`outDir` or the pipeline's `output.dir`, against `cwd`), checks a
 * resume, creates the directory and deletes the report of any earlier run in it.
 */
export function prepareRunDir(p: ResolvedPipeline, opts: { outDir?: string; resume?: boolean; cwd?: string }): RunDir {
  const path = resolve(opts.cwd ?? process.cwd(), opts.outDir ?? p.output.dir)
  const configHash = hashJson(p.config)
  const resumeFrom = opts.resume ? readResume(path, configHash) : 0
  const createdFrom = mkdirSync(path, { recursive: true })
  // what atomic writes of a killed earlier run left behind (never a live writer's)
  removeStaleTempFiles(path)
  // a fresh run in a used directory must not leave the last run's progress to mislead --resume
  for (const f of opts.resume ? ['report.json', 'report.md'] : ['report.json', 'report.md', 'progress.json']) rmSync(join(path, f), { force: true })
  return { path, progressFile: join(path, 'progress.json'), configHash, resumeFrom, completed: resumeFrom, createdFrom }
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
