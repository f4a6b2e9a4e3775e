import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml'
import { PlafError, diagnostic, type Diagnostic } from '../diagnostics.js'
import { closestNames } from '../registry.js'
import type { ModelManifest } from './manifest.js'

/** Names and versions become one folder name `<name>@<version>`: no separators, no leading dot. */
export const MODEL_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._+-]*$'
const DTYPES = ['float32', 'float16', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'int64', 'uint32', 'uint64', 'bool']
const str = { type: 'string', minLength: 1 } as const
const triple = { type: 'array', items: { type: 'number' }, minItems: 3, maxItems: 3 } as const
const closed = <P extends Record<string, unknown>>(properties: P, required: (keyof P & string)[]) =>
  ({ type: 'object', additionalProperties: false, required, properties }) as const

const tensorSpec = closed({
  name: str,
  dtype: { enum: DTYPES },
  shape: { type: 'array', items: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', minLength: 1 }] } },
  role: str,
  layout: { enum: ['nhwc', 'nchw', 'nlc'] },
  description: { type: 'string' },
}, ['name', 'dtype', 'shape'])

/** JSON Schema of `plaf-model.json` (format 1); the TypeScript shape is `ModelManifest`. */
export const modelManifestSchema = closed({
  $schema: { type: 'string' },
  format: { const: 1 },
  name: { type: 'string', pattern: MODEL_NAME_PATTERN },
  version: { type: 'string', pattern: MODEL_NAME_PATTERN },
  description: { type: 'string' },
  licence: closed({ id: str, url: { type: 'string' }, commercial_use: { type: 'boolean' }, note: { type: 'string' } }, ['id']),
  source: closed({ url: { type: 'string' }, repo: { type: 'string' }, revision: { type: 'string' }, exported_by: { type: 'string' }, notes: { type: 'string' } }, []),
  random_weights: { type: 'boolean' },
  family: str,
  files: {
    type: 'array',
    minItems: 1,
    items: closed({ path: str, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, bytes: { type: 'integer', minimum: 0 } }, ['path', 'sha256', 'bytes']),
  },
  graphs: {
    type: 'object',
    additionalProperties: closed({ file: str, inputs: { type: 'array', items: tensorSpec }, outputs: { type: 'array', minItems: 1, items: tensorSpec } }, ['file', 'inputs', 'outputs']),
  },
  image: closed({
    patch_size: { type: 'integer', minimum: 1 },
    feature_dim: { type: 'integer', minimum: 1 },
    backbone_dim: { type: 'integer', minimum: 1 },
    embedding_space: str,
    preprocessing: closed({
      // at most 8192, as the backbones' resolution option: a graph with symbolic H/W is fed input_size, and the resized image is allocated from it
      input_size: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 8192 }, minItems: 2, maxItems: 2 },
      resize: { enum: ['squash', 'pad', 'longest-side'] },
      scale: { type: 'number', exclusiveMinimum: 0 },
      mean: triple,
      std: triple,
      channel_order: { enum: ['rgb', 'bgr'] },
      pad_value: { type: 'number' },
    }, ['input_size', 'resize', 'scale', 'mean', 'std', 'channel_order']),
  }, ['patch_size', 'feature_dim', 'embedding_space', 'preprocessing']),
  text: closed({
    embedding_space: str,
    feature_dim: { type: 'integer', minimum: 1 },
    tokenizer: closed({
      file: str,
      config_file: str,
      context_length: { type: 'integer', minimum: 1 },
      pad_id: { type: 'integer', minimum: 0 },
      clean: { enum: ['siglip', 'clip', 'none'] },
      keep_eos_on_truncate: { type: 'boolean' },
      eos_id: { type: 'integer', minimum: 0 },
    }, ['file', 'context_length', 'pad_id', 'clean']),
    logit_scale: { type: 'number' },
    logit_bias: { type: 'number' },
  }, ['embedding_space', 'feature_dim', 'tokenizer']),
}, ['format', 'name', 'version', 'licence', 'source', 'family', 'files', 'graphs'])

// compiled on the first manifest read, not at import: every `plaf` command loads this module, few read a manifest
let compiled: ValidateFunction | undefined
const validator = (): ValidateFunction => (compiled ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true }).compile(modelManifestSchema))

/** `graphs.vision.inputs[0].dtype` from `['graphs', 'vision', 'inputs', 0, 'dtype']`. */
export function jsonPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
}

/**
 * Finds the 1-based line and column of the value at `path` in JSON text (of its key, with
 * `{ key: true }`). JSON is YAML, so the `yaml` parser the pipelines use gives positions; a path
 * that does not exist falls back to its nearest existing parent; undefined when the text does not
 * parse.
 */
export function jsonLocator(text: string): (path: readonly (string | number)[], o?: { key?: boolean }) => { line: number; column: number } | undefined {
  // parsed on the first lookup: most manifests are valid and never need positions
  const lc = new LineCounter()
  let parsed: ReturnType<typeof parseDocument> | undefined
  const pos = (range: readonly number[] | null | undefined) => {
    if (!range) return undefined
    const p = lc.linePos(range[0]!)
    return { line: p.line, column: p.col }
  }
  return (path, o = {}) => {
    const doc = (parsed ??= parseDocument(text, { lineCounter: lc }))
    if (doc.errors.length) return undefined
    if (o.key && path.length) {
      const parent = doc.getIn(path.slice(0, -1), true)
      const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === path.at(-1)) : undefined
      if (pair && isScalar(pair.key)) return pos(pair.key.range)
    }
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined
      if (node?.range) return pos(node.range)
    }
    return undefined
  }
}

/**
 * A manifest value for a diagnostic's `actual`: its JSON, nested at most 4 levels and 20 items deep
 * and cut at 200 characters, so a huge or deeply nested value (which would overflow the stack of
 * JSON.stringify) is shown, not thrown.
 */
function show(v: unknown): string {
  if (v === undefined) return 'nothing'
  const s = preview(v, 4)
  return s.length > 200 ? `${s.slice(0, 200)}…` : s
}

function preview(v: unknown, depth: number): string {
  if (v === null || typeof v !== 'object') return typeof v === 'string' && v.length > 200 ? `${JSON.stringify(v.slice(0, 200))}…` : JSON.stringify(v)
  if (depth === 0) return Array.isArray(v) ? '[…]' : '{…}'
  const items = Array.isArray(v) ? v.map((x) => [undefined, x] as const) : Object.entries(v)
  const shown = items.slice(0, 20).map(([k, x]) => `${k === undefined ? '' : `${JSON.stringify(k)}:`}${preview(x, depth - 1)}`)
  if (items.length > 20) shown.push('…')
  return Array.isArray(v) ? `[${shown.join(',')}]` : `{${shown.join(',')}}`
}

function schemaDiagnostic(e: ErrorObject, data: unknown, file: string, locate: ReturnType<typeof jsonLocator>): Diagnostic {
  const path: (string | number)[] = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).map((s) => (/^\d+$/.test(s) ? Number(s) : s))
  let value: unknown = data
  for (const p of path) value = (value as Record<string | number, unknown> | undefined)?.[p]
  let expected = e.message ?? e.keyword
  let actual = show(value)
  let hint: string | undefined
  let at = path
  if (e.keyword === 'required') {
    const key = (e.params as { missingProperty: string }).missingProperty
    at = [...path, key]
    expected = `a "${key}" field`
    actual = 'none'
  } else if (e.keyword === 'additionalProperties') {
    const key = (e.params as { additionalProperty: string }).additionalProperty
    at = [...path, key]
    const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {})
    expected = allowed.length ? `one of ${allowed.join(', ')}` : 'no other field'
    actual = key
    const near = closestNames(key, allowed)
    hint = near.length ? `did you mean "${near[0]}"?` : undefined
  } else if (e.keyword === 'enum') {
    expected = `one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => String(v)).join(', ')}`
  } else if (e.keyword === 'pattern' && path.at(-1) === 'sha256') {
    expected = '64 lowercase hex digits'
  } else if (e.keyword === 'pattern') {
    expected = 'letters, digits and . _ + - (a folder name, not starting with a dot)'
  }
  const where = jsonPath(at)
  const message = e.keyword === 'required' ? `${file}: ${where} is required but missing`
    : e.keyword === 'additionalProperties' ? `${file}: ${where} is not a known field`
      : `${file}: ${where} ${e.message}`
  return diagnostic('PLAF_MODEL_INVALID', message, { file, path: where || undefined, ...locate(at, { key: e.keyword === 'additionalProperties' }), expected, actual, hint })
}

/**
 * Parses and checks `plaf-model.json` text against `modelManifestSchema`. Throws a PlafError of
 * PLAF_MODEL_INVALID diagnostics (each with the JSON path, line and column, expected and actual)
 * for text that is not JSON or breaks the schema.
 */
export function parseManifest(text: string, file: string): ModelManifest {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    // Node's wording differs between versions; only the position is kept (the error stays as cause)
    const m = /position (\d+)/.exec((e as Error).message)
    const at = m ? Number(m[1]) : text.length
    const loc = offsetPosition(text, at)
    throw new PlafError(diagnostic('PLAF_MODEL_INVALID', `${file} is not valid JSON (line ${loc.line}, column ${loc.column})`, {
      file, ...loc, expected: 'a JSON object (plaf-model.json)', actual: at < text.length ? JSON.stringify(text[at]) : 'the end of the file', cause: e,
    }))
  }
  const validate = validator()
  if (validate(data)) return data as unknown as ModelManifest
  const locate = jsonLocator(text)
  // anyOf reports each branch; the branch errors say more than the summary, so drop the summary.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'anyOf')
  throw new PlafError(errors.map((e) => schemaDiagnostic(e, data, file, locate)))
}

/** 1-based line and column of a character offset. */
function offsetPosition(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n')
  return { line: before.length, column: before.at(-1)!.length + 1 }
}
