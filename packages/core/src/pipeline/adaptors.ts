/**
 * The validate-time check of separate language adaptors: a stage whose options need the backbone's
 * adaptor on its own (`StagePlugin.needsSeparateAdaptor`, e.g. `mask-mean` with
 * `adaptor: after-average`) is refused at that option's line when the stage producing its
 * FeatureGrid cannot hand one out (`StagePlugin.separateAdaptor`).
 */
import { PlafError, diagnostic, type Diagnostic } from '../diagnostics.js'
import type { ModelAccess } from '../models/access.js'
import { ModelStore } from '../models/store.js'
import type { StagePlugin } from '../plugin.js'
import type { LoadedPipeline } from './load.js'
import { dotted, escapeSegment, originOf } from './provenance.js'

interface WiredStage {
  key: string
  plugin: StagePlugin
  options: Record<string, unknown>
  wiring: Record<string, { stage: string; port: string }>
}

function locate(loaded: LoadedPipeline, ptr: string): Partial<Diagnostic> {
  const o = originOf(loaded.provenance, ptr)
  return { file: o?.file ?? loaded.file, source: o?.source, line: o?.line, column: o?.column, path: dotted(ptr) }
}

/** One error per stage option that needs a separate adaptor its FeatureGrid producer does not offer. */
export async function checkSeparateAdaptors(stages: readonly WiredStage[], loaded: LoadedPipeline, models?: ModelAccess): Promise<Diagnostic[]> {
  const out: Diagnostic[] = []
  // The installed manifests, read without hashing files (as the space check), opened only when a stage asks.
  let store: ModelStore | undefined
  const access: ModelAccess = models ?? { open: async (ref: string) => (store ??= new ModelStore()).get(ref) }
  const ctx = { models: access, baseDir: loaded.baseDir }
  for (const s of stages) {
    const option = s.plugin.needsSeparateAdaptor?.(structuredClone(s.options))
    if (option === undefined) continue
    const ptr = `/stages/${escapeSegment(s.key)}/with/${option.split('.').map(escapeSegment).join('/')}`
    for (const [port, type] of Object.entries(s.plugin.inputs)) {
      if (type !== 'FeatureGrid' || !s.wiring[port]) continue
      const producer = stages.find((p) => p.key === s.wiring[port]!.stage)
      if (!producer) continue
      const value = JSON.stringify(option.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], s.options))
      const who = `${producer.plugin.kind} ${producer.plugin.name} (stage ${producer.key})`
      let offers = false
      let model = typeof producer.options.model === 'string' ? ` with model ${producer.options.model}` : ''
      if (producer.plugin.separateAdaptor) {
        try {
          offers = await producer.plugin.separateAdaptor(structuredClone(producer.options), ctx)
        } catch (e) {
          if (!(e instanceof PlafError)) throw e
          const d = e.diagnostics[0]!
          out.push(diagnostic(d.code, `cannot check yet whether ${who} ships its language adaptor separately, as ${option}: ${value} needs: ${d.message}`, {
            ...locate(loaded, ptr), severity: 'warning', stage: s.key, plugin: s.plugin.name, actual: d.actual, hint: d.hint,
          }))
          continue
        }
      } else model = ''
      if (offers) continue
      out.push(diagnostic('PLAF_INVALID_OPTION', `stages.${s.key}.with.${option}: ${value} needs a backbone that ships its language adaptor as a separate graph, but ${who}${model} does not`, {
        ...locate(loaded, ptr), stage: s.key, plugin: s.plugin.name,
        expected: `a FeatureGrid from a backbone with a separate adaptor (graphs.adaptor in its plaf-model.json)`,
        actual: `${who}${model}`,
        hint: producer.plugin.separateAdaptor
          ? 'export the model with its adaptor as its own graph (tools/export/export_radio.py writes adaptor.onnx), or leave the option at its default'
          : `${producer.plugin.name} never hands out its adaptor separately; leave the option at its default`,
      }))
    }
  }
  return out
}
