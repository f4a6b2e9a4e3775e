/**
 * Frame capabilities at validate time: a stage that `requires` depth or poses (the `backproject`
 * lifter) is refused, at its `use:` line, when the input's frames do not carry them (`provides`).
 */
import { PlafError, diagnostic, type Diagnostic } from '../diagnostics.js'
import type { FrameCapability, InputCheckContext, InputPlugin, StagePlugin } from '../plugin.js'
import type { Registry } from '../registry.js'
import type { LoadedPipeline } from './load.js'
import { escapeSegment, originOf } from './provenance.js'

const WORD: Record<FrameCapability, string> = { depth: 'depth', pose: 'poses' }
const words = (caps: readonly FrameCapability[]): string => caps.map((c) => WORD[c]).join(' and ')

/**
 * What an input's frames carry with these options (`capabilities`, else `provides`), or null when it makes no claim
 * or cannot say (its function threw a PlafError: `check` reports that problem itself).
 */
export async function inputCapabilities(plugin: InputPlugin, options: Record<string, unknown>, ctx: InputCheckContext): Promise<readonly FrameCapability[] | null> {
  if (!plugin.capabilities) return plugin.provides ?? null
  try {
    return await plugin.capabilities(structuredClone(options), ctx)
  } catch (e) {
    if (e instanceof PlafError) return null
    throw e
  }
}

/** The stages whose `requires` the input does not provide, one error each at the stage's `use:`. */
export async function checkCapabilities(
  input: { use: string; plugin: InputPlugin; options: Record<string, unknown> },
  stages: readonly { key: string; use: string; plugin: StagePlugin }[],
  loaded: LoadedPipeline,
  registry: Registry,
): Promise<Diagnostic[]> {
  const needy = stages.filter((s) => s.plugin.requires?.length)
  if (!needy.length) return []
  const provided = await inputCapabilities(input.plugin, input.options, { baseDir: loaded.baseDir })
  if (!provided) return []
  const out: Diagnostic[] = []
  for (const s of needy) {
    const lacking = s.plugin.requires!.filter((c) => !provided.includes(c))
    if (!lacking.length) continue
    const o = originOf(loaded.provenance, `/stages/${escapeSegment(s.key)}/use`)
    // inputs that would do, from their static claims
    const able = registry.list().filter((p): p is InputPlugin => p.kind === 'input' && !p.capabilities && s.plugin.requires!.every((c) => p.provides?.includes(c))).map((p) => p.name)
    out.push(diagnostic('PLAF_CAPABILITY_MISSING', `stage ${s.key} (${s.plugin.name}) needs frames with ${words(s.plugin.requires!)}, but input ${input.use} gives frames without ${words(lacking)}`, {
      file: o?.file, source: o?.source, line: o?.line, column: o?.column, path: `stages.${s.key}.use`, stage: s.key, plugin: s.plugin.name,
      expected: s.plugin.requires!.join(', '), actual: `input ${input.use}: ${provided.length ? provided.join(', ') : 'colour only'}`,
      hint: able.length ? `inputs whose frames carry ${words(s.plugin.requires!)}: ${able.join(', ')}` : undefined,
    }))
  }
  return out
}
