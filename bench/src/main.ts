import { realpathSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { writeJsonAtomic } from '@plaf/core'
import { runAggregatorCase } from './cases/aggregator.js'
import { runBackboneCase } from './cases/backbone.js'
import { runDataCase } from './cases/data.js'
import { runFusionCase } from './cases/fusion.js'
import { runMaskerCase } from './cases/masker.js'
import { runQuery3dCase } from './cases/query3d.js'
import { runStorageCase } from './cases/storage.js'
import { runStreamCase } from './cases/stream.js'
import { parseConfig, USAGE, UsageError, type BenchConfig, type CaseName } from './config.js'
import { closeEnv, machineInfo, openEnv, type BenchEnv, type MachineInfo } from './env.js'
import { collectGarbage } from './memory.js'
import { formatMs, formatTable, type CaseReport } from './report.js'

/** Where output goes: tables to `out` (stdout), progress and errors to `err` (stderr). */
export interface BenchIo {
  out(line: string): void
  err(line: string): void
}

/** Exit codes of `npm run bench`. */
export const BENCH_EXIT = { ok: 0, usage: 1, internal: 2, checkFailed: 3 } as const

/** The combined results file (`bench/results/latest.json`). */
export interface LatestResults {
  format: 'plaf-bench'
  version: 1
  started_at: string
  finished_at: string
  mode: BenchConfig['mode']
  argv: string[]
  machine: MachineInfo
  /** Every case that ran, by name. */
  cases: Partial<Record<CaseName, CaseReport>>
  checks_passed: boolean
}

const RUNNERS: Record<CaseName, (config: BenchConfig, env: BenchEnv) => Promise<CaseReport>> = {
  aggregator: runAggregatorCase,
  query3d: runQuery3dCase,
  storage: runStorageCase,
  backbone: runBackboneCase,
  data: runDataCase,
  masker: runMaskerCase,
  fusion: runFusionCase,
  stream: runStreamCase,
}

const processIo: BenchIo = {
  out: (line) => void process.stdout.write(line + '\n'),
  err: (line) => void process.stderr.write(line + '\n'),
}

/**
 * Runs the benchmarks the command line asks for; writes `<out>/<case>.json` after each case and
 * the combined file at the end, all atomically. Resolves to the exit code: 0, 1 (usage), 2
 * (unexpected error), 3 (a result disagreed with its baseline beyond the tolerance).
 */
export async function main(argv: readonly string[], io: BenchIo = processIo): Promise<number> {
  let config: BenchConfig | null
  try {
    config = parseConfig(argv)
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    io.err(`error: ${e.message}\n\n${USAGE}`)
    return BENCH_EXIT.usage
  }
  if (config === null) {
    io.out(USAGE)
    return BENCH_EXIT.ok
  }
  const progress = (m: string) => io.err(`[bench] ${m}`)
  const started = new Date()
  let env: BenchEnv | null = null
  try {
    env = await openEnv(config, progress)
    const machine = machineInfo(env)
    progress(`mode ${config.mode}, cases ${config.only.join(', ')}; ${machine.cores} cores (${machine.cpu_model}), Node ${machine.node}, tensor backend ${machine.tensor_backend} on ${machine.tensor_backend_device}`)
    const cases: LatestResults['cases'] = {}
    let passed = true
    for (const name of config.only) {
      progress(`${name}: start`)
      const report = await RUNNERS[name](config, env)
      collectGarbage()
      cases[name] = report
      passed &&= report.checks.passed
      const file = join(config.outDir, `${name}.json`)
      writeJsonAtomic(file, { format: 'plaf-bench-case', version: 1, mode: config.mode, machine, ...report })
      progress(`${name}: done in ${formatMs(report.duration_ms)}, wrote ${file}`)
      for (const t of report.tables) io.out(formatTable(t) + '\n')
      for (const d of report.checks.details) io.out(`  check: ${d}`)
      if (!report.checks.passed) io.err(`[bench] ${name}: a result disagrees with its baseline beyond the tolerance (see checks in ${file})`)
    }
    const latest: LatestResults = {
      format: 'plaf-bench', version: 1, started_at: started.toISOString(), finished_at: new Date().toISOString(),
      mode: config.mode, argv: [...argv], machine, cases, checks_passed: passed,
    }
    writeJsonAtomic(config.latestFile, latest)
    progress(`wrote ${config.latestFile}`)
    return passed ? BENCH_EXIT.ok : BENCH_EXIT.checkFailed
  } catch (e) {
    io.err(`[bench] internal error: ${(e as Error).stack ?? String(e)}`)
    return BENCH_EXIT.internal
  } finally {
    if (env) await closeEnv(env)
  }
}

/** True when this module is the script node was started with (not when a test imports it). */
function isEntryPoint(): boolean {
  const script = process.argv[1]
  if (!script) return false
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href
  } catch {
    return false
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2))
}
