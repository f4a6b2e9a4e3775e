import { type Diagnostic, PlafError, diagnostic } from './diagnostics.js'
import { optionsValidator } from './options.js'
import { FRAME_CAPABILITIES, STAGE_KINDS, type Plugin, type StageKind } from './plugin.js'
import { PORT_SCOPES } from './ports.js'

/** Where a plugin came from, for messages (`built-in`, a package name or a file path). */
export interface PluginOrigin {
  source: string
}

/** How {@link Registry.addAll} checks plugins. */
export interface RegistryOptions {
  /**
   * Compile each plugin's options schema now, so one that does not compile is a registration
   * error (default true). The CLI's built-ins skip it: their own tests compile every schema
   * (describeStagePlugin), and compiling all of them costs a noticeable part of every `plaf`
   * start (25 built-in schemas: 204–274 ms, measured under load; 0.4 ms without); each is compiled on first use.
   */
  compileSchemas?: boolean
}

/**
 * The explicit plugin registry: built from arrays of plugin objects, never by import side effects.
 * Names are unique per kind.
 */
export class Registry {
  private readonly byKind = new Map<StageKind, Map<string, { plugin: Plugin; origin: string }>>()

  constructor(plugins: readonly Plugin[] = [], origin = 'built-in', options: RegistryOptions = {}) {
    this.addAll(plugins, origin, options)
  }

  /** Adds plugins; throws a PlafError listing every invalid or duplicate one. */
  addAll(plugins: readonly Plugin[], origin: string, options: RegistryOptions = {}): this {
    const problems: Diagnostic[] = []
    for (const p of plugins) {
      const bad = checkPluginShape(p, options.compileSchemas ?? true)
      if (bad) {
        problems.push(diagnostic('PLAF_PLUGIN_INVALID', `plugin from ${origin} is invalid: ${bad}`, { plugin: (p as Plugin)?.name }))
        continue
      }
      const kind = this.byKind.get(p.kind) ?? new Map()
      const prev = kind.get(p.name)
      if (prev) {
        problems.push(diagnostic('PLAF_DUPLICATE_PLUGIN', `${p.kind} plugin "${p.name}" from ${origin} is already registered by ${prev.origin}`, { plugin: p.name }))
        continue
      }
      kind.set(p.name, { plugin: p, origin })
      this.byKind.set(p.kind, kind)
    }
    if (problems.length) throw new PlafError(problems)
    return this
  }

  /** A copy that later additions do not affect (the CLI's built-ins stay as they are). */
  clone(): Registry {
    const r = new Registry()
    for (const [k, m] of this.byKind) r.byKind.set(k, new Map(m))
    return r
  }

  /** The plugin of a kind and name, or undefined. */
  get(kind: StageKind, name: string): Plugin | undefined {
    return this.byKind.get(kind)?.get(name)?.plugin
  }

  /** Where a registered plugin came from. */
  origin(kind: StageKind, name: string): string | undefined {
    return this.byKind.get(kind)?.get(name)?.origin
  }

  /** Finds a plugin by name in any of the given kinds (stage keys do not fix the kind). */
  find(name: string, kinds: readonly StageKind[] = STAGE_KINDS): Plugin | undefined {
    for (const k of kinds) {
      const p = this.get(k, name)
      if (p) return p
    }
    return undefined
  }

  /** Every plugin, in kind order then name order. */
  list(): Plugin[] {
    const out: Plugin[] = []
    for (const k of STAGE_KINDS) {
      const m = this.byKind.get(k)
      if (m) out.push(...[...m.values()].map((e) => e.plugin).sort((a, b) => a.name.localeCompare(b.name)))
    }
    return out
  }

  /** Registered names close to `name`, for "did you mean" (see {@link closestNames}); often none. */
  suggest(name: string, kinds: readonly StageKind[] = STAGE_KINDS): string[] {
    return closestNames(name, kinds.flatMap((k) => [...(this.byKind.get(k)?.keys() ?? [])]))
  }
}

/** Edit distance counting an adjacent transposition as one edit (`gird` → `grid` is 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/**
 * The candidates that plausibly are what `name` meant, nearest first: within an edit distance of
 * about a third of the name's length (at least 1, at most 3), or containing the name when it has
 * at least 4 characters (`lexicon` → `color-lexicon`). A name unlike every candidate gets none:
 * a wrong suggestion (`radio` → `grid`) misleads more than no suggestion.
 */
export function closestNames(name: string, candidates: readonly string[]): string[] {
  const limit = Math.min(3, Math.max(1, Math.round(name.length / 3)))
  const scored = [...new Set(candidates)].map((n) => ({ n, d: editDistance(n, name) }))
  return scored
    .filter(({ n, d }) => d <= limit || (name.length >= 4 && n.includes(name)))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .map(({ n }) => n)
}

/** Checks the static shape of a plugin object (and, with `compileSchema`, that its options schema compiles); returns what is wrong or null. */
export function checkPluginShape(p: unknown, compileSchema = true): string | null {
  const o = p as Partial<Plugin> | null
  if (!o || typeof o !== 'object') return 'not an object'
  if (typeof o.name !== 'string' || !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(o.name)) return `name ${JSON.stringify(o.name)} is not kebab-case`
  if (!STAGE_KINDS.includes(o.kind as StageKind)) return `"${o.name}": kind ${JSON.stringify(o.kind)} is not one of ${STAGE_KINDS.join(', ')}`
  if (typeof o.version !== 'string' || typeof o.description !== 'string') return `"${o.name}": version and description must be strings`
  if (typeof o.create !== 'function') return `"${o.name}": create must be a function`
  if (!o.options || typeof o.options !== 'object') return `"${o.name}": options must be a JSON Schema object`
  if (compileSchema) {
    try {
      optionsValidator(o as Plugin)
    } catch (e) {
      return `"${o.name}": options schema does not compile: ${(e as Error).message}`
    }
  }
  const ports = { ...((o as { inputs?: object }).inputs ?? {}), ...((o as { outputs?: object }).outputs ?? {}) }
  for (const [port, type] of Object.entries(ports)) {
    if (typeof type !== "string" || !(type in PORT_SCOPES)) return `"${o.name}": port ${port} has unknown type ${String(type)}`
  }
  const caps = o as { provides?: unknown; requires?: unknown; capabilities?: unknown }
  const known = (v: unknown) => Array.isArray(v) && v.every((c) => (FRAME_CAPABILITIES as readonly unknown[]).includes(c))
  if (caps.provides !== undefined && !known(caps.provides)) return `"${o.name}": provides must list frame capabilities (${FRAME_CAPABILITIES.join(', ')})`
  if (caps.capabilities !== undefined && typeof caps.capabilities !== 'function') return `"${o.name}": capabilities must be a function`
  if (caps.requires !== undefined && !known(caps.requires)) return `"${o.name}": requires must list frame capabilities (${FRAME_CAPABILITIES.join(', ')})`
  return null
}
