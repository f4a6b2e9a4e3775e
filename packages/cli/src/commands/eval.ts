import { relative } from 'node:path'
import type { Command } from 'commander'
import { evalJson, evalScannet, evalScannet2d, evalText, sweepMarkdown, type EvalScannetResult } from '@plaf/eval'
import { builtinRegistry } from '../builtins.js'
import { choiceDiagnostic } from '../flags.js'
import { EXIT, printDiagnostics, type Io } from '../io.js'
import { formatDiagnostic } from '../render.js'
import { userErrors } from '../user-errors.js'

/** How main.ts wraps an action (stores its exit code). */
export type Act = <A extends unknown[]>(fn: (...a: A) => Promise<number> | number) => (...a: A) => Promise<void>

const collect = (v: string, prev: string[] = []): string[] => [...prev, v]

/** Flags of `plaf eval scannet`, as commander gives them. */
export interface EvalScannetOptions {
  run?: string
  predictions?: string
  scene?: string
  scenes?: string
  classes: string
  protocol: string
  background: string
  templates: string[]
  prompts?: string
  maxDistance?: string
  json?: boolean
  out?: string
}

const shown = (p: string) => {
  const r = relative(process.cwd(), p)
  return r && !r.startsWith('..') ? r : p
}

function printResult(r: EvalScannetResult, json: boolean | undefined, io: Io): void {
  // warnings go to stderr, before the scores they qualify (--json also lists them in the object)
  const warnings = r.kind === 'single' ? r.outcome.warnings : r.variants.flatMap((v) => v.outcome.warnings)
  for (const d of warnings) io.err(formatDiagnostic(d))
  if (r.kind === 'single') {
    if (json) io.out(JSON.stringify(evalJson(r.outcome), null, 2))
    else for (const line of evalText(r.outcome)) io.out(line)
  } else if (json) {
    io.out(JSON.stringify({ variants: r.variants.map((v) => ({ variant: v.variant, ...evalJson(v.outcome) })), table: r.rows }, null, 2))
  } else {
    for (const line of evalText(r.variants[0].outcome).slice(0, evalText(r.variants[0].outcome).indexOf(''))) io.out(line)
    io.out(`\nsweep of ${r.variants.length} variants:\n`)
    io.out(sweepMarkdown(r.rows, `${r.variants[0].outcome.set.name}`))
  }
  if (r.out !== undefined && !json) io.out(`\nreport: ${shown(r.out)} (${r.files.filter((f) => !f.includes('/')).join(', ')})`)
}


const CLASS_SETS = ['scannet20', 'scannet200', 'nyu40'] as const
const BACKGROUND = ['include', 'exclude'] as const

/** Prints the first flag whose value is not one of its choices (a located diagnostic) and says so; false when all are valid. */
function badChoice(io: Io, json: boolean | undefined, checks: ReadonlyArray<readonly [flag: string, value: string, choices: readonly string[], what: string]>): boolean {
  for (const [flag, value, choices, what] of checks) {
    const bad = choiceDiagnostic(flag, value, choices, what)
    if (bad) {
      printDiagnostics(io, [bad], json)
      return true
    }
  }
  return false
}

/**
 * `plaf eval scannet (--run <dir> | --predictions <file>) (--scene <dir> | --scenes <list>)`:
 * per-class IoU, accuracy and support, mIoU, fmIoU and mAcc from one confusion matrix, with the
 * protocol and the run's manifest written out; `--out` writes JSON, CSV, Markdown and plots.
 */
export async function evalScannetCommand(o: EvalScannetOptions, io: Io): Promise<number> {
  if (badChoice(io, o.json, [
    ['--classes', o.classes, CLASS_SETS, 'class set'],
    ['--protocol', o.protocol, ['vertex', 'voxel5cm'], 'protocol'],
    ['--background', o.background, BACKGROUND, 'background mode'],
  ])) return EXIT.user
  const maxDistance = o.maxDistance === undefined ? undefined : Number(o.maxDistance)
  if (maxDistance !== undefined && !(maxDistance > 0)) {
    printDiagnostics(io, [{ code: 'PLAF_INVALID_OPTION', severity: 'error', message: `--max-distance must be a positive number of metres, got "${o.maxDistance}"`, source: `--max-distance ${o.maxDistance}`, path: 'max-distance', expected: 'a number > 0', actual: o.maxDistance! }], o.json)
    return EXIT.user
  }
  return userErrors(io, o.json, async () => {
    const r = await evalScannet({ ...o, maxDistance }, builtinRegistry(), o.json ? undefined : (line) => io.err(`[eval] ${line}`))
    printResult(r, o.json, io)
  })
}

/** Flags of `plaf eval scannet2d`. */
export interface EvalScannet2dOptions {
  run?: string
  predictions?: string
  scene?: string
  classes: string
  background: string
  templates: string[]
  prompts?: string
  maxFrames?: string
  allowPartial?: boolean
  json?: boolean
  out?: string
}

/** `plaf eval scannet2d (--run <dir> | --predictions <dir>) --scene <dir>`: sampled frames against label-filt, same metrics and outputs. */
export async function evalScannet2dCommand(o: EvalScannet2dOptions, io: Io): Promise<number> {
  if (badChoice(io, o.json, [
    ['--classes', o.classes, CLASS_SETS, 'class set'],
    ['--background', o.background, BACKGROUND, 'background mode'],
  ])) return EXIT.user
  const maxFrames = o.maxFrames === undefined ? undefined : Number(o.maxFrames)
  if (maxFrames !== undefined && !(Number.isInteger(maxFrames) && maxFrames > 0)) {
    printDiagnostics(io, [{ code: 'PLAF_INVALID_OPTION', severity: 'error', message: `--max-frames must be a positive integer, got "${o.maxFrames}"`, source: `--max-frames ${o.maxFrames}`, path: 'max-frames', expected: 'an integer > 0', actual: o.maxFrames! }], o.json)
    return EXIT.user
  }
  const missing = (o.run === undefined) === (o.predictions === undefined) ? (o.run === undefined ? 'plaf eval scannet2d needs --run or --predictions' : 'give --run or --predictions, not both') : o.scene === undefined ? 'plaf eval scannet2d needs --scene (the scan with label-filt)' : undefined
  if (missing) {
    printDiagnostics(io, [{ code: 'PLAF_MISSING_OPTION', severity: 'error', message: missing, source: 'plaf eval scannet2d' }], o.json)
    return EXIT.user
  }
  return userErrors(io, o.json, async () => {
    const r = await evalScannet2d({
      scene: o.scene!, source: o.run !== undefined ? { kind: 'run', path: o.run } : { kind: 'predictions', path: o.predictions! },
      classes: o.classes, background: o.background, templates: o.templates, prompts: o.prompts, maxFrames, allowPartial: o.allowPartial, registry: builtinRegistry(), out: o.out,
      log: o.json ? undefined : (line) => io.err(`[eval] ${line}`),
    })
    printResult({ kind: 'single', ...r }, o.json, io)
  })
}

/**
 * Registers `plaf eval` and its benchmarks `scannet` and `scannet2d` on `program`; `ade20k-probe`
 * registers itself on the returned command (see main.ts).
 */
export function evalCommand(program: Command, act: Act, io: Io): Command {
  const evaluate = program.command('eval').description('evaluate runs or any system\'s predictions with the protocol written out: scannet, scannet2d, ade20k-probe')
  evaluate.command('scannet').description('ScanNet 3D semantic segmentation: per-class IoU/acc/support, mIoU, fmIoU, mAcc; protocol and run manifest stated (a run made with random-weight contract models warns PLAF_RANDOM_WEIGHTS)')
    .option('--run <dir>', 'a finished run (its map is transferred to the mesh vertices), a sweep\'s output directory, or with --scenes a folder of per-scene runs; a plaf run --shard i/n partial is refused (plaf merge the shards first)')
    .option('--predictions <file>', 'per-vertex ids: ScanNet benchmark .txt (one per line; blank lines after the last are ignored, a blank line before it is an error), .npy, or .ply with a label property; with --scenes a folder of <scene>.txt|.npy|.ply')
    .option('--scene <dir>', 'the ScanNet scan folder with the ground truth')
    .option('--scenes <list.txt>', 'several scenes, one folder a line (as plaf run --scenes): per-scene and pooled results')
    .option('--classes <set>', 'scannet20, scannet200 or nyu40', 'scannet20')
    .option('--protocol <p>', 'vertex (the ScanNet benchmark: per _vh_clean_2 vertex) or voxel5cm (label-filt lifted to 5 cm voxels, RayFronts)', 'vertex')
    .option('--background <mode>', 'include, or exclude wall, floor, ceiling, door, window and the other* classes (RayFronts)', 'include')
    .option('--templates <template>', 'prompt template with {} (repeatable): each class is embedded under every one and averaged', collect, [])
    .option('--prompts <file.json>', 'class name → prompt text(s) (JSON); only the classes listed are queried, e.g. colour words for a colour-only encoder')
    .option('--max-distance <m>', 'map → vertex transfer (@plaf/query transferToMesh): nearest map point closer than this (metres), else no prediction', '0.05')
    .option('--json', 'print one JSON object: {protocol, classes: [{id, name, iou, acc, support}], miou, fmiou, macc, ignored, …}')
    .option('--out <dir>', 'write result.json, classes.csv, report.md and the plots (SVG + PNG) there')
    .action(act((o: EvalScannetOptions) => evalScannetCommand(o, io)))
  evaluate.command('scannet2d').description('open-vocabulary 2D segmentation of sampled frames against label-filt: same metrics and outputs')
    .option('--run <dir>', 'a finished run: its stored 2D memories, each mask labelled by its best class prompt (a plaf run --shard i/n partial is refused without --allow-partial)')
    .option('--predictions <dir>', 'a folder of <frame index>.png label images (ids of the class set, 0 = none)')
    .option('--scene <dir>', 'the ScanNet scan folder with label-filt/ and the labels TSV')
    .option('--classes <set>', 'scannet20, scannet200 or nyu40', 'scannet20')
    .option('--background <mode>', 'include, or exclude wall, floor, ceiling, door, window and the other* classes', 'include')
    .option('--templates <template>', 'prompt template with {} (repeatable): each class is embedded under every one and averaged', collect, [])
    .option('--prompts <file.json>', 'class name → prompt text(s) (JSON); only the classes listed are queried')
    .option('--max-frames <n>', 'evaluate at most n frames, evenly spaced over those stored')
    .option('--allow-partial', 'score a plaf run --shard i/n partial\'s own frames (a warning says so); plaf merge keeps no 2D memories, so this is how a sharded run\'s frames are scored')
    .option('--json', 'print one JSON object: {protocol, classes: [{id, name, iou, acc, support}], miou, fmiou, macc, ignored, …}')
    .option('--out <dir>', 'write result.json, classes.csv, report.md and the plots (SVG + PNG) there')
    .action(act((o: EvalScannet2dOptions) => evalScannet2dCommand(o, io)))
  return evaluate
}
