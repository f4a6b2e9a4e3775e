// Options schemas are typed against their options interface (OptionsSchema<O>): a schema that
// drifts from the interface fails to typecheck. The `@ts-expect-error` lines below are checked by
// `tsc -p tsconfig.spec.json` (each must be an error); the tests run the same snippets, and the
// README's third-party plugin verbatim, through the TypeScript compiler, so a regression fails here too.
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { defineInput, defineStage, type JsonSchema, type OptionsSchema, type SchemaFor, type StagePlugin } from '../src/index.js'

interface Opts {
  size: number
  mode: 'fast' | 'exact'
  limit: number | null
  resolution: number | [h: number, w: number]
  names: string[]
  extra: Record<string, unknown>
}

const good: OptionsSchema<Opts> = {
  type: 'object',
  additionalProperties: false,
  required: ['size'],
  properties: {
    size: { type: 'integer', minimum: 1, description: 'A size.', markdownDescription: '*A* size.' },
    mode: { type: 'string', enum: ['fast', 'exact'], default: 'fast' },
    limit: { type: ['integer', 'null'], minimum: 1, default: null },
    resolution: { default: 512, anyOf: [{ type: 'integer' }, { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 }] },
    names: { type: 'array', items: { type: 'string', format: 'path' }, default: [] },
    extra: { type: 'object', default: {} },
  },
}

describe('OptionsSchema<O>', () => {
  it('types a schema against its interface and leaves unknown options types loose', () => {
    expectTypeOf(good.properties.size).toEqualTypeOf<SchemaFor<number>>()
    expectTypeOf<OptionsSchema<any>>().toEqualTypeOf<JsonSchema>()
    expectTypeOf<OptionsSchema<unknown>>().toEqualTypeOf<JsonSchema>()
    expectTypeOf<SchemaFor<unknown>>().toEqualTypeOf<JsonSchema>()
    expectTypeOf<StagePlugin['options']>().toEqualTypeOf<JsonSchema>()
    expectTypeOf<StagePlugin<{ k: number }>['options']>().toEqualTypeOf<OptionsSchema<{ k: number }>>()
  })

  it('rejects every kind of drift at typecheck (the @ts-expect-error lines)', () => {
    const drifts: unknown[] = [
      // @ts-expect-error -- the interface has `size`, the schema lacks it
      { type: 'object', additionalProperties: false, properties: { mode: { type: 'string', enum: ['fast'] } } } satisfies OptionsSchema<{ size: number; mode: 'fast' }>,
      // @ts-expect-error -- the schema has a key the interface lacks
      { type: 'object', additionalProperties: false, properties: { size: { type: 'integer' }, sise: { type: 'integer' } } } satisfies OptionsSchema<{ size: number }>,
      // @ts-expect-error -- another type
      { type: 'object', additionalProperties: false, properties: { size: { type: 'string' } } } satisfies OptionsSchema<{ size: number }>,
      // @ts-expect-error -- a default of the wrong type
      { type: 'object', additionalProperties: false, properties: { size: { type: 'integer', default: '8' } } } satisfies OptionsSchema<{ size: number }>,
      // @ts-expect-error -- an enum value the interface does not allow
      { type: 'object', additionalProperties: false, properties: { mode: { type: 'string', enum: ['fast', 'slow'] } } } satisfies OptionsSchema<{ mode: 'fast' | 'exact' }>,
      // @ts-expect-error -- a literal union without enum accepts any string
      { type: 'object', additionalProperties: false, properties: { mode: { type: 'string' } } } satisfies OptionsSchema<{ mode: 'fast' | 'exact' }>,
      // @ts-expect-error -- the interface allows null, the schema does not
      { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer' } } } satisfies OptionsSchema<{ limit: number | null }>,
      // @ts-expect-error -- unknown keys must be rejected
      { type: 'object', properties: { size: { type: 'integer' } } } satisfies OptionsSchema<{ size: number }>,
      // @ts-expect-error -- items of another type
      { type: 'object', additionalProperties: false, properties: { names: { type: 'array', items: { type: 'number' } } } } satisfies OptionsSchema<{ names: string[] }>,
      // @ts-expect-error -- `required` names a key the interface lacks
      { type: 'object', additionalProperties: false, required: ['sise'], properties: { size: { type: 'integer' } } } satisfies OptionsSchema<{ size: number }>,
    ]
    expect(drifts).toHaveLength(10)
  })

  it('types defineStage and defineInput options from the options type', () => {
    const stage = defineStage({
      name: 'count', kind: 'evaluator', version: '1.0.0', description: 'Counts.',
      options: { type: 'object', additionalProperties: false, properties: { min_area: { type: 'integer', minimum: 0, default: 0 } } },
      inputs: { masks: 'MaskSet' }, outputs: {},
      async create(options: { min_area: number }) {
        return { run: ({ masks }) => (void masks.masks.filter((m) => m.area >= options.min_area), {}) }
      },
    })
    expectTypeOf(stage.options).toEqualTypeOf<OptionsSchema<{ min_area: number }>>()
    const input = defineInput<{ frames: number }>({
      name: 'n-frames', kind: 'input', version: '1.0.0', description: 'Frames.',
      // @ts-expect-error -- `frames` is an integer, not a boolean
      options: { type: 'object', additionalProperties: false, properties: { frames: { type: 'boolean' } } },
      outputs: { frame: 'Frame' },
      async create() {
        throw new Error('not run')
      },
    })
    expect(input.name).toBe('n-frames')
  })
})

// ---- the same checks through the compiler, at test time ----

const coreDir = resolve(__dirname, '..')
const repoRoot = resolve(coreDir, '../..')

/** Type-checks in-memory files (paths under packages/core/test) against core's sources; error messages by file:line. */
function typecheck(files: Record<string, string>): string[] {
  const base = ts.getParsedCommandLineOfConfigFile(join(coreDir, 'tsconfig.spec.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })
  if (!base) throw new Error('cannot read tsconfig.spec.json')
  const options: ts.CompilerOptions = { ...base.options, noEmit: true, composite: false, declaration: false, declarationMap: false, emitDeclarationOnly: false, incremental: false, tsBuildInfoFile: undefined }
  const virtual = new Map(Object.entries(files).map(([name, text]) => [join(coreDir, 'test', name), text]))
  const host = ts.createCompilerHost(options)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (name, lang, ...rest) => (virtual.has(name) ? ts.createSourceFile(name, virtual.get(name)!, lang) : getSourceFile(name, lang, ...rest))
  const fileExists = host.fileExists.bind(host)
  host.fileExists = (name) => virtual.has(name) || fileExists(name)
  const readFile = host.readFile.bind(host)
  host.readFile = (name) => virtual.get(name) ?? readFile(name)
  const program = ts.createProgram([...virtual.keys()], options, host)
  return ts.getPreEmitDiagnostics(program)
    .filter((d) => d.file && virtual.has(d.file.fileName))
    .map((d) => `${d.file!.fileName.slice(dirname(d.file!.fileName).length + 1)}:${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`)
}

/** The plugin-example block after `<!-- plugin-example:NAME -->` in the README. */
function readmeBlock(name: string): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
  const m = new RegExp(`<!-- plugin-example:${name.replace('.', '\\.')} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(readme)
  if (!m) throw new Error(`README.md has no plugin-example:${name} block`)
  return m[1] + '\n'
}

describe('OptionsSchema<O> through the TypeScript compiler', () => {
  const bands = readmeBlock('bands.ts')
  const drift = bands.replace('StagePlugin<{ bands: number }', 'StagePlugin<{ bands: number; offset: number }')
  const marker = /^(\s*)\/\/ @ts-expect-error --/
  const self = readFileSync(__filename, 'utf8').split('\n')
  // one program for all three files: creating it is the slow part
  let errors: string[] | undefined
  const check = () => (errors ??= typecheck({
    'virtual-bands.ts': bands,
    'virtual-drift.ts': drift,
    'virtual-self.ts': self.map((l) => l.replace(marker, '$1// was expected:')).join('\n'),
  }))
  it('accepts the README plugin verbatim and reports a drifting copy of it', () => {
    expect(drift).not.toBe(bands)
    const missing = drift.split('\n').findIndex((l) => l.trim().startsWith('properties:')) + 1
    expect(check().filter((e) => !e.startsWith('virtual-self'))).toEqual([`virtual-drift.ts:${missing}`])
  }, 60_000)
  it('reports each drifting snippet of this file, and nothing for the ones that match', () => {
    const expected = [...self.entries()].filter(([, l]) => marker.test(l)).map(([i]) => `virtual-self.ts:${i + 2}`)
    expect(expected).toHaveLength(11)
    expect(check().filter((e) => e.startsWith('virtual-self'))).toEqual(expected)
  }, 60_000)
})
