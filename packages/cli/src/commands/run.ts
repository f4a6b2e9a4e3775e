import { join, resolve } from 'node:path'
import { PlafError, cacheUse, flagOrigin, type OverrideArg, readSceneList, type Diagnostic, describeCacheUse, expandSweep, stageTimesNote, hasErrors, sweepOverrides, resolvePipeline, runPipeline, writeFileAtomic, writeJsonAtomic, type ResolveResult, type RunResult } from '@plaf/core'
import { builtinRegistry } from '../builtins.js'
import { EXIT, printDiagnostics, type Io } from '../io.js'
import { createProgress, type ProgressMode } from '../progress.js'
import { createPullProgress } from '../pull-progress.js'
import { formatDiagnostic } from '../render.js'
import { abortOnStopSignals } from '../stop-signals.js'
import { sweepTable } from '../sweep-table.js'
import { VERSION } from '../version.js'
import { emptyShardMessage, parseShard, shardPipeline, shardScenes, writeShardRecord, type ShardSpec } from './shard.js'

/** Options of `plaf run`. */
export interface RunCommandOptions {
  set?: string[]
  out?: string
  resume?: boolean
  /** Clear a run directory holding another configuration's run first (refused otherwise). */
  overwrite?: boolean
  progress?: ProgressMode
  json?: boolean
  /** `i/n`: run shard i (0-based) of n; see shard.ts for the chunking. */
  shard?: string
  /** Frames per chunk of --shard (default 25). */
  shardChunk?: string
  /** A scene list: shard the listed scenes instead of one scene's frames. */
  scenes?: string
  /** The input option --scenes sets to each listed path (default `scene`). */
  sceneOption?: string
}

/** What {@link runOnce} passes on: a note for which `drop` is true is not printed (it is still in report.json). */
interface RunOnceHooks {
  drop?(d: Diagnostic): boolean
}

/** Runs one pipeline (no sweep) and returns the result; prints warnings as they come (first 3 per code). */
export async function runOnce(file: string, opts: RunCommandOptions, io: Io, label = 'plaf', resolved?: ResolveResult, hooks: RunOnceHooks = {}): Promise<RunResult | number> {
  const r = resolved ?? (await resolvePipeline(file, builtinRegistry(), { overrides: opts.set ?? [] }))
  printDiagnostics(io, r.diagnostics, opts.json)
  if (!r.pipeline || hasErrors(r.diagnostics)) return EXIT.user
  const progress = createProgress(opts.progress ?? r.pipeline.runtime.progress, label, io.progressStream)
  // models a stage opens but the store lacks are pulled from runtime.hub / PLAF_HUB before the frames start
  const pulls = createPullProgress(opts.progress ?? r.pipeline.runtime.progress, io.progressStream)
  const seen = new Map<string, number>()
  // Ctrl-C or SIGTERM (Slurm, Kubernetes) stops between frames: every file written so far is
  // complete, and --resume continues.
  const abort = new AbortController()
  const stopListening = abortOnStopSignals(io, abort, 'the current frame')
  try {
    const res = await runPipeline(r.pipeline, {
      signal: abort.signal,
      outDir: opts.out, resume: opts.resume, overwrite: opts.overwrite, toolVersion: VERSION, onProgress: progress.onProgress, onModelProgress: pulls.onProgress,
      onNote: (d) => {
        if (hooks.drop?.(d)) return
        const n = (seen.get(d.code) ?? 0) + 1
        seen.set(d.code, n)
        if (n <= 3) io.err(formatDiagnostic(d))
        else if (n === 4) io.err(`(further ${d.code} warnings are counted in report.json)`)
      },
    })
    if (res.alreadyComplete) io.err(`${label === 'plaf' ? '' : `[${label}] `}--resume: ${res.runDir} already holds this run, complete (${res.report.frames.processed} frames, same configuration): nothing to do`)
    return res
  } finally {
    stopListening()
    pulls.stop()
    progress.stop()
  }
}

/** `plaf run <pipeline>`: a single run, or every variant of its `sweep:` plus a summary table. */
export async function runCommand(file: string, opts: RunCommandOptions, io: Io): Promise<number> {
  if (opts.shard !== undefined || opts.scenes !== undefined || opts.shardChunk !== undefined) return runShard(file, opts, io)
  const first = await resolvePipeline(file, builtinRegistry(), { overrides: opts.set ?? [] })
  const sweep = first.pipeline?.sweep
  if (!sweep) {
    const res = await runOnce(file, opts, io, 'plaf', first)
    if (typeof res === 'number') return res
    io.out(opts.json ? JSON.stringify(res.report, null, 2) : `${res.alreadyComplete ? 'run already complete in' : 'run written to'} ${res.runDir}\n\n${res.report && summaryLine(res)}`)
    return EXIT.ok
  }
  const root = resolve(opts.out ?? first.pipeline!.output.dir)
  const rows: Record<string, unknown>[] = []
  for (const v of expandSweep(sweep)) {
    io.err(`== sweep variant ${v.name}`)
    // every variant was checked when the base resolved (checkSweep): resolve each once more, alone
    const set = [...(opts.set ?? []), ...v.overrides]
    // the variant's values located at the sweep's matrix in the YAML, not as --set nobody typed
    const resolved = await resolvePipeline(file, builtinRegistry(), { overrides: [...(opts.set ?? []), ...sweepOverrides(v, first.loaded.provenance)], checkSweep: false })
    const res = await runOnce(file, { ...opts, set, out: join(root, v.name) }, io, v.name, resolved)
    if (typeof res === 'number') return res
    const row: Record<string, unknown> = { variant: v.name, wall_s: +(res.report.wall_ms / 1000).toFixed(2), frames: res.report.frames.processed }
    for (const [stage, s] of Object.entries(res.report.stages)) {
      row[`${stage}.ms_mean`] = +s.ms_mean.toFixed(1)
      for (const [m, val] of Object.entries(s.metrics)) row[`${stage}.${m}`] = val
    }
    rows.push(row)
  }
  const md = sweepTable(rows)
  writeJsonAtomic(join(root, 'sweep-summary.json'), rows)
  writeFileAtomic(join(root, 'sweep-summary.md'), md)
  io.out(opts.json ? JSON.stringify(rows, null, 2) : `sweep of ${rows.length} variants written to ${root}\n\n${md}`)
  return EXIT.ok
}

/** `plaf run --shard i/n` (frame chunks of one scene) or `--scenes list.txt [--shard i/n]` (whole scenes). */
async function runShard(file: string, opts: RunCommandOptions, io: Io): Promise<number> {
  if (opts.shardChunk !== undefined && (opts.scenes !== undefined || opts.shard === undefined)) {
    const message = opts.scenes !== undefined ? '--shard-chunk applies to frame shards; with --scenes every work item is a whole scene' : '--shard-chunk needs --shard i/n'
    printDiagnostics(io, [{ code: 'PLAF_INVALID_OPTION', severity: 'error', message, path: 'shard-chunk', source: `--shard-chunk ${opts.shardChunk}` }], opts.json)
    return EXIT.user
  }
  let spec: ShardSpec
  try {
    spec = opts.shard === undefined ? { index: 0, count: 1, chunk: 1 } : parseShard(opts.shard, opts.shardChunk)
  } catch (e) {
    if (e instanceof PlafError) return printDiagnostics(io, e.diagnostics, opts.json), EXIT.user
    throw e
  }
  if (opts.scenes !== undefined) {
    let scenes
    try {
      scenes = shardScenes(readSceneList(opts.scenes, `--scenes ${opts.scenes}`), spec)
    } catch (e) {
      if (e instanceof PlafError) return printDiagnostics(io, e.diagnostics, opts.json), EXIT.user
      throw e
    }
    const done: string[] = []
    for (const sc of scenes) {
      io.err(`== scene ${sc.name} (${opts.scenes}:${sc.line})`)
      const set = [...(opts.set ?? []), `input.with.${opts.sceneOption ?? 'scene'}=${sc.dir}`]
      const resolved = await resolvePipeline(file, builtinRegistry(), { overrides: [...(opts.set ?? []), sceneOverride(opts, sc)] })
      const root = opts.out ?? resolved.pipeline?.output.dir ?? '.'
      const res = await runOnce(file, { ...opts, set, out: join(root, sc.name) }, io, sc.name, resolved)
      if (typeof res === 'number') return res
      done.push(res.runDir)
    }
    io.out(opts.json ? JSON.stringify({ shard: spec.index, of: spec.count, runs: done }, null, 2) : `${opts.shard === undefined ? '' : `shard ${spec.index}/${spec.count}: `}${done.length} scene${done.length === 1 ? '' : 's'} run\n${done.map((d) => `  ${d}`).join('\n')}`)
    return EXIT.ok
  }
  const first = await resolvePipeline(file, builtinRegistry(), { overrides: opts.set ?? [] })
  if (first.pipeline?.sweep) {
    printDiagnostics(io, [{ code: 'PLAF_INVALID_OPTION', severity: 'error', message: '--shard runs one pipeline; this one has a sweep: (run each variant with --set instead)', path: 'shard', source: `--shard ${opts.shard}` }], opts.json)
    return EXIT.user
  }
  if (!first.pipeline || hasErrors(first.diagnostics)) return printDiagnostics(io, first.diagnostics, opts.json), EXIT.user
  // A shard that receives no frame says so when the input opens; the stages' "empty result" notes
  // (a 3D map with no point, …) then only repeat it, blaming the data, and are not printed.
  let empty: Diagnostic | null = null
  const sharded = shardPipeline(first.pipeline, spec, (total) => {
    empty = emptyShardMessage(total, spec)
    if (empty) printDiagnostics(io, [empty], opts.json)
  })
  const out = opts.out ?? join(first.pipeline.output.dir, `shard-${spec.index}-of-${spec.count}`)
  const res = await runOnce(file, { ...opts, out }, io, `shard ${spec.index}/${spec.count}`, { ...first, pipeline: sharded.pipeline }, {
    drop: (d) => empty !== null && d.code === 'PLAF_EMPTY_RESULT',
  })
  if (typeof res === 'number') return res
  const record = sharded.record(res.runDir)
  if (record) writeShardRecord(res.runDir, record)
  io.out(opts.json ? JSON.stringify(res.report, null, 2) : `${record?.frames.length === 0 ? 'empty partial map (no frames)' : 'partial map'} (shard ${spec.index}/${spec.count}, chunks of ${spec.chunk} frames) written to ${res.runDir}\n\n${summaryLine(res)}\nmerge the shards with: plaf merge <shard dirs…> --out <dir>`)
  return EXIT.ok
}

/**
 * The override that sets a listed scene as the input's option: diagnostics about it point at the
 * flag the user typed (`--scene-option scen`, or `--scenes list.txt` when the option is the default
 * `scene`), never at a `--set` nobody typed.
 */
function sceneOverride(opts: RunCommandOptions, sc: { dir: string; line: number }): OverrideArg {
  const key = opts.sceneOption ?? 'scene'
  const flag = opts.sceneOption === undefined ? `--scenes ${opts.scenes}` : `--scene-option ${opts.sceneOption}`
  const at = flagOrigin(flag)
  return { arg: `input.with.${key}=${sc.dir}`, origin: { ...at, keyColumn: at.column }, label: `${flag} (${opts.scenes}:${sc.line})` }
}

function summaryLine(res: RunResult): string {
  const r = res.report
  const lines = [`frames ${r.frames.processed}/${r.frames.total}, ${(r.wall_ms / 1000).toFixed(1)} s wall, ${((r.cpu_ms ?? NaN) / 1000).toFixed(1)} s CPU, peak RSS ${r.peak_rss_mib.toFixed(0)} MiB, tensor backend ${r.tensor_backend}`]
  // wall ms per call (other frames' stages included when frames overlap) beside the stage's own main-thread ms
  for (const [k, s] of Object.entries(r.stages)) {
    lines.push(`  ${k.padEnd(12)} ${s.plugin.padEnd(16)} ${s.ms_mean.toFixed(1).padStart(8)} ms/call wall ${(s.own_ms_mean ?? NaN).toFixed(1).padStart(8)} ms/call own  cache ${s.cache_hits}/${s.cache_hits + s.cache_misses}`)
  }
  lines.push(stageTimesNote(r.frames_in_flight))
  lines.push(`cache: ${describeCacheUse(cacheUse(r))}`)
  lines.push(`report: ${join(res.runDir, 'report.md')}`)
  return lines.join('\n')
}
