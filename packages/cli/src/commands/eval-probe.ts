import { resolve } from 'node:path'
import type { Command } from 'commander'
import {
  STAGE_KINDS, diagnostic, flagOrigin, hasErrors, loadPipeline, resolvePipeline,
  type Diagnostic, type Registry, type ResolvedPipeline,
} from '@plaf/core'
import { openAde20kSplit } from '@plaf/datasets'
import { PROBE_DEFAULTS, probeMarkdown, runAde20kProbe, writeProbeReport, type Ade20kProbeResult, type ProbeProgress, type ProbeVariant } from '@plaf/eval'
import { builtinRegistry } from '../builtins.js'
import { EXIT, printDiagnostics, type Io } from '../io.js'
import { abortOnStopSignals } from '../stop-signals.js'
import { userErrors } from '../user-errors.js'

/** Options of `plaf eval ade20k-probe` as commander gives them (strings). */
export interface ProbeCommandOptions {
  pipeline: string
  data: string
  aggregators?: string
  epochs?: string
  batchImages?: string
  lr?: string
  weightDecay?: string
  trainImages?: string
  valImages?: string
  maxSide?: string
  maxValues?: string
  spillDir?: string
  seed?: string
  set?: string[]
  out?: string
  json?: boolean
  progress?: string
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v]

/** Adds `ade20k-probe` to the `plaf eval` command; `act` stores the exit code as every command does. */
export function registerEvalProbe(evalCommand: Command, act: (fn: (o: ProbeCommandOptions) => Promise<number>) => (...a: any[]) => Promise<void>, io: Io): void {
  evalCommand.command('ade20k-probe').description('ADE20K linear probe on frozen features of a pipeline (paper Table I): BN + linear head, mIoU over 150 classes')
    .requiredOption('--pipeline <yaml>', 'pipeline whose backbone (+ masker) and aggregator give the features; its input is replaced by the ADE20K data')
    .requiredOption('--data <dir>', 'the ADEChallengeData2016 folder (images/ and annotations/, training and validation)')
    .option('--aggregators <a,b,…>', 'sweep: one probe per aggregator on the same backbone features, e.g. mask-mean,patch,pixel (default: the pipeline\'s)')
    .option('--epochs <n>', `passes over the training images (default ${PROBE_DEFAULTS.epochs}; RADIO's 80k steps of 16 crops are about 63)`)
    .option('--batch-images <n>', `images per optimiser step (default ${PROBE_DEFAULTS.batchImages}, as RADIO's 2 × 8 GPUs)`)
    .option('--lr <x>', `AdamW learning rate (default ${PROBE_DEFAULTS.lr})`)
    .option('--weight-decay <x>', `AdamW weight decay (default ${PROBE_DEFAULTS.weightDecay}, as RADIO; DINOv2 uses 1e-4)`)
    .option('--train-images <n>', 'only the first n training images in file-name order (default all 20,210)')
    .option('--val-images <n>', 'only the first n validation images (default all 2,000)')
    .option('--max-side <px>', 'scale images (annotations nearest) so the longer side is at most this before the pipeline; needed by the pixel aggregator (≤ 65,535 pixels an image)')
    .option('--max-values <n>', 'float32 feature values a variant\'s training rows keep in memory (default 2^28 = 1 GiB); past that they move to a file and each step reads its images back')
    .option('--spill-dir <dir>', 'folder for that file (default: the system temp dir)')
    .option('--seed <n>', 'seed of the head\'s initialisation and the image order (default 0)')
    .option('--set <path=value>', 'override a pipeline value (repeatable), e.g. stages.backbone.with.resolution=256', collect, [])
    .option('--out <dir>', 'also write probe.json, probe.md and plots (comparison, per-class IoU of each variant; SVG, PNG, Vega-Lite spec) there')
    .option('--json', 'print one JSON object {protocol, tensor_backend, feature_seconds, variants: [{variant, miou, macc, aacc, classes, absent, train, val}]}')
    .option('--progress <mode>', 'progress on stderr: auto, bar or lines (all print a line at most every 2 s), or none')
    .action(act((o) => evalProbeCommand(o, io)))
}

/** A numeric flag, or the located diagnostic saying why it is not one. */
function numberFlag(flag: string, raw: string | undefined, fallback: number, kind: 'int' | 'real', min: number, out: Diagnostic[]): number {
  if (raw === undefined) return fallback
  const v = Number(raw)
  if (raw.trim() !== '' && Number.isFinite(v) && (kind === 'real' || Number.isInteger(v)) && v >= min) return v
  const { source, column } = flagOrigin(`${flag} ${raw}`)
  out.push(diagnostic('PLAF_INVALID_OPTION', `${flag} must be ${kind === 'int' ? 'an integer' : 'a number'} ≥ ${min}`, { source, column, path: flag.slice(2), expected: `${kind === 'int' ? 'integer' : 'number'} ≥ ${min}`, actual: raw }))
  return fallback
}

/** The pipeline with its input replaced by the ADE20K validation split (so its own input need not exist). */
const inputOverride = (data: string): string => `input=${JSON.stringify({ use: 'ade20k', with: { root: resolve(data), split: 'validation' } })}`

/** The kinds of stage a probe runs: what gives and what makes per-pixel features. */
const FEATURE_KINDS = new Set(['backbone', 'masker', 'aggregator'])

/**
 * `stages.<key>=null` for every stage of a built-in kind that gives no features (storage, lifter,
 * querier…): the probe never runs them, and a lifter would refuse the colour-only ADE20K input.
 * Stages whose plugin is not built in are kept (resolving reports them as usual).
 */
function unneededStages(file: string, set: readonly string[], registry: Registry): string[] {
  const stages = loadPipeline(file, { overrides: set }).value.stages
  if (!stages || typeof stages !== 'object') return []
  return Object.entries(stages as Record<string, { use?: unknown }>).flatMap(([key, s]) => {
    const plugin = typeof s?.use === 'string' ? registry.find(s.use, STAGE_KINDS.filter((k) => k !== 'input')) : undefined
    return plugin && !FEATURE_KINDS.has(plugin.kind) ? [`stages.${key}=null`] : []
  })
}

/** Resolves one variant; prints the diagnostics and returns undefined when it has errors. */
async function resolveVariant(file: string, set: string[], io: Io, json?: boolean): Promise<ResolvedPipeline | undefined> {
  const r = await resolvePipeline(file, builtinRegistry(), { overrides: set, checkSweep: false })
  const errors = r.diagnostics.filter((d) => d.severity === 'error')
  printDiagnostics(io, errors, json)
  return r.pipeline && !hasErrors(r.diagnostics) ? r.pipeline : undefined
}

/** `plaf eval ade20k-probe`: resolves the variants, runs the probe, prints the protocol and the comparison. */
export async function evalProbeCommand(o: ProbeCommandOptions, io: Io): Promise<number> {
  const bad: Diagnostic[] = []
  const d = PROBE_DEFAULTS
  const opts = {
    epochs: numberFlag('--epochs', o.epochs, d.epochs, 'int', 1, bad),
    batchImages: numberFlag('--batch-images', o.batchImages, d.batchImages, 'int', 1, bad),
    lr: numberFlag('--lr', o.lr, d.lr, 'real', 0, bad),
    weightDecay: numberFlag('--weight-decay', o.weightDecay, d.weightDecay, 'real', 0, bad),
    trainImages: o.trainImages === undefined ? null : numberFlag('--train-images', o.trainImages, 1, 'int', 1, bad),
    valImages: o.valImages === undefined ? null : numberFlag('--val-images', o.valImages, 1, 'int', 1, bad),
    maxSide: o.maxSide === undefined ? null : numberFlag('--max-side', o.maxSide, 1, 'int', 1, bad),
    maxValues: numberFlag('--max-values', o.maxValues, d.maxValues, 'int', 1, bad),
    seed: numberFlag('--seed', o.seed, d.seed, 'int', 0, bad),
  }
  const progressMode = o.progress ?? 'auto'
  if (!['auto', 'bar', 'lines', 'none'].includes(progressMode)) {
    const { source, column } = flagOrigin(`--progress ${progressMode}`)
    bad.push(diagnostic('PLAF_INVALID_OPTION', `unknown progress mode "${progressMode}"`, { source, column, path: 'progress', expected: 'one of auto, bar, lines, none', actual: progressMode }))
  }
  if (bad.length) {
    printDiagnostics(io, bad, o.json)
    return EXIT.user
  }
  const names = o.aggregators?.split(',').map((s) => s.trim()).filter(Boolean)
  const registry = builtinRegistry()
  for (const name of names ?? []) {
    if (registry.get('aggregator', name)) continue
    const near = registry.suggest(name, ['aggregator'])
    const { source } = flagOrigin(`--aggregators ${o.aggregators}`)
    bad.push(diagnostic('PLAF_UNKNOWN_PLUGIN', `no aggregator plugin named "${name}"`, {
      source, column: `--aggregators ${o.aggregators}`.indexOf(name) + 1, path: 'aggregators', actual: name,
      expected: `aggregators: ${registry.list().filter((p) => p.kind === 'aggregator').map((p) => p.name).join(', ')}`,
      hint: near.length ? `did you mean "${near[0]}"?` : undefined,
    }))
  }
  if (bad.length) {
    printDiagnostics(io, bad, o.json)
    return EXIT.user
  }
  // the data first: its errors name its files, not the pipeline override below
  const dataCode = await userErrors(io, o.json, async () => {
    openAde20kSplit(resolve(o.data), 'training', opts.trainImages)
    openAde20kSplit(resolve(o.data), 'validation', opts.valImages)
  })
  if (dataCode !== EXIT.ok) return dataCode
  const set = [...(o.set ?? []), inputOverride(o.data), ...unneededStages(o.pipeline, o.set ?? [], registry)]
  const base = await resolveVariant(o.pipeline, set, io, o.json)
  if (!base) return EXIT.user
  const agg = [...base.stages].reverse().find((s) => s.plugin.kind === 'aggregator')
  const variants: ProbeVariant[] = []
  for (const name of [...new Set(names ?? [agg?.use ?? 'mask-mean'])]) {
    if (agg && name === agg.use) {
      variants.push({ name, pipeline: base })
      continue
    }
    const key = agg?.key ?? 'aggregator'
    // another aggregator in the same place, with its own defaults (the pipeline's options were for its own plugin)
    const p = await resolveVariant(o.pipeline, [...set, `stages.${key}.use=${name}`, `stages.${key}.with={}`], io, o.json)
    if (!p) return EXIT.user
    variants.push({ name, pipeline: p })
  }
  const progress = progressLines(progressMode === 'none' ? undefined : io)
  let result: Ade20kProbeResult | undefined
  // Ctrl-C or SIGTERM stops between images or steps, so the temporary rows file is removed
  const abort = new AbortController()
  const stopListening = abortOnStopSignals(io, abort, 'the current image or step')
  const code = await userErrors(io, o.json, async () => {
    result = await runAde20kProbe(variants, { ...opts, data: resolve(o.data), spillDir: o.spillDir && resolve(o.spillDir), onProgress: progress, signal: abort.signal })
  }).finally(stopListening)
  if (code !== EXIT.ok || !result) return code
  const done = result
  if (o.out) {
    const outCode = await userErrors(io, o.json, async () => void (await writeProbeReport(o.out!, done)))
    if (outCode !== EXIT.ok) return outCode
  }
  io.out(o.json ? JSON.stringify(result, null, 2) : probeMarkdown(result) + (o.out ? `\nreport, JSON and plots written to ${o.out}` : ''))
  return EXIT.ok
}

/** Progress as lines on stderr, at most one every 2 s (always the last of a phase). */
function progressLines(io: Io | undefined): ((e: ProbeProgress) => void) | undefined {
  if (!io) return undefined
  let last = 0
  return (e) => {
    const now = Date.now()
    const end = e.phase === 'features' ? e.done === e.total : e.step === e.steps
    if (!end && now - last < 2000) return
    last = now
    io.err(e.phase === 'features'
      ? `[probe] features ${e.split} ${e.done}/${e.total} images`
      : `[probe] train ${e.variant} step ${e.step}/${e.steps} (epoch ${e.epoch + 1}) loss ${e.loss.toFixed(4)}`)
  }
}
