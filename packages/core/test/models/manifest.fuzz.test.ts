import fc from 'fast-check'
import { writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { PlafError } from '../../src/diagnostics.js'
import { openModelDir } from '../../src/models/access.js'
import type { ModelManifest } from '../../src/models/manifest.js'
import { tempDir } from '../../src/testing/temp.js'
import { FUZZ_RUNS, fuzzParams, mutatedArb } from '../fuzz/mutate.js'
import { tinyManifest } from './model-fixtures.js'

/**
 * Mutated `plaf-model.json` files, read by `openModelDir` (the loader every model goes through:
 * JSON, schema, then path checks): each ends in an opened model or a PlafError of
 * PLAF_MODEL_INVALID diagnostics naming the manifest (and a line and column when they have one),
 * never a TypeError from a value of the wrong type, a stack overflow on deep nesting, or a hang.
 */
const tmp = tempDir('manifest-fuzz', { 'tiny@1/.keep': '' })
afterAll(() => tmp.cleanup())

const SHA = 'a'.repeat(64)
const imageModel: ModelManifest = { format: 1, ...tinyManifest(), files: [{ path: 'onnx/vision.onnx', sha256: SHA, bytes: 10 }, { path: 'extra/data.bin', sha256: SHA, bytes: 3000 }] }
const textModel: ModelManifest = {
  format: 1, name: 'tiny-text', version: 'r1', licence: { id: 'MIT', commercial_use: true }, source: { url: 'https://example.org/x' }, family: 'siglip-text',
  files: [{ path: 'text.onnx', sha256: SHA, bytes: 5 }, { path: 'tok/tokenizer.json', sha256: SHA, bytes: 7 }, { path: 'tok/tokenizer_config.json', sha256: SHA, bytes: 2 }],
  graphs: { text: { file: 'text.onnx', inputs: [{ name: 'input_ids', dtype: 'int64', shape: ['B', 64], role: 'input_ids' }], outputs: [{ name: 'embeds', dtype: 'float32', shape: ['B', 3], role: 'text_embeds' }] } },
  text: { embedding_space: 'tiny-space', feature_dim: 3, tokenizer: { file: 'tok/tokenizer.json', config_file: 'tok/tokenizer_config.json', context_length: 64, pad_id: 1, clean: 'siglip', keep_eos_on_truncate: false, eos_id: 1 }, logit_scale: 10, logit_bias: -10 },
}
const BASES = [imageModel, textModel]

type Path = (string | number)[]
/** Every path in a JSON value, containers included. */
function paths(v: unknown, at: Path = []): Path[] {
  const out: Path[] = [at]
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])))
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]))
  return out
}

const deep = (n: number, open: string, close: string, inner = '1') => `${open.repeat(n)}${inner}${close.repeat(n)}`
/** Values of every JSON type, edge numbers, hostile strings and keys (as JSON text); deep nesting comes last. */
const VALUES = [
  'null', 'true', '0', '-1', '1.5', '1e308', '-1e-308', '9007199254740993', '""', '"x"', '"../up"', '"/abs/p"', '"C:x"', '"a\\\\b"', '"a//b"', '"./a"', '"__proto__"',
  '[]', '{}', '[1,2,3]', '["a","a"]', '{"__proto__":{"x":1}}', '{"constructor":1,"toString":2}', JSON.stringify('é\u0000\ud800'), JSON.stringify('y'.repeat(20_000)),
]
/** Nesting deeper than JSON.stringify's stack (about 5000 levels); slow to locate (~50 ms), so fuzzed in fewer cases. */
const DEEP = [deep(6000, '[', ']'), deep(6000, '{"a":', '}')]
type Edit = { kind: 'replace' | 'delete' | 'add'; at: number; value: number; key: string }
const editArb: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom('replace' as const, 'replace' as const, 'delete' as const, 'add' as const),
  at: fc.nat(), value: fc.nat({ max: VALUES.length - 1 }),
  key: fc.constantFrom('__proto__', 'constructor', 'x', 'file', 'files', 'path', 'graphs', 'text', 'image', '$schema', ''),
})

/** Applies structural edits to a manifest and writes it as JSON text (values spliced in as text, so deep nesting survives). */
function edited(base: ModelManifest, edits: readonly Edit[]): string {
  const doc = JSON.parse(JSON.stringify(base)) as Record<string, unknown>
  const spliced: string[] = []
  const token = (i: number) => { spliced.push(VALUES[i]); return `\u0001${spliced.length - 1}\u0001` }
  for (const e of edits) {
    const all = paths(doc).filter((p) => p.length > 0)
    const p = all[e.at % all.length]
    let parent: unknown = doc
    for (const k of p.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[k]
    const last = p.at(-1)!
    if (typeof parent !== 'object' || parent === null) continue
    const obj = parent as Record<string | number, unknown>
    if (e.kind === 'replace') obj[last] = token(e.value)
    else if (e.kind === 'delete' && Array.isArray(obj)) obj.splice(last as number, 1)
    else if (e.kind === 'delete') delete obj[last]
    else if (Array.isArray(obj)) obj.push(token(e.value))
    else Object.defineProperty(obj, e.key, { value: token(e.value), enumerable: true, configurable: true, writable: true })
  }
  return JSON.stringify(doc, null, 2).replace(/"\\u0001(\d+)\\u0001"/g, (_, i: string) => spliced[Number(i)])
}

const dir = tmp.path('tiny@1')
const file = tmp.path('tiny@1', 'plaf-model.json')

/** openModelDir on these bytes: a model, or PLAF_MODEL_INVALID diagnostics naming the manifest. */
function opensOrRefuses(bytes: Uint8Array | string): 'opened' | 'refused' {
  writeFileSync(file, bytes)
  try {
    const m = openModelDir(dir)
    for (const f of m.manifest.files) expect(m.path(f.path).startsWith(dir)).toBe(true)
    return 'opened'
  } catch (e) {
    if (!(e instanceof PlafError)) throw new Error(`not a PlafError: ${(e as Error)?.stack ?? String(e)}`)
    expect(e.diagnostics.length).toBeGreaterThan(0)
    for (const d of e.diagnostics) {
      expect(d.code).toBe('PLAF_MODEL_INVALID')
      expect(d.severity).toBe('error')
      expect(d.file).toBe(file)
      expect(d.message).toContain(file)
      if (d.line !== undefined) expect(Number.isInteger(d.line) && d.line >= 1 && Number.isInteger(d.column) && d.column! >= 1).toBe(true)
    }
    return 'refused'
  }
}

describe(`fuzzing the model manifest loader (${FUZZ_RUNS} mutated plaf-model.json each; PLAF_FUZZ_RUNS for more)`, () => {
  it('the bases open', () => {
    for (const b of BASES) expect(opensOrRefuses(JSON.stringify(b, null, 2))).toBe('opened')
  })

  it('structural edits (values of every type, hostile paths and keys) end in a model or PLAF_MODEL_INVALID', () => {
    const seen = { opened: 0, refused: 0 }
    fc.assert(fc.property(fc.constantFrom(...BASES), fc.array(editArb, { minLength: 1, maxLength: 4 }), (base, edits) => {
      seen[opensOrRefuses(edited(base, edits))]++
    }), fuzzParams())
    expect(seen.refused).toBeGreaterThan(0)
  })

  it('a value nested 6000 levels deep, anywhere, ends in PLAF_MODEL_INVALID (not a stack overflow)', () => {
    VALUES.push(...DEEP)
    try {
      const deepEdit = editArb.map((e) => ({ ...e, kind: e.kind === 'delete' ? ('replace' as const) : e.kind, value: VALUES.length - 1 - (e.value % 2) }))
      fc.assert(fc.property(fc.constantFrom(...BASES), deepEdit, (base, edit) => {
        expect(opensOrRefuses(edited(base, [edit]))).toBe('refused')
      }), { ...fuzzParams(), numRuns: Math.max(1, Math.round(FUZZ_RUNS / 15)) })
    } finally {
      VALUES.length -= DEEP.length
    }
  })

  it('byte mutations of the JSON text end in a model or PLAF_MODEL_INVALID', () => {
    const bases = BASES.map((b) => new TextEncoder().encode(JSON.stringify(b, null, 2)))
    fc.assert(fc.property(mutatedArb(bases, (b) => b.length), (bytes) => void opensOrRefuses(bytes)), fuzzParams())
  })
})
