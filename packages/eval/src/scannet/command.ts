import { existsSync, readFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { fail, type Registry } from '@plaf/core'
import type { EvalOutcome } from '../report/format.js'
import { runFigures, writeSweepReport, type SweepRow } from '../report/sweep.js'
import { writeEvalReport } from '../report/write.js'
import { evaluateScannet, type ScannetEval } from './evaluate.js'
import { readSceneList } from '@plaf/core'

/** The flags of `plaf eval scannet`, as typed. */
export interface EvalScannetFlags {
  run?: string
  predictions?: string
  scene?: string
  scenes?: string
  classes?: string
  protocol?: string
  background?: string
  templates?: string[]
  /** JSON file: class name → prompt text(s); only those classes are queried. */
  prompts?: string
  /** Map → vertex transfer cut-off in metres. */
  maxDistance?: number
  out?: string
}

/** What `plaf eval scannet` produced: one evaluation, or a sweep (one per variant) with its table. */
export type EvalScannetResult =
  | { kind: 'single'; outcome: ScannetEval; files: string[]; out?: string }
  | { kind: 'sweep'; variants: { variant: string; outcome: ScannetEval }[]; rows: SweepRow[]; files: string[]; out?: string }

/** Exactly one of two flags must be given; the error is located at the command. */
function oneOf(a: string | undefined, b: string | undefined, names: [string, string], what: string): void {
  if ((a === undefined) === (b === undefined)) {
    fail('PLAF_MISSING_OPTION', a === undefined ? `plaf eval scannet needs ${names[0]} or ${names[1]} (${what})` : `give ${names[0]} or ${names[1]}, not both`, {
      source: 'plaf eval scannet', path: names[0].slice(2), expected: `${names[0]} <…> or ${names[1]} <…>`,
    })
  }
}

/** Sub-directories of a sweep's output directory, from its sweep-summary.json; undefined for a plain run. */
export function sweepVariants(dir: string): string[] | undefined {
  const summary = join(dir, 'sweep-summary.json')
  if (existsSync(join(dir, 'manifest.json')) || !existsSync(summary)) return undefined
  let rows: unknown
  try {
    rows = JSON.parse(readFileSync(summary, 'utf8'))
  } catch (e) {
    return fail('PLAF_INPUT_INVALID', `${summary} is not valid JSON: ${(e as Error).message}`, { file: summary, cause: e })
  }
  const names = Array.isArray(rows) ? rows.map((r) => (r as { variant?: unknown }).variant).filter((v): v is string => typeof v === 'string') : []
  if (!names.length) fail('PLAF_INPUT_INVALID', `${summary} lists no variant`, { file: summary })
  return names
}

/**
 * `plaf eval scannet`: scores a run (or every variant of a sweep) or prediction files against
 * one scene or a `--scenes` list, and with `out` writes the reports (and a sweep's comparison).
 */
export async function evalScannet(f: EvalScannetFlags, registry: Registry, log?: (line: string) => void): Promise<EvalScannetResult> {
  oneOf(f.run, f.predictions, ['--run', '--predictions'], 'what to score')
  oneOf(f.scene, f.scenes, ['--scene', '--scenes'], 'the ground truth')
  const scenes = f.scenes !== undefined
    ? readSceneList(f.scenes).map((s) => ({ dir: s.dir, name: s.name }))
    : [{ dir: resolve(f.scene!), name: basename(resolve(f.scene!)) }]
  const base = {
    scenes, perScene: f.scenes !== undefined, classes: f.classes ?? 'scannet20', protocol: f.protocol ?? 'vertex', background: f.background ?? 'include',
    templates: f.templates ?? [], prompts: f.prompts, registry, maxDistance: f.maxDistance, log,
  }
  const title = (v?: string) => `ScanNet ${base.protocol} ${base.classes}${v ? ` · ${v}` : ''}`
  if (f.run !== undefined) {
    const variants = existsSync(f.run) ? sweepVariants(resolve(f.run)) : undefined
    if (variants) {
      const out: { variant: string; outcome: ScannetEval }[] = []
      const rows: SweepRow[] = []
      for (const v of variants) {
        log?.(`sweep variant ${v}`)
        const dir = join(resolve(f.run), v)
        const outcome = await evaluateScannet({ ...base, source: { kind: 'run', path: dir } })
        out.push({ variant: v, outcome })
        const report = scenes.length > 1 ? undefined : outcome.scenes[0].report
        const s = outcome.pooled.scores
        rows.push({ variant: v, miou: s.miou, fmiou: s.fmiou, macc: s.macc, ...(report ? runFigures(report) : { bytes2d: null, bytes3d: null, ms_per_frame: null, frames: null }) })
      }
      const files: string[] = []
      if (f.out !== undefined) {
        for (const v of out) files.push(...(await writeEvalReport(join(f.out, v.variant), v.outcome, title(v.variant))).map((x) => `${v.variant}/${x}`))
        files.push(...(await writeSweepReport(f.out, rows, `${base.classes} ${base.protocol}`, out[0].outcome.protocol)))
      }
      return { kind: 'sweep', variants: out, rows, files, out: f.out }
    }
  }
  const outcome = await evaluateScannet({ ...base, source: f.run !== undefined ? { kind: 'run', path: f.run } : { kind: 'predictions', path: f.predictions! } })
  const files = f.out !== undefined ? await writeEvalReport(f.out, outcome as EvalOutcome, title()) : []
  return { kind: 'single', outcome, files, out: f.out }
}
