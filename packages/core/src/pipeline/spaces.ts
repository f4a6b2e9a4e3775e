import { PlafError, diagnostic, type Diagnostic } from '../diagnostics.js'
import type { ModelAccess } from '../models/access.js'
import { ModelStore } from '../models/store.js'
import type { StageKind, StagePlugin } from '../plugin.js'
import type { Registry } from '../registry.js'
import type { LoadedPipeline } from './load.js'
import { dotted, escapeSegment, originOf } from './provenance.js'

/** A stage the resolver has checked: enough of `ResolvedStage` for the space check. */
interface CheckedStage {
  key: string
  plugin: StagePlugin
  options: Record<string, unknown>
}

/** One claim: which stage/option declares which space, and where that is in the YAML. */
interface Claim {
  who: string
  ptr: string
  space: string
}

/**
 * The installed models' manifests, read without checking or hashing their files: the space check
 * needs the manifest only, and hashing gigabytes of weights has no place in `plaf validate` (the
 * run checks the files when it opens the models). Never downloads.
 */
function installedManifests(): ModelAccess {
  const store = new ModelStore()
  return { open: async (ref) => store.get(ref) }
}

function locate(loaded: LoadedPipeline, ptr: string): Partial<Diagnostic> {
  const o = originOf(loaded.provenance, ptr)
  // a value a `--set` gave is located at that argument, never at the file it did not come from
  if (o?.source) return { source: o.source, column: o.column, path: dotted(ptr) }
  return { file: o?.file ?? loaded.file, line: o?.line, column: o?.column, path: dotted(ptr) }
}

/**
 * The validate-time embedding-space check: asks every backbone stage and every option that names a
 * text encoder (the querier's `encoder:` with its `encoder_options:`) for its space
 * (`StagePlugin.embeddingSpace`), and rejects text encoders whose space differs from a backbone's,
 * naming both, at the encoder's line. A space that cannot be known yet (model not installed: it may
 * be pulled when the run starts) is a warning. `models` defaults to the installed manifests under
 * PLAF_HOME (no hub, no file hashing).
 */
export async function checkEmbeddingSpaces(stages: readonly CheckedStage[], loaded: LoadedPipeline, registry: Registry, models: ModelAccess = installedManifests()): Promise<Diagnostic[]> {
  const out: Diagnostic[] = []
  const ctx = { models, baseDir: loaded.baseDir }
  async function ask(plugin: StagePlugin, options: Record<string, unknown>, stage: string, ptr: string, who: string): Promise<Claim | undefined> {
    if (!plugin.embeddingSpace) return undefined
    try {
      const space = await plugin.embeddingSpace(structuredClone(options), ctx)
      return space === undefined ? undefined : { who, ptr, space }
    } catch (e) {
      if (!(e instanceof PlafError)) throw e
      const d = e.diagnostics[0]!
      out.push(diagnostic(d.code, `cannot check the embedding space of ${who} yet: ${d.message}`, {
        ...locate(loaded, ptr), severity: 'warning', stage, plugin: plugin.name, actual: d.actual, hint: d.hint,
      }))
      return undefined
    }
  }
  const backbones: Claim[] = []
  const texts: Array<Claim & { stage: string; plugin: string }> = []
  for (const s of stages) {
    const base = `/stages/${escapeSegment(s.key)}/with`
    if (s.plugin.kind === 'backbone') {
      const c = await ask(s.plugin, s.options, s.key, base, `backbone ${s.plugin.name} (stage ${s.key})`)
      if (c) backbones.push(c)
    }
    const props = (s.plugin.options.properties ?? {}) as Record<string, { plafPlugin?: StageKind }>
    for (const [key, p] of Object.entries(props)) {
      if (p.plafPlugin !== 'text-encoder' || typeof s.options[key] !== 'string') continue
      const target = registry.get('text-encoder', s.options[key] as string) as StagePlugin | undefined
      if (!target) continue
      const sub = s.options[`${key}_options`]
      const opts = sub && typeof sub === 'object' ? (sub as Record<string, unknown>) : {}
      const c = await ask(target, opts, s.key, `${base}/${escapeSegment(key)}`, `text encoder ${target.name} (stages.${s.key}.with.${key})`)
      if (c) texts.push({ ...c, stage: s.key, plugin: target.name })
    }
  }
  for (const t of texts) {
    for (const b of backbones) {
      if (b.space === t.space) continue
      out.push(diagnostic('PLAF_SPACE_MISMATCH', `${t.who} embeds texts in space "${t.space}", but ${b.who} produces features in space "${b.space}": their similarities would mean nothing`, {
        ...locate(loaded, t.ptr), stage: t.stage, plugin: t.plugin, expected: b.space, actual: t.space,
        hint: 'pair the backbone with a text encoder of the same embedding space (the embedding_space of both plaf-model.json files)',
      }))
    }
  }
  return out
}
