// The committed editor schema (pipelines/pipeline.schema.json, what yaml-language-server reads)
// must accept every file `plaf validate` accepts and still catch typos in plugin names and
// options. Checked here with ajv on draft-07, as an editor would, on the repository's pipelines,
// the README's pipeline examples and deliberate mistakes.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { parse } from 'yaml'
import { Registry, pipelineEditorSchema, resolvePipeline, type Plugin } from '@plaf/core'
import { builtinRegistry, builtins } from '../src/builtins.js'
import { tempDir } from './helpers.js'

const root = join(__dirname, '../../..')
const pipelines = join(root, 'pipelines')
const committed = JSON.parse(readFileSync(join(pipelines, 'pipeline.schema.json'), 'utf8')) as Record<string, unknown>

/** ajv as an editor uses it: draft-07, every error, unknown keywords (markdownDescription) ignored. */
function compile(schema: Record<string, unknown>): ValidateFunction {
  return new Ajv({ allErrors: true, strict: false }).compile(schema)
}
const check = compile(committed)

/**
 * Where the errors are: the deepest instance paths with an error (an editor underlines the
 * failing value; "no anyOf branch matched" echoes on the enclosing values are left out).
 */
function errorsOf(v: ValidateFunction, doc: unknown): string[] {
  if (v(doc)) return []
  const paths = [...new Set((v.errors ?? []).map((e: ErrorObject) => e.instancePath))]
  return paths.filter((p) => !paths.some((q) => q !== p && q.startsWith(p + '/'))).sort()
}

/** The ```yaml blocks of README.md that are pipelines (they have input, stages or extends). */
function readmePipelines(): { title: string; text: string }[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  return [...readme.matchAll(/```yaml\n([\s\S]*?)\n```/g)]
    .map((m) => ({ text: m[1] + '\n', value: parse(m[1]) as unknown }))
    .filter((b) => typeof b.value === 'object' && b.value !== null && ['input', 'stages', 'extends'].some((k) => k in (b.value as object)))
    .map((b) => ({ title: b.text.split('\n').find((l) => !l.startsWith('#')) ?? '', text: b.text }))
}

/** The plugin-example block after `<!-- plugin-example:NAME -->`. */
function readmeBlock(name: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const m = new RegExp(`<!-- plugin-example:${name.replace('.', '\\.')} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(readme)
  if (!m) throw new Error(`README.md has no plugin-example:${name} block`)
  return m[1] + '\n'
}

const yamlFiles = readdirSync(pipelines).filter((f) => f.endsWith('.yaml'))

describe('pipelines/pipeline.schema.json accepts what plaf validate accepts', () => {
  it('declares draft-07, the draft yaml-language-server reads', () => {
    expect(committed.$schema).toBe('http://json-schema.org/draft-07/schema#')
  })
  it.each(yamlFiles)('pipelines/%s: no editor error that plaf validate does not also report', async (f) => {
    const doc = parse(readFileSync(join(pipelines, f), 'utf8'))
    const errors = errorsOf(check, doc)
    const r = await resolvePipeline(join(pipelines, f), builtinRegistry(), { env: {} })
    const reported = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `/${(d.path ?? '').split('.').join('/')}`)
    // every editor error is at a path plaf validate reports too (scannet.yaml: the plugins this build lacks)
    expect(errors.filter((p) => !reported.includes(p))).toEqual([])
    if (f !== 'scannet.yaml') expect(errors).toEqual([])
  })
  it('accepts scannet.yaml (every plugin it names is registered), interpolated name included', () => {
    const doc = parse(readFileSync(join(pipelines, 'scannet.yaml'), 'utf8'))
    expect(errorsOf(check, doc)).toEqual([])
  })
  it.each(readmePipelines().map((b) => [b.title, b.text]))('README.md example "%s"', (_title, text) => {
    expect(errorsOf(check, parse(text))).toEqual([])
  })
  it('finds the README examples: the ablation overlay and bands.yaml', () => {
    expect(readmePipelines().map((b) => b.title)).toEqual(['extends: ./demo.yaml            # maps deep-merge, lists are replaced, null deletes (*)', 'plugins: [./bands.ts]'])
  })
})

describe('overlays, interpolations and third-party plugins', () => {
  const full = {
    input: { use: 'synthetic-room', with: { frames: 2 } },
    stages: { backbone: { use: 'color-lexicon' }, masker: { use: 'grid', with: { cell_size: 32 } }, aggregator: { use: 'mask-mean' } },
  }
  it('accepts partial stages, null deletions and interpolated numbers in a file with extends', async () => {
    const overlay = `extends: ./base.yaml
name: x-\${env.USER:-me}
vars: { size: 16, dtype: float16 }
input:
  with: { frames: "\${vars.size}", holes: null }
stages:
  backbone:
    with:
      patch_size: \${vars.size}
  masker: { use: grid, with: { cell_size: null } }
  spare: null
  storage2d: { use: mask-indexed, with: { feature_dtype: "\${vars.dtype}" } }
  extra: { from: { masks: masker.masks } }
runtime: { cache: null, threads: "\${vars.size}" }
sweep: null
`
    expect(errorsOf(check, parse(overlay))).toEqual([])
    // and plaf validate agrees, once the base exists (extra has no use: deleting it again keeps it valid)
    const dir = tempDir({ 'base.yaml': `input: { use: synthetic-room, with: { holes: 0.1 } }\nstages:\n  backbone: { use: color-lexicon }\n  masker: { use: grid, with: { cell_size: 8 } }\n  aggregator: { use: mask-mean }\n  spare: { use: dense }\nruntime: { cache: false }\n`, 'overlay.yaml': overlay.replace('  extra: { from: { masks: masker.masks } }\n', '') })
    const r = await resolvePipeline(join(dir, 'overlay.yaml'), builtinRegistry(), { env: {} })
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
  })
  it('in a whole pipeline (no extends), use: and input are required and null is not an option value', () => {
    expect(errorsOf(check, full)).toEqual([])
    expect(errorsOf(check, { stages: full.stages })).toEqual([''])
    expect(errorsOf(check, { ...full, stages: { ...full.stages, masker: { with: { cell_size: 32 } } } })).toEqual(['/stages/masker'])
    expect(errorsOf(check, { ...full, stages: { ...full.stages, masker: { use: 'grid', with: { cell_size: null } } } })).toEqual(['/stages/masker/with/cell_size'])
    expect(errorsOf(check, { ...full, stages: { ...full.stages, aggregator: null } })).toEqual(['/stages/aggregator'])
  })
  it('accepts a ${…} anywhere a value goes, including numbers, booleans, enums and use:', () => {
    const doc = {
      ...full,
      name: 'run-${env.SCENE}',
      input: { use: '${vars.source}', with: { frames: '${vars.n}' } },
      stages: { ...full.stages, masker: { use: 'grid', with: { cell_size: '${vars.n}' } }, storage2d: { use: 'mask-indexed', with: { feature_dtype: '${env.DTYPE:-float16}' } } },
      runtime: { cache: '${vars.cache}', tensor_backend: '${env.BACKEND}' },
    }
    expect(errorsOf(check, doc)).toEqual([])
  })
  it('lets a file that lists plugins: name any kebab-case plugin, still checking the registered ones', () => {
    const doc = { ...full, plugins: ['./bands.ts'], stages: { ...full.stages, masker: { use: 'bands', with: { bands: 6 } } } }
    expect(errorsOf(check, doc)).toEqual([])
    expect(errorsOf(check, { ...doc, stages: { ...doc.stages, backbone: { use: 'color-lexicon', with: { patch_sise: 8 } } } })).toEqual(['/stages/backbone/with'])
    expect(errorsOf(check, { ...doc, stages: { ...doc.stages, masker: { use: 'Bands!' } } })).toEqual(['/stages/masker/use'])
  })
})

describe('mistakes the editor schema reports', () => {
  const ablation = parse(readFileSync(join(pipelines, 'ablation.yaml'), 'utf8')) as { stages: Record<string, unknown> }
  const demo = parse(readFileSync(join(pipelines, 'demo.yaml'), 'utf8')) as { stages: Record<string, unknown>; input: Record<string, unknown> }
  it('a typo in use:, in a whole pipeline and in an overlay', () => {
    expect(errorsOf(check, { ...demo, stages: { ...demo.stages, masker: { use: 'felzenswalb' } } })).toEqual(['/stages/masker/use'])
    expect(errorsOf(check, { ...demo, input: { use: 'scanet' } })).toEqual(['/input/use'])
    expect(errorsOf(check, { ...ablation, stages: { ...ablation.stages, masker: { use: 'gird', with: { cell_size: 96 } } } })).toEqual(['/stages/masker/use'])
  })
  it('a typo in an option key of a named plugin, in a whole pipeline and in an overlay', () => {
    expect(errorsOf(check, { ...demo, stages: { ...demo.stages, masker: { use: 'grid', with: { cell_sise: 8 } } } })).toEqual(['/stages/masker/with'])
    expect(errorsOf(check, { ...ablation, stages: { ...ablation.stages, masker: { use: 'grid', with: { cell_sise: 96 } } } })).toEqual(['/stages/masker/with'])
    expect(errorsOf(check, { ...demo, input: { use: 'scannet', with: { scene: 'x', frame_stp: 2 } } })).toEqual(['/input/with'])
  })
  it('a wrong option type or value in a full stage, in a whole pipeline and in an overlay', () => {
    expect(errorsOf(check, { ...demo, stages: { ...demo.stages, masker: { use: 'grid', with: { cell_size: 4.5 } } } })).toEqual(['/stages/masker/with/cell_size'])
    expect(errorsOf(check, { ...ablation, stages: { ...ablation.stages, masker: { use: 'grid', with: { cell_size: 'big' } } } })).toEqual(['/stages/masker/with/cell_size'])
    expect(errorsOf(check, { ...ablation, stages: { ...ablation.stages, storage2d: { use: 'mask-indexed', with: { feature_dtype: 'float8' } } } })).toEqual(['/stages/storage2d/with/feature_dtype'])
    expect(errorsOf(check, { ...demo, runtime: { cache: 'yes' } })).toEqual(['/runtime/cache'])
  })
  it('an unknown top-level or stage key', () => {
    expect(errorsOf(check, { ...demo, stage: {} })).toEqual([''])
    expect(errorsOf(check, { ...ablation, stages: { ...ablation.stages, masker: { use: 'grid', whit: {} } } })).toEqual(['/stages/masker'])
  })
})

describe('bands.yaml from the README', () => {
  it('is accepted as a third-party plugin, and checked like a built-in when bands is registered', async () => {
    const dir = tempDir({ 'bands.ts': readmeBlock('bands.ts'), 'bands.yaml': readmeBlock('bands.yaml') })
    const doc = parse(readmeBlock('bands.yaml')) as { stages: Record<string, unknown> }
    expect(errorsOf(check, doc)).toEqual([])
    const bands = (await import(pathToFileURL(join(dir, 'bands.ts')).href)).default as Plugin
    const withBands = compile(pipelineEditorSchema(new Registry([...builtins, bands], 'test')))
    expect(errorsOf(withBands, doc)).toEqual([])
    const six = { ...doc, stages: { ...doc.stages, masker: { use: 'bands', with: { bands: 'six' } } } }
    expect(errorsOf(withBands, six)).toEqual(['/stages/masker/with/bands'])
    // without plugins:, bands is not a registered name
    const { plugins: _, ...alone } = doc as Record<string, unknown>
    expect(errorsOf(withBands, alone)).toEqual([])
    expect(errorsOf(check, alone)).toEqual(['/stages/masker/use'])
  })
})
