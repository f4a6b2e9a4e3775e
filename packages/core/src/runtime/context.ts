import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createReferenceBackend } from '../backends/reference.js'
import type { TensorBackend } from '../backends/types.js'
import { PlafError, diagnostic } from '../diagnostics.js'
import type { ModelAccess, SessionSettings } from '../models/access.js'
import { localModelAccess } from '../models/model-access.js'
import { validateOptions } from '../options.js'
import { optionDiagnostics } from '../pipeline/option-errors.js'
import type { Plugin, PluginContext, PluginNote, RunContext, StageInstance, StageKind } from '../plugin.js'

/** Options for a standalone plugin context (tests, `plaf query`, benchmarks). */
export interface StandaloneContextOptions {
  stage?: string
  runDir?: string
  baseDir?: string
  tensor?: TensorBackend
  /** Plugins that `instantiate` may create (e.g. a text encoder for a querier). */
  plugins?: readonly Plugin[]
  /** The model store; default: the models installed under `PLAF_HOME`. */
  models?: ModelAccess
  /** ONNX session settings; default: auto device, all cores. */
  session?: SessionSettings
}

/**
 * Creates a plugin by kind and name with validated options (what `ctx.instantiate` does, in a
 * pipeline run and standalone alike). `find` looks the plugin up; `ctxFor` gives its context.
 */
export async function instantiatePlugin(
  find: (kind: StageKind, name: string) => Plugin | undefined,
  kind: StageKind, use: string, options: unknown,
  ctxFor: () => PluginContext,
  suggest: (name: string) => string[] = () => [],
): Promise<StageInstance> {
  const plugin = find(kind, use)
  if (!plugin || plugin.kind === 'input') {
    throw new PlafError(diagnostic('PLAF_UNKNOWN_PLUGIN', `no ${kind} plugin named "${use}"`, { actual: use, hint: suggest(use).join(', ') || undefined }))
  }
  const r = validateOptions(plugin, options)
  if (!r.ok) throw new PlafError(optionDiagnostics(plugin, r.errors, { value: options ?? {} }))
  return plugin.create(r.value, ctxFor())
}

/** A plugin context outside a pipeline run (a temp run directory unless given); notes are collected in `notes`. */
export function createStandaloneContext(opts: StandaloneContextOptions = {}): PluginContext & { notes: PluginNote[] } {
  const runDir = opts.runDir ?? mkdtempSync(join(tmpdir(), 'plaf-test-'))
  const stage = opts.stage ?? 'stage'
  const notes: PluginNote[] = []
  const ctx: PluginContext & { notes: PluginNote[] } = {
    stage,
    runDir,
    outDir: join(runDir, stage),
    baseDir: opts.baseDir ?? process.cwd(),
    tensor: opts.tensor ?? createReferenceBackend(),
    models: opts.models ?? localModelAccess(),
    session: opts.session ?? { device: 'auto', threads: 0 },
    notes,
    warn: (n) => void notes.push(n),
    log: () => {},
    instantiate: (kind: StageKind, use: string, options?: unknown) =>
      instantiatePlugin((k, n) => (opts.plugins ?? []).find((p) => p.kind === k && p.name === n), kind, use, options, () => ({ ...ctx, stage: use, outDir: join(runDir, use) })),
  }
  return ctx
}

/** A run context that records metrics and notes. */
export function createRunContext(frame?: { id: string; index: number }): RunContext & {
  metrics: Record<string, number>
  notes: PluginNote[]
} {
  const metrics: Record<string, number> = {}
  const notes: PluginNote[] = []
  return {
    frame,
    metrics,
    notes,
    metric: (name, value) => void (metrics[name] = (metrics[name] ?? 0) + value),
    warn: (n) => void notes.push(n),
  }
}
