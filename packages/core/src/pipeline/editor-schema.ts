import { STAGE_KINDS, type JsonSchema, type Plugin, type StageKind } from '../plugin.js'
import type { Registry } from '../registry.js'
import { pipelineSkeletonSchema } from './skeleton.js'

/**
 * Two shapes of the same file: a whole pipeline, or an overlay (a file with `extends`) that gives
 * only what it changes. Overlays drop `required` and `minProperties` (the rest may be inherited)
 * and accept `null` for any mapping value (null deletes the inherited key).
 */
type Mode = 'full' | 'overlay'

const INTERPOLATION = { $ref: '#/definitions/interpolation' }
const ANNOTATIONS = ['title', 'description', 'markdownDescription', 'default', 'examples'] as const
const STRING_CONSTRAINTS = ['enum', 'const', 'pattern', 'format', 'minLength', 'maxLength']
/** Keys whose deletion (`null`) always leaves an invalid pipeline, so null stays an error there. */
const NEVER_NULL = new Set(['input', 'stages', 'use', 'extends'])

const isObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v)

/** True when a schema accepts every string, so an interpolation needs no extra branch. */
function acceptsAnyString(s: JsonSchema): boolean {
  return s.type === 'string' && !STRING_CONSTRAINTS.some((k) => k in s)
}

/** Rewrites the subschemas of a node for the editor (the node itself is not wrapped). */
function inner(s: JsonSchema, mode: Mode, names: PluginNames): JsonSchema {
  const out: JsonSchema = { ...s }
  if (typeof out.plafPlugin === 'string') {
    // An option that names another plugin: offer the registered names as completions.
    out.examples = names.byKind(out.plafPlugin as StageKind)
    delete out.plafPlugin
  }
  // `format: path` marks a path option for the resolver; any string is a path, and editors know no such format.
  if (out.format === 'path') delete out.format
  if (mode === 'overlay') for (const k of ['required', 'minProperties', 'dependencies', 'dependentRequired']) delete out[k]
  if (isObject(out.properties)) {
    out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, value(v as JsonSchema, mode, names, !NEVER_NULL.has(k))]))
  }
  for (const k of ['additionalProperties', 'patternProperties'] as const) {
    const v = out[k]
    if (k === 'additionalProperties' && isObject(v)) out[k] = value(v, mode, names, true)
    if (k === 'patternProperties' && isObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, x]) => [p, value(x as JsonSchema, mode, names, true)]))
  }
  if (isObject(out.items)) out.items = value(out.items, mode, names, false)
  else if (Array.isArray(out.items)) out.items = out.items.map((x) => value(x as JsonSchema, mode, names, false))
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(out[k])) out[k] = (out[k] as JsonSchema[]).map((x) => inner(x, mode, names))
  }
  for (const k of ['if', 'then', 'else'] as const) if (isObject(out[k])) out[k] = inner(out[k], mode, names)
  return out
}

/**
 * A value position: the rewritten schema, or a `${…}` string (checked by `plaf validate` once
 * interpolated), or, in an overlay where `nullable`, `null`.
 */
function value(s: JsonSchema, mode: Mode, names: PluginNames, nullable: boolean): JsonSchema {
  return wrap(inner(s, mode, names), mode, nullable)
}

function wrap(node: JsonSchema, mode: Mode, nullable: boolean): JsonSchema {
  const withNull = mode === 'overlay' && nullable
  if (acceptsAnyString(node) && !withNull) return node
  const wrapper: JsonSchema = {}
  for (const k of ANNOTATIONS) {
    if (k in node) {
      wrapper[k] = node[k]
      delete node[k]
    }
  }
  const only = Object.keys(node)
  const branches = only.length === 1 && Array.isArray(node.anyOf) ? (node.anyOf as JsonSchema[]) : [node]
  wrapper.anyOf = [...branches, ...(acceptsAnyString(node) ? [] : [INTERPOLATION]), ...(withNull ? [{ type: 'null' }] : [])]
  return wrapper
}

/** Registered plugin names by kind, and the one plugin a stage's `use:` finds (as the resolver does). */
interface PluginNames {
  byKind(kind: StageKind): string[]
  inputs: Plugin[]
  stages: Plugin[]
}

function pluginNames(registry: Registry): PluginNames {
  const all = registry.list()
  const stageKinds = STAGE_KINDS.filter((k) => k !== 'input')
  const seen = new Set<string>()
  const stages: Plugin[] = []
  for (const kind of stageKinds) {
    for (const p of all.filter((q) => q.kind === kind && !seen.has(q.name))) {
      seen.add(p.name)
      stages.push(p)
    }
  }
  return { byKind: (kind) => all.filter((p) => p.kind === kind).map((p) => p.name), inputs: all.filter((p) => p.kind === 'input'), stages }
}

const defName = (mode: Mode, group: 'input' | 'stage', name: string) => `${mode === 'overlay' ? 'overlay-' : ''}${group}-${name}`

/** A `{ use, with, from }` entry whose `with:` is checked against the plugin its `use:` names. */
function entry(plugins: Plugin[], group: 'input' | 'stage', mode: Mode, names: PluginNames, description: string): JsonSchema {
  const skeleton = pipelineSkeletonSchema.properties.input
  const names_ = plugins.map((p) => p.name)
  const fields = inner(skeleton as unknown as JsonSchema, mode, names)
  const properties = fields.properties as Record<string, JsonSchema>
  properties.use = {
    description: 'Plugin name (see `plaf plugins`).',
    anyOf: [{ enum: names_ }, { type: 'string', pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' }, INTERPOLATION],
  }
  properties.with = value({ type: 'object', description: "The plugin's options." }, mode, names, true)
  const checked = {
    ...fields,
    description,
    allOf: plugins.map((p) => ({
      if: { required: ['use'], properties: { use: { const: p.name } } },
      then: { properties: { with: { $ref: `#/definitions/${defName(mode, group, p.name)}` } } },
    })),
  }
  return wrap(checked, mode, group === 'stage')
}

/** The options schema of one plugin as the editor sees it (a `${…}` or, in overlays, null anywhere). */
function optionsDefinition(p: Plugin, mode: Mode, names: PluginNames): JsonSchema {
  return value({ ...p.options, description: `${p.name}: ${p.description}` }, mode, names, true)
}

function skeletonFor(mode: Mode, names: PluginNames): JsonSchema {
  const base = inner(JSON.parse(JSON.stringify(pipelineSkeletonSchema)) as JsonSchema, mode, names)
  delete base.$id
  const properties = base.properties as Record<string, JsonSchema>
  properties.input = entry(names.inputs, 'input', mode, names, 'The frame source.')
  const stages = properties.stages as JsonSchema
  const inStages = (stages.anyOf as JsonSchema[] | undefined)?.[0] ?? stages
  inStages.additionalProperties = entry(names.stages, 'stage', mode, names, 'A stage: your key → { use, with, from }.')
  return base
}

/**
 * JSON Schema (draft-07, what yaml-language-server reads) of pipeline files, with every registered
 * plugin's options, so editors complete and check `with:` blocks by `use:`. It accepts every file
 * `plaf validate` accepts: a file with `extends` is an overlay (partial stages, `null` deletes),
 * and a `${…}` string stands for any value. `use:` must be a registered name unless the file
 * lists `plugins:` (whose names the schema cannot know); options of registered plugins are checked.
 */
export function pipelineEditorSchema(registry: Registry): Record<string, unknown> {
  const names = pluginNames(registry)
  const definitions: Record<string, JsonSchema> = {
    interpolation: {
      type: 'string',
      pattern: '\\$\\{[^}]*\\}',
      description: '${env.NAME}, ${env.NAME:-default}, ${name} or ${vars.KEY}; plaf validate checks the interpolated value.',
    },
    pipeline: skeletonFor('full', names),
    overlay: skeletonFor('overlay', names),
    registered: {
      properties: {
        input: { properties: { use: { anyOf: [{ enum: names.inputs.map((p) => p.name) }, INTERPOLATION] } } },
        stages: { additionalProperties: { properties: { use: { anyOf: [{ enum: names.stages.map((p) => p.name) }, INTERPOLATION] } } } },
      },
    },
  }
  for (const mode of ['full', 'overlay'] as const) {
    for (const p of names.inputs) definitions[defName(mode, 'input', p.name)] = optionsDefinition(p, mode, names)
    for (const p of names.stages) definitions[defName(mode, 'stage', p.name)] = optionsDefinition(p, mode, names)
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://plaf-ts.dev/schema/pipeline.json',
    title: 'PLAF-TS pipeline',
    description: 'A pipeline file; with `extends`, an overlay that gives only what it changes.',
    type: 'object',
    allOf: [
      { if: { required: ['extends'] }, then: { $ref: '#/definitions/overlay' }, else: { $ref: '#/definitions/pipeline' } },
      { if: { required: ['plugins'] }, else: { $ref: '#/definitions/registered' } },
    ],
    definitions,
  }
}
