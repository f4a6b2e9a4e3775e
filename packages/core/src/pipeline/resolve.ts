import { isAbsolute, relative, resolve as resolvePath } from 'node:path'
import type { ValidateFunction } from 'ajv'
import { type Diagnostic, PlafError, diagnostic, hasErrors } from '../diagnostics.js'
import { createAjv, validateOptions } from '../options.js'
import { STAGE_KINDS, type InputPlugin, type Plugin, type PluginNote, type StageKind, type StagePlugin } from '../plugin.js'
import { PORT_SCOPES, type PortName } from '../ports.js'
import type { Registry } from '../registry.js'
import { loadPipeline, type LoadOptions, type LoadedPipeline } from './load.js'
import { getAt, isPlainObject, setAt } from './merge.js'
import { schemaDiagnostics } from './option-errors.js'
import { declaringDir, resolvePaths } from './paths.js'
import { loadThirdPartyPlugins } from './plugins.js'
import { dotted, escapeSegment, fromPointer, originOf, toPointer, type Provenance } from './provenance.js'
import { pipelineSkeletonSchema, type RuntimeSettings } from './skeleton.js'
import { checkCapabilities } from './capabilities.js'
import { checkEmbeddingSpaces } from './spaces.js'
import { checkSeparateAdaptors } from './adaptors.js'
import { expandSweep, sweepOverrides } from './sweep.js'

/** Where one input port of a stage is fed from (`input` is the frame source). */
export interface PortSource {
  stage: string
  port: string
}

/** A stage ready to run. */
export interface ResolvedStage {
  key: string
  use: string
  plugin: StagePlugin
  /** Validated options with defaults filled in. */
  options: Record<string, unknown>
  wiring: Record<string, PortSource>
  /** 'frame': run() per frame (+ optional finish); 'scene': run() once after the frames. */
  mode: 'frame' | 'scene'
}

/** A pipeline checked end to end: every plugin found, every option valid, every port wired. */
export interface ResolvedPipeline {
  name: string
  file: string
  baseDir: string
  files: string[]
  input: { use: string; plugin: InputPlugin; options: Record<string, unknown> }
  stages: ResolvedStage[]
  runtime: RuntimeSettings
  output: { dir: string }
  sweep?: { matrix: Record<string, unknown[]>; include?: Record<string, unknown>[]; exclude?: Record<string, unknown>[]; max_variants?: number }
  /** The whole configuration with defaults filled in (what config.resolved.yaml holds). */
  config: Record<string, unknown>
  registry: Registry
}

/** The outcome: a pipeline when there is no error, and every diagnostic either way. */
export interface ResolveResult {
  pipeline?: ResolvedPipeline
  diagnostics: Diagnostic[]
  loaded: LoadedPipeline
}

let skeleton: ValidateFunction | undefined
/** Compiled on first use (~70 ms of CPU with ajv's meta-schema): commands that resolve no pipeline skip it. */
const skeletonValidator = (): ValidateFunction => (skeleton ??= createAjv().compile(pipelineSkeletonSchema))
const STAGE_ONLY: StageKind[] = STAGE_KINDS.filter((k) => k !== 'input')

function locate(prov: Provenance, ptr: string, key = false) {
  const o = originOf(prov, ptr)
  return { file: o?.file, source: o?.source, line: key ? (o?.keyLine ?? o?.line) : o?.line, column: key ? (o?.keyColumn ?? o?.column) : o?.column }
}

/** Keeps `--set` values as the raw text where the schema wants a string (`--set a.b=0001`). */
function keepStringOverrides(loaded: LoadedPipeline, schema: Record<string, unknown>, base: string, opts: Record<string, unknown>): void {
  for (const [ptr, raw] of loaded.rawOverrides) {
    if (!ptr.startsWith(base + '/')) continue
    const rel = fromPointer(ptr.slice(base.length))
    let s: Record<string, unknown> | undefined = schema
    for (const seg of rel) s = (s?.properties as Record<string, Record<string, unknown>> | undefined)?.[seg]
    if (s?.type === 'string' && typeof getAt(opts, rel) !== 'string') Object.assign(opts, setAt(opts, rel, raw))
  }
}

function unknownPlugin(registry: Registry, use: string, kinds: StageKind[], ptr: string, prov: Provenance, stage: string): Diagnostic {
  const near = registry.suggest(use, kinds)
  return diagnostic('PLAF_UNKNOWN_PLUGIN', `${dotted(ptr)}: no ${kinds.length === 1 ? kinds[0] : 'stage'} plugin named "${use}"`, {
    ...locate(prov, ptr), path: dotted(ptr), stage, actual: use,
    expected: 'a registered plugin name (plaf plugins)',
    hint: near.length ? `closest registered: ${near.slice(0, 4).join(', ')}` : undefined,
  })
}

/**
 * Where a plugin's options are listed: `plaf plugins <name>` for a built-in one; for one the
 * pipeline's `plugins:` loads, `plaf plugins <name> --pipeline <file>` (plain `plaf plugins` does
 * not know it).
 */
function optionsHint(plugin: Plugin, registry: Registry, loaded: LoadedPipeline, cwd: string): string {
  if (registry.origin(plugin.kind, plugin.name) === 'built-in' || !loaded.file) return `options: plaf plugins ${plugin.name}`
  const rel = relative(cwd, loaded.file)
  const file = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : loaded.file
  return `options: plaf plugins ${plugin.name} --pipeline ${/\s/.test(file) ? JSON.stringify(file) : file}`
}

/**
 * The registry a pipeline file's stages resolve against: `registry` plus the plugins its
 * `plugins:` list loads (what `plaf plugins --pipeline <file>` shows), and the diagnostics of
 * reading the file and loading them.
 */
export async function pipelineRegistry(path: string, registry: Registry, opts: LoadOptions = {}): Promise<{ registry: Registry; diagnostics: Diagnostic[] }> {
  const loaded = loadPipeline(path, opts)
  const out = [...loaded.diagnostics]
  if (hasErrors(out)) return { registry, diagnostics: out }
  const list = (loaded.value as { plugins?: unknown }).plugins
  const reg = await loadThirdPartyPlugins(Array.isArray(list) ? (list as string[]) : undefined, loaded, registry, out, resolvePath(opts.cwd ?? process.cwd()))
  return { registry: reg, diagnostics: out }
}

/** True when a JSON schema accepts null (`type: 'null'` or a type list with it, `const`/`enum` null, or a null branch). */
export function acceptsNull(s: unknown): boolean {
  if (!isPlainObject(s)) return false
  const t = s.type
  if (t === 'null' || (Array.isArray(t) && t.includes('null'))) return true
  if (s.const === null || (Array.isArray(s.enum) && s.enum.includes(null))) return true
  return (['anyOf', 'oneOf'] as const).some((k) => Array.isArray(s[k]) && (s[k] as unknown[]).some(acceptsNull))
}

/**
 * The `null deletes` rule for plugin options: an option an overlay or `--set` deleted with null is
 * given the value null when its schema accepts null (sam's `points_per_side: null` beside
 * `point_grids`), so the option's default does not come back; any other deleted option is left
 * out and gets its default. Located at the null.
 */
function applyNulls(plugin: Plugin, given: Record<string, unknown>, ptr: string, loaded: LoadedPipeline): Record<string, unknown> {
  let out = given
  for (const [p, origin] of loaded.nulls) {
    if (!p.startsWith(ptr + '/')) continue
    const rel = fromPointer(p.slice(ptr.length))
    let s: unknown = plugin.options
    for (const seg of rel) s = isPlainObject(s) && isPlainObject(s.properties) ? s.properties[seg] : undefined
    if (!acceptsNull(s) || getAt(out, rel) !== undefined) continue
    const parent = rel.slice(0, -1)
    if (parent.length && !isPlainObject(getAt(out, parent))) continue
    // setAt(…, null) deletes: copy the maps down to the parent and set the key to null there
    const last = rel[rel.length - 1]!
    out = parent.length ? (setAt(out, parent, { ...(getAt(out, parent) as Record<string, unknown>), [last]: null }) as Record<string, unknown>) : { ...out, [last]: null }
    loaded.provenance.set(p, origin)
  }
  return out
}

function checkOptions(plugin: Plugin, raw: unknown, ptr: string, loaded: LoadedPipeline, registry: Registry, stage: string, out: Diagnostic[], cwd: string): Record<string, unknown> {
  const given = applyNulls(plugin, isPlainObject(raw) ? raw : {}, ptr, loaded)
  const r = validateOptions(plugin, given)
  keepStringOverrides(loaded, plugin.options, ptr, r.value)
  const again = validateOptions(plugin, r.value)
  out.push(...schemaDiagnostics(again.errors, {
    value: setAt(loaded.value, fromPointer(ptr), given), provenance: loaded.provenance, base: ptr, code: 'PLAF_INVALID_OPTION',
    plugin: plugin.name, stage, hint: optionsHint(plugin, registry, loaded, cwd),
  }))
  resolvePaths(plugin.options, again.value, ptr, loaded, cwd)
  // Options that name another plugin (schema keyword plafPlugin), and their `<name>_options`.
  const props = (plugin.options.properties ?? {}) as Record<string, { plafPlugin?: StageKind }>
  for (const [key, p] of Object.entries(props)) {
    if (!p.plafPlugin || typeof again.value[key] !== 'string') continue
    const ref = again.value[key] as string
    const target = registry.get(p.plafPlugin, ref)
    const refPtr = `${ptr}/${escapeSegment(key)}`
    if (!target) {
      out.push(unknownPlugin(registry, ref, [p.plafPlugin], refPtr, loaded.provenance, stage))
      continue
    }
    const subKey = `${key}_options`
    if (subKey in props) again.value[subKey] = checkOptions(target, again.value[subKey], `${ptr}/${escapeSegment(subKey)}`, loaded, registry, stage, out, cwd)
  }
  return again.value
}

/**
 * Runs a plugin's cheap `check` (input: its source; stage: cross-option rules) and locates each
 * note at its option in the YAML; `base` is the pointer of the `with:` block, `stage` its key.
 */
async function checkPlugin(plugin: Plugin, options: Record<string, unknown>, loaded: LoadedPipeline, base: string, stage: string): Promise<Diagnostic[]> {
  if (!plugin.check) return []
  let notes: PluginNote[]
  try {
    notes = plugin.kind === 'input'
      ? await plugin.check(structuredClone(options), { baseDir: loaded.baseDir })
      : await plugin.check(structuredClone(options), { baseDir: loaded.baseDir, stage })
  } catch (e) {
    if (e instanceof PlafError) notes = e.diagnostics
    else throw e
  }
  return notes.map((n) => {
    const ptr = base + (n.path ? toPointer(n.path.split('.')) : '')
    return diagnostic(n.code, n.message, { ...n, severity: n.severity ?? 'error', ...locate(loaded.provenance, ptr), path: dotted(ptr), stage, plugin: plugin.name })
  })
}

/** Loads and resolves a pipeline against a registry (plus the plugins the file lists). */
/**
 * A sweep's variants, checked before any runs: the count is bounded without expanding anything
 * (the product of the matrix lengths plus `include`) and refused above `max_variants`; below it,
 * every variant is resolved like the base pipeline and its errors are reported, prefixed with the
 * variant's name and located at the matrix value (or key) that made them, so a bad value in the
 * matrix fails `plaf validate` at its line, not variant 37 of a run.
 */
async function checkSweep(path: string, registry: Registry, opts: LoadOptions, sweep: NonNullable<ResolvedPipeline['sweep']>, prov: Provenance): Promise<Diagnostic[]> {
  const lengths = Object.values(sweep.matrix).map((v) => v.length)
  const bound = lengths.reduce((a, b) => a * b, 1) + (sweep.include?.length ?? 0)
  const max = sweep.max_variants ?? 100
  if (bound > max) {
    return [diagnostic('PLAF_INVALID_PIPELINE', `sweep: up to ${bound.toLocaleString('en-US')} variants (${lengths.join(' × ')}${sweep.include?.length ? ` + ${sweep.include.length} included` : ''}), more than max_variants ${max}`, {
      ...locate(prov, '/sweep/matrix', true), path: 'sweep.matrix', expected: `at most ${max} variants`, actual: String(bound),
      hint: 'shrink the matrix, use exclude:, or raise sweep.max_variants',
    })]
  }
  const found: Diagnostic[] = []
  for (const v of expandSweep(sweep)) {
    const r = await resolvePipeline(path, registry, { ...opts, overrides: [...(opts.overrides ?? []), ...sweepOverrides(v, prov)], checkSweep: false })
    for (const d of r.diagnostics) if (d.severity === 'error') found.push({ ...d, message: `sweep variant ${v.name}: ${d.message}` })
  }
  return found
}

export async function resolvePipeline(path: string, registry: Registry, opts: LoadOptions = {}): Promise<ResolveResult> {
  const loaded = loadPipeline(path, opts)
  const cwd = resolvePath(opts.cwd ?? process.cwd())
  const out = [...loaded.diagnostics]
  if (hasErrors(out)) return { diagnostics: out, loaded }
  const prov = loaded.provenance
  const config = structuredClone(loaded.value)
  const skeletonCheck = skeletonValidator()
  if (!skeletonCheck(config)) {
    out.push(...schemaDiagnostics(skeletonCheck.errors ?? [], { value: loaded.value, provenance: prov, base: '', code: 'PLAF_INVALID_PIPELINE' }))
  }
  for (const d of out) if (!d.file && !d.source) Object.assign(d, { file: loaded.file, line: d.line ?? 1, column: d.column ?? 1 })
  if (hasErrors(out)) return { diagnostics: out, loaded }

  const reg = await loadThirdPartyPlugins(config.plugins as string[] | undefined, loaded, registry, out, cwd)
  // config.resolved.yaml lives in the run directory: keep plugin files findable from there.
  if (Array.isArray(config.plugins)) config.plugins = (config.plugins as string[]).map((s, i) => (s.startsWith('.') ? resolvePath(declaringDir(loaded, `/plugins/${i}`, cwd), s) : s))
  if (hasErrors(out)) return { diagnostics: out, loaded }

  const inputRef = config.input as { use: string; with?: unknown }
  const inputPlugin = reg.get('input', inputRef.use) as InputPlugin | undefined
  let inputOptions: Record<string, unknown> = {}
  if (!inputPlugin) out.push(unknownPlugin(reg, inputRef.use, ['input'], '/input/use', prov, 'input'))
  else {
    const before = out.length
    inputOptions = checkOptions(inputPlugin, inputRef.with, '/input/with', loaded, reg, 'input', out, cwd)
    if (opts.checkInput !== false && !hasErrors(out.slice(before))) out.push(...(await checkPlugin(inputPlugin, inputOptions, loaded, '/input/with', 'input')))
  }

  const producers: { stage: string; port: string; type: PortName }[] = [{ stage: 'input', port: 'frame', type: 'Frame' }]
  const stages: ResolvedStage[] = []
  // stages whose options have errors: nothing more is asked of them (their models, their spaces)
  const badOptions = new Set<string>()
  // After an unknown plugin its outputs are unknown too: unwired ports below it would only echo that error.
  let unresolved = false
  for (const [key, ref] of Object.entries(config.stages as Record<string, { use: string; with?: unknown; from?: Record<string, string> }>)) {
    const base = `/stages/${escapeSegment(key)}`
    const plugin = reg.find(ref.use, STAGE_ONLY) as StagePlugin | undefined
    if (!plugin) {
      out.push(unknownPlugin(reg, ref.use, STAGE_ONLY, `${base}/use`, prov, key))
      unresolved = true
      continue
    }
    const before = out.length
    const options = checkOptions(plugin, ref.with, `${base}/with`, loaded, reg, key, out, cwd)
    if (!hasErrors(out.slice(before))) out.push(...(await checkPlugin(plugin, options, loaded, `${base}/with`, key)))
    if (hasErrors(out.slice(before))) badOptions.add(key)
    const wiring: Record<string, PortSource> = {}
    for (const [port, type] of Object.entries(plugin.inputs)) {
      const explicit = ref.from?.[port]
      const src = explicit
        ? producers.find((p) => `${p.stage}.${p.port}` === explicit)
        : [...producers].reverse().find((p) => p.type === type)
      if (!src || src.type !== type) {
        if (unresolved && !explicit) continue
        out.push(diagnostic('PLAF_PORT_UNCONNECTED', `stage ${key} (${plugin.name}): input port "${port}" needs a ${type}${explicit ? `, but ${explicit} is not an earlier ${type} output` : ' and no earlier stage produces one'}`, {
          ...locate(prov, explicit ? `${base}/from/${escapeSegment(port)}` : `${base}/use`), path: `stages.${key}`, stage: key, plugin: plugin.name,
          expected: type, actual: explicit ?? 'nothing',
        }))
        continue
      }
      wiring[port] = { stage: src.stage, port: src.port }
    }
    for (const port of Object.keys(ref.from ?? {})) {
      if (!(port in plugin.inputs)) {
        out.push(diagnostic('PLAF_PORT_UNCONNECTED', `stage ${key} (${plugin.name}) has no input port "${port}" (ports: ${Object.keys(plugin.inputs).join(', ') || 'none'})`, {
          ...locate(prov, `${base}/from/${escapeSegment(port)}`, true), path: `stages.${key}.from.${port}`, stage: key, plugin: plugin.name,
        }))
      }
    }
    const mode = Object.values(plugin.inputs).some((t) => PORT_SCOPES[t] === 'frame') ? 'frame' : 'scene'
    stages.push({ key, use: ref.use, plugin, options, wiring, mode })
    for (const [port, type] of Object.entries(plugin.outputs)) producers.push({ stage: key, port, type })
    Object.assign(ref, { with: options })
  }
  if (inputPlugin) Object.assign(inputRef, { with: inputOptions })
  // The stages' models do not depend on the input: they are checked (every model not installed
  // named) even when the input is wrong, e.g. a scene not there yet.
  const checked = stages.filter((s) => !badOptions.has(s.key))
  const modelChecks = async (): Promise<Diagnostic[]> => [...(await checkEmbeddingSpaces(checked, loaded, reg, opts.models)), ...(await checkSeparateAdaptors(checked, loaded, opts.models))]
  if (hasErrors(out) || !inputPlugin) return { diagnostics: [...out, ...(await modelChecks())], loaded }
  if (opts.checkInput !== false) out.push(...(await checkCapabilities({ use: inputRef.use, plugin: inputPlugin, options: inputOptions }, stages, loaded, reg)))
  out.push(...(await modelChecks()))
  if (hasErrors(out)) return { diagnostics: out, loaded }
  const name = config.name as string
  const output = config.output as { dir: string }
  // The default `runs/${name}` is filled in after interpolation.
  output.dir = output.dir.replace(/\$\{name\}/g, name)
  // output.dir, runtime.cache_dir: absolute, against the file that sets them (defaults: cwd).
  resolvePaths(pipelineSkeletonSchema, config, '', loaded, cwd)
  const sweep = config.sweep as ResolvedPipeline['sweep']
  if (sweep && opts.checkSweep !== false) {
    out.push(...(await checkSweep(path, registry, opts, sweep, prov)))
    if (hasErrors(out)) return { diagnostics: out, loaded }
  }
  return {
    diagnostics: out,
    loaded,
    pipeline: {
      name, file: loaded.file, baseDir: loaded.baseDir, files: loaded.files,
      input: { use: inputRef.use, plugin: inputPlugin, options: inputOptions },
      stages, runtime: config.runtime as RuntimeSettings, output, config, registry: reg,
      sweep,
    },
  }
}
