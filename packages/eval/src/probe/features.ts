import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  PlafError, createModelAccess, diagnostic, hubSettings, optionDiagnostics, selectTensorBackend, stableStringify, validateOptions,
  type BackendChoice, type StageKind, type Frame, type PluginContext, type PortRecord, type RecordingModelAccess, type ResolvedPipeline,
  type ResolvedStage, type SemanticMemory2D, type StageInstance, type TensorBackend,
} from '@plaf/core'

/** One probe variant: a name and the pipeline whose aggregator gives its features. */
export interface ProbeVariant {
  name: string
  pipeline: ResolvedPipeline
}

/** What a variant's features come from, for the protocol block. */
export interface VariantStages {
  name: string
  /** The stages run for it, in order: key, plugin and options. */
  stages: { key: string; use: string; kind: string; options: Record<string, unknown> }[]
}

/** Frozen features of several variants from one pass over the frames. */
export interface ProbeExtractor {
  backend: TensorBackend
  choices: BackendChoice[]
  variants: VariantStages[]
  /** Runs the stages each variant's aggregator needs (shared stages once) and returns each variant's memory. */
  extract(frame: Frame): Promise<SemanticMemory2D[]>
  dispose(): Promise<void>
}

/** The aggregator stage of a pipeline and every frame stage it depends on, in pipeline order. */
export function aggregatorClosure(p: ResolvedPipeline, variant: string): ResolvedStage[] {
  const agg = [...p.stages].reverse().find((s) => s.plugin.kind === 'aggregator')
  if (!agg) {
    throw new PlafError(diagnostic('PLAF_INVALID_PIPELINE', `${p.file}: the pipeline has no aggregator stage, so there are no per-pixel features to probe (variant ${variant})`, {
      file: p.file, path: 'stages', expected: 'an aggregator stage (mask-mean, patch, pixel)', actual: p.stages.map((s) => `${s.key} (${s.use})`).join(', ') || 'no stages',
    }))
  }
  const byKey = new Map(p.stages.map((s) => [s.key, s]))
  const needed = new Set<string>()
  const visit = (s: ResolvedStage): void => {
    if (needed.has(s.key)) return
    needed.add(s.key)
    for (const src of Object.values(s.wiring)) {
      const up = byKey.get(src.stage)
      if (up) visit(up)
    }
  }
  visit(agg)
  return p.stages.filter((s) => needed.has(s.key))
}

const signature = (s: ResolvedStage): string => `${s.key}\0${s.use}\0${stableStringify(s.options)}`

/**
 * Opens the stages every variant's aggregator needs: a stage that is the same in several variants
 * (same key, plugin and options, e.g. the backbone) is created once and run once per frame. The
 * tensor backend follows the first pipeline's `runtime:` block, as `plaf run` would choose it;
 * models come from the store (pulled from the pipeline's hub when missing).
 */
export async function openProbeExtractor(variants: readonly ProbeVariant[], models?: RecordingModelAccess): Promise<ProbeExtractor> {
  const first = variants[0].pipeline
  const plans = variants.map((v) => ({ name: v.name, pipeline: v.pipeline, stages: aggregatorClosure(v.pipeline, v.name) }))
  const { backend, choices } = await selectTensorBackend(first.runtime.tensor_backend, {
    device: first.runtime.device === 'webgpu' ? 'auto' : first.runtime.device,
    threads: first.runtime.threads || undefined,
  })
  const access = models ?? createModelAccess(hubSettings({ runtime: first.runtime }))
  const runDir = mkdtempSync(join(tmpdir(), 'plaf-probe-'))
  const instances = new Map<string, StageInstance>()
  const order: StageInstance[] = []
  const context = (p: ResolvedPipeline, s: ResolvedStage): PluginContext => ({
    stage: s.key, runDir, outDir: join(runDir, s.key), baseDir: p.baseDir, tensor: backend, models: access,
    session: { device: p.runtime.device, threads: p.runtime.threads },
    warn: () => {}, log: () => {},
    instantiate: (kind, use, options) => instantiate(p, kind, use, options, () => context(p, s)),
  })
  const close = async (): Promise<void> => {
    for (const inst of order.reverse()) await inst.dispose?.()
    await backend.dispose()
    rmSync(runDir, { recursive: true, force: true })
  }
  try {
    for (const plan of plans) {
      for (const s of plan.stages) {
        const sig = signature(s)
        if (instances.has(sig)) continue
        try {
          const inst = await s.plugin.create(structuredClone(s.options), context(plan.pipeline, s))
          instances.set(sig, inst)
          order.push(inst)
        } catch (e) {
          throw located(e, s)
        }
      }
    }
  } catch (e) {
    await close()
    throw e
  }
  return {
    backend, choices,
    variants: plans.map((p) => ({ name: p.name, stages: p.stages.map((s) => ({ key: s.key, use: s.use, kind: s.plugin.kind, options: s.options })) })),
    async extract(frame) {
      // one frame's outputs per stage signature (a shared stage's outputs serve every variant)
      const done = new Map<string, PortRecord>()
      const rc = { frame: { id: frame.id, index: frame.index }, metric: () => {}, warn: () => {} }
      const out: SemanticMemory2D[] = []
      for (const plan of plans) {
        const values = new Map<string, PortRecord>([['input', { frame }]])
        let last: PortRecord = {}
        for (const s of plan.stages) {
          const sig = signature(s)
          let res = done.get(sig)
          if (!res) {
            const inputs: PortRecord = {}
            for (const [port, src] of Object.entries(s.wiring)) inputs[port] = values.get(src.stage)?.[src.port]
            try {
              res = ((await instances.get(sig)!.run(inputs, rc)) ?? {}) as PortRecord
            } catch (e) {
              throw located(e, s, frame.id)
            }
            done.set(sig, res)
          }
          values.set(s.key, res)
          last = res
        }
        const agg = plan.stages.at(-1)!
        const port = Object.entries(agg.plugin.outputs).find(([, t]) => t === 'SemanticMemory2D')?.[0]
        const memory = port ? (last[port] as SemanticMemory2D | undefined) : undefined
        if (!memory) throw new PlafError(diagnostic('PLAF_STAGE_FAILED', `stage ${agg.key} (${agg.use}) gave no SemanticMemory2D for frame ${frame.id}`, { stage: agg.key, plugin: agg.use, frame: frame.id }))
        out.push(memory)
      }
      return out
    },
    dispose: close,
  }
}

/** What `ctx.instantiate` does in a run: a registered plugin by kind and name, options validated. */
async function instantiate(p: ResolvedPipeline, kind: StageKind, use: string, options: unknown, ctx: () => PluginContext): Promise<StageInstance> {
  const plugin = p.registry.get(kind, use)
  if (!plugin || plugin.kind === 'input') {
    throw new PlafError(diagnostic('PLAF_UNKNOWN_PLUGIN', `no ${kind} plugin named "${use}"`, { actual: use, hint: p.registry.suggest(use, [kind]).join(', ') || undefined }))
  }
  const r = validateOptions(plugin, options)
  if (!r.ok) throw new PlafError(optionDiagnostics(plugin, r.errors, { value: options ?? {} }))
  return plugin.create(r.value, ctx())
}

/** A stage's error, named with its stage, plugin and frame (as a run names it). */
function located(e: unknown, s: ResolvedStage, frame?: string): unknown {
  if (!(e instanceof PlafError)) return e
  const where = `stage ${s.key} (${s.use})${frame ? ` frame ${frame}` : ''}`
  return new PlafError(e.diagnostics.map((d) => ({ ...d, stage: d.stage ?? s.key, plugin: d.plugin ?? s.use, frame: d.frame ?? frame, message: `${where}: ${d.message}` })), { cause: e })
}
