import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, extname, resolve } from 'node:path'
import { closest, distance } from 'fastest-levenshtein'
import { parse as parseYaml } from 'yaml'
import { type Diagnostic, diagnostic, hasErrors } from '../diagnostics.js'
import type { ModelAccess } from '../models/access.js'
import { interpolate } from './interpolate.js'
import { flagOrigin } from './option-errors.js'
import { deepMerge, getAt, isPlainObject, setAt, type Nulls } from './merge.js'
import { dropBelow, escapeSegment, originOf, toPointer, type Origin, type Provenance } from './provenance.js'
import { parseYamlSource } from './yaml-source.js'

/** A pipeline file after `extends`, `--set` and interpolation, with origins for every value. */
export interface LoadedPipeline {
  file: string
  baseDir: string
  value: Record<string, unknown>
  provenance: Provenance
  diagnostics: Diagnostic[]
  /** Every file read, in load order (the pipeline and what it extends). */
  files: string[]
  /** Raw text of each `--set` value by pointer, so the resolver can keep strings as strings. */
  rawOverrides: Map<string, string>
  /**
   * Keys an explicit `null` in an overlay (a file with `extends`) or a `--set` deleted, by pointer,
   * with the null's origin: the resolver makes such a plugin option null, not its default, when
   * the option accepts null (README, "null deletes").
   */
  nulls: Nulls
}

/** Options for loading. */
export interface LoadOptions {
  /**
   * `--set path=value` arguments, applied in order after every file is merged. A string is a
   * command-line `--set` (diagnostics point at it); an {@link OverrideArg} says where else the
   * value came from (a sweep's matrix). A path under `stages.<key>` must name a stage the
   * pipeline has, unless `addStages` is true.
   */
  overrides?: readonly (string | OverrideArg)[]
  /**
   * API only (the CLI never sets it): let an override add a stage the pipeline does not have
   * (`stages.boom.use=failing`), as tests that inject a failing stage do. Default false: a stage
   * name in an override that names no stage is PLAF_INVALID_OVERRIDE with the closest stage names,
   * since a misspelt `--set stages.maskr.use=grid` would otherwise add a stage silently.
   */
  addStages?: boolean
  env?: Record<string, string | undefined>
  /** Directory that relative `--set` paths and path defaults resolve against; default process.cwd(). */
  cwd?: string
  /**
   * resolvePipeline: run the input plugin's `check` (default true). False where the input is not
   * read, e.g. re-opening a finished run to query it after its scene moved.
   */
  checkInput?: boolean
  /**
   * resolvePipeline: the model store the validate-time embedding-space check reads manifests from
   * (default: the models installed under PLAF_HOME; nothing is downloaded).
   */
  models?: ModelAccess
  /**
   * resolvePipeline: resolve each variant of a `sweep:` too and report their errors (default
   * true; the variants themselves are resolved with false).
   */
  checkSweep?: boolean
}

/** An override that did not come from the command line: where it came from and how to name it. */
export interface OverrideArg {
  /** `path=value`, as after `--set`. */
  arg: string
  /** Where the value is written (a sweep's matrix value, with its key as keyLine/keyColumn); diagnostics point there. */
  origin?: Origin
  /** How messages name it; default `--set <arg>`. */
  label?: string
}

/** One parsed `--set` argument. */
export interface Override {
  arg: string
  path: string[]
  raw: string
  value: unknown
}

/** Parses `path=value` (value is YAML: `3`, `true`, `[0, 10]`, `grid`). */
export function parseOverride(arg: string): Override | Diagnostic {
  const eq = arg.indexOf('=')
  const path = eq > 0 ? arg.slice(0, eq).trim() : ''
  if (!path || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(path)) {
    return diagnostic('PLAF_INVALID_OVERRIDE', `--set expects path=value with a dotted path (e.g. stages.masker.with.k=3)`, {
      source: `--set ${arg}`, column: 7, actual: arg,
    })
  }
  const raw = arg.slice(eq + 1)
  let value: unknown
  try {
    value = raw === '' ? '' : parseYaml(raw)
  } catch (e) {
    return diagnostic('PLAF_INVALID_OVERRIDE', `--set value is not valid YAML: ${(e as Error).message.split('\n')[0]}`, {
      source: `--set ${arg}`, column: 7 + eq + 1, actual: raw,
    })
  }
  return { arg, path: path.split('.'), raw, value }
}

function readSource(file: string, chain: string[], from: { prov: Provenance; ptr: string } | undefined, out: Diagnostic[]) {
  const o = from ? originOf(from.prov, from.ptr) : undefined
  if (chain.includes(file)) {
    out.push(diagnostic('PLAF_EXTENDS_CYCLE', `extends cycle: ${[...chain, file].map((f) => basename(f)).join(' → ')}`, {
      file: o?.file, line: o?.line, column: o?.column, path: 'extends', actual: file,
    }))
    return undefined
  }
  if (!existsSync(file)) {
    const code = from ? 'PLAF_EXTENDS_NOT_FOUND' : 'PLAF_FILE_NOT_FOUND'
    out.push(diagnostic(code, from ? `extends file not found: ${file}` : `pipeline file not found: ${file}`, {
      file: o?.file ?? file, line: o?.line, column: o?.column, path: from ? 'extends' : undefined, actual: file,
    }))
    return undefined
  }
  if (statSync(file).isDirectory()) {
    // `plaf run pipelines/`: name the directory and the pipeline files it holds
    const yamls = readdirSync(file).filter((n) => /\.ya?ml$/.test(n)).sort()
    const holds = yamls.length ? `; it holds ${yamls.slice(0, 5).join(', ')}${yamls.length > 5 ? ` and ${yamls.length - 5} more` : ''}` : ''
    out.push(diagnostic('PLAF_INPUT_INVALID', `${from ? 'extends names' : 'the pipeline is'} a directory, not a file: ${file}`, {
      file: o?.file ?? file, line: o?.line, column: o?.column, path: from ? 'extends' : undefined,
      hint: `give the pipeline's .yaml file${holds}`,
    }))
    return undefined
  }
  return parseYamlSource(file, readFileSync(file, 'utf8'))
}

function loadTree(file: string, chain: string[], from: { prov: Provenance; ptr: string } | undefined, out: Diagnostic[], files: string[]) {
  const src = readSource(file, chain, from, out)
  if (!src) return undefined
  files.push(file)
  out.push(...src.diagnostics)
  if (hasErrors(src.diagnostics)) return undefined
  if (src.value !== null && !isPlainObject(src.value)) {
    out.push(diagnostic('PLAF_INVALID_PIPELINE', 'a pipeline file must be a YAML mapping', { file, line: 1, column: 1 }))
    return undefined
  }
  let value: unknown = src.value ?? {}
  let prov: Provenance = src.provenance
  const nulls: Nulls = new Map()
  const ext = (value as Record<string, unknown>).extends
  if (ext !== undefined) {
    const list = Array.isArray(ext) ? ext : [ext]
    let merged: unknown = {}
    const mergedProv: Provenance = new Map()
    list.forEach((e, i) => {
      const ptr = Array.isArray(ext) ? `/extends/${i}` : '/extends'
      if (typeof e !== 'string') {
        const o = originOf(prov, ptr)
        out.push(diagnostic('PLAF_INVALID_PIPELINE', 'extends must be a path or a list of paths', { file, line: o?.line, column: o?.column, path: 'extends', expected: 'string' }))
        return
      }
      const parent = loadTree(resolve(dirname(file), e), [...chain, file], { prov, ptr }, out, files)
      if (parent) {
        merged = deepMerge(merged, mergedProv, parent.value, parent.prov, '', nulls)
        for (const [k, o] of parent.nulls) nulls.set(k, o)
      }
    })
    const own = { ...(value as Record<string, unknown>) }
    delete own.extends
    value = deepMerge(merged, mergedProv, own, prov, '', nulls)
    prov = mergedProv
  }
  return { value, prov, nulls }
}

/** True when a path is `input.use` or `stages.<key>.use` and the value names a different plugin. */
function isUseSwitch(root: unknown, path: readonly string[], value: unknown): boolean {
  const isUse = (path.length === 2 && path[0] === 'input' && path[1] === 'use') || (path.length === 3 && path[0] === 'stages' && path[2] === 'use')
  return isUse && getAt(root, path) !== undefined && getAt(root, path) !== value
}

/**
 * The note that a `--set …use=` switch drops the old plugin's `with:` (the right behaviour: those
 * options belong to the old plugin, but it must be visible). Located at the dropped block.
 */
function droppedOptionsNote(root: unknown, prov: Provenance, withPath: string[], label: string, use: unknown): Diagnostic | undefined {
  const old = getAt(root, withPath)
  if (!isPlainObject(old) || Object.keys(old).length === 0) return undefined
  const where = originOf(prov, toPointer(withPath))
  const from = getAt(root, [...withPath.slice(0, -1), 'use'])
  const keys = Object.keys(old)
  const message = `${label} replaces plugin "${String(from)}" with "${String(use)}": the options of "${String(from)}" in ${withPath.join('.')} (${keys.join(', ')}) are dropped`
  return diagnostic('PLAF_OPTIONS_DROPPED', message, {
    severity: 'info', file: where?.file, line: where?.line, column: where?.column, source: where?.file ? undefined : where?.source,
    path: withPath.join('.'), stage: withPath[0] === 'stages' ? withPath[1] : 'input', actual: keys.join(', '),
    hint: `options of "${String(use)}" can follow it: --set ${withPath.join('.')}.<option>=<value>`,
  })
}

/**
 * The origin of an override's value, with the key column at path segment `seg`: in the `--set`
 * text (`--set stages.maskr.use=grid`: segment 1 is column 14) or, for an override written
 * elsewhere, that origin as it is.
 */
function overrideOrigins(o: Override, origin: Origin | undefined): (seg: number) => Origin {
  if (origin) return () => origin
  const text = `--set ${o.arg}`
  const base = flagOrigin(text)
  const starts: number[] = []
  let col = 7 + o.arg.indexOf(o.path[0]!)
  for (const s of o.path) {
    starts.push(col)
    col += s.length + 1
  }
  return (seg) => ({ ...base, keyColumn: starts[seg] })
}

/** A diagnostic about an override's text, moved to where that override is written. */
function relocate(d: Diagnostic, origin: Origin, label: string): Diagnostic {
  return { ...d, message: `${label}: ${d.message}`, file: origin.file, line: origin.keyLine ?? origin.line, column: origin.keyColumn ?? origin.column, source: origin.source }
}

/**
 * PLAF_INVALID_OVERRIDE for an override under `stages.<key>` when the pipeline has no stage
 * `<key>`: a misspelt stage name would otherwise add a stage (without its wiring or options),
 * and the real stage would run unchanged. Located at the stage name, with the closest names.
 */
function missingStage(root: Record<string, unknown>, o: Override, at: (seg: number) => Origin, label: string): Diagnostic | undefined {
  if (o.path[0] !== 'stages' || o.path.length < 2) return undefined
  const stages = isPlainObject(root.stages) ? Object.keys(root.stages) : []
  const key = o.path[1]!
  if (stages.includes(key)) return undefined
  const near = stages.length ? closest(key, stages) : undefined
  const mean = near !== undefined && distance(near, key) <= Math.max(2, key.length / 3) ? `did you mean "${near}"? ` : ''
  const where = at(1)
  return diagnostic('PLAF_INVALID_OVERRIDE', `the pipeline has no stage "${key}" (${label.startsWith('--set') ? '--set' : 'an override'} changes stages, it does not add them)`, {
    file: where.file, source: where.source, line: where.keyLine ?? where.line, column: where.keyColumn ?? where.column,
    path: `stages.${key}`, stage: key, actual: key,
    expected: stages.length ? `one of ${stages.join(', ')}` : 'a stage of the pipeline (it has none)',
    hint: `${mean}to add a stage, write it under stages: in a pipeline file that extends this one`,
  })
}

/** Loads a pipeline file: parse, `extends`, `--set`, interpolation. Never throws for user errors. */
export function loadPipeline(path: string, opts: LoadOptions = {}): LoadedPipeline {
  const file = resolve(path)
  const diagnostics: Diagnostic[] = []
  const files: string[] = []
  const rawOverrides = new Map<string, string>()
  const tree = loadTree(file, [], undefined, diagnostics, files)
  let value = (tree?.value ?? {}) as Record<string, unknown>
  const provenance: Provenance = tree?.prov ?? new Map()
  const nulls: Nulls = tree?.nulls ?? new Map()
  for (const given of opts.overrides ?? []) {
    const { arg, origin, label = `--set ${arg}` } = typeof given === 'string' ? { arg: given } : given
    const parsed = parseOverride(arg)
    if ('code' in parsed) {
      diagnostics.push(origin ? relocate(parsed, origin, label) : parsed)
      continue
    }
    const o = parsed
    const at = overrideOrigins(o, origin)
    const ptr = toPointer(o.path)
    if (!opts.addStages) {
      const missing = missingStage(value, o, at, label)
      if (missing) {
        diagnostics.push(missing)
        continue
      }
    }
    // A stage's `with:` belongs to its plugin: switching `use:` drops the old plugin's options.
    if (isUseSwitch(value, o.path, o.value)) {
      const withPath = [...o.path.slice(0, -1), 'with']
      const dropped = droppedOptionsNote(value, provenance, withPath, label, o.value)
      if (dropped) diagnostics.push(dropped)
      value = setAt(value, withPath, null) as Record<string, unknown>
      dropBelow(provenance, toPointer(withPath))
      dropBelow(nulls, toPointer(withPath))
      // what the new plugin lacks or defaults (a missing required option, a model it would open)
      // was brought in by this override: such diagnostics point at the plugin name it gives
      const v = at(o.path.length - 1)
      provenance.set(toPointer(withPath), { ...v, keyLine: v.line, keyColumn: v.column })
    }
    // maps the override creates (`--set input.wth.scene=x`) come from it too, each at its key
    for (let i = 1; i < o.path.length; i++) if (getAt(value, o.path.slice(0, i)) === undefined) provenance.set(toPointer(o.path.slice(0, i)), at(i - 1))
    // a null deletes a key of a map (it sets an element of a list to null)
    const deletes = o.value === null && !Array.isArray(getAt(value, o.path.slice(0, -1)))
    value = setAt(value, o.path, o.value) as Record<string, unknown>
    for (const k of [...provenance.keys()]) if (k === ptr || k.startsWith(ptr + '/')) provenance.delete(k)
    provenance.set(ptr, at(o.path.length - 1))
    dropBelow(nulls, ptr)
    if (deletes) nulls.set(ptr, at(o.path.length - 1))
    rawOverrides.set(ptr, o.raw)
  }
  let name = typeof value.name === 'string' ? value.name : basename(file, extname(file))
  if (!hasErrors(diagnostics)) {
    // vars, then name, then the rest: `${name}` and `${vars.KEY}` always see interpolated values.
    const env = opts.env ?? process.env
    const vars = isPlainObject(value.vars) ? (interpolate(value.vars, provenance, { env }, diagnostics, '/vars') as Record<string, unknown>) : {}
    if (typeof value.name === 'string') name = interpolate(value.name, provenance, { env, vars }, diagnostics, '/name') as string
    const done: Record<string, unknown> = {}
    if (isPlainObject(value.vars)) done.vars = vars
    if (typeof value.name === 'string') done.name = name
    value = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k in done ? done[k] : interpolate(v, provenance, { env, name, vars }, diagnostics, '/' + escapeSegment(k))]))
  }
  if (value.name === undefined) value = { name, ...value }
  return { file, baseDir: dirname(file), value, provenance, diagnostics, files, rawOverrides, nulls }
}

export { getAt }
