/**
 * The run directory's own bookkeeping: where it is, what a resumed run continues from, and
 * `progress.json`, written after every frame.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { PlafError, diagnostic } from '../diagnostics.js'
import type { ResolvedPipeline } from '../pipeline/resolve.js'
import { writeJsonAtomic } from '../util/atomic.js'
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
  mkdirSync(path, { recursive: true })
  for (const f of ['report.json', 'report.md']) rmSync(join(path, f), { force: true })
  return { path, progressFile: join(path, 'progress.json'), configHash, resumeFrom }
}

/** Writes progress.json (atomically). */
export function writeProgress(dir: RunDir, completed: number, lastFrame: string | null, complete: boolean): void {
  writeJsonAtomic(dir.progressFile, { config_hash: dir.configHash, completed, last_frame: lastFrame, complete } satisfies RunProgress)
}
