import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PlafError, Registry, closestNames, editDistance, resolvePipeline, validateOptions } from '../src/index.js'
import { blockMean, fixturePlugins, halves } from './fixtures/plugins.js'
import { clean, files } from './pipeline/helpers.js'

describe('Registry', () => {
  it('lists plugins by kind order and finds them by name', () => {
    const r = new Registry(fixturePlugins)
    expect(r.list().map((p) => `${p.kind}:${p.name}`)).toEqual(['input:flat-frames', 'backbone:block-mean', 'masker:halves', 'evaluator:counter', 'evaluator:failing'])
    expect(r.get('masker', 'halves')).toBe(halves)
    expect(r.find('block-mean', ['masker', 'backbone'])).toBe(blockMean)
    expect(r.origin('masker', 'halves')).toBe('built-in')
  })

  it('refuses a duplicate name within a kind, saying who registered it first', () => {
    const e = (() => {
      try {
        new Registry(fixturePlugins).addAll([{ ...halves }], './mine.js')
      } catch (err) {
        return err as PlafError
      }
    })()
    expect(e).toBeInstanceOf(PlafError)
    expect(e!.diagnostics).toEqual([expect.objectContaining({ code: 'PLAF_DUPLICATE_PLUGIN', plugin: 'halves', message: 'masker plugin "halves" from ./mine.js is already registered by built-in' })])
  })

  it('refuses malformed plugins with the reason', () => {
    const bad = [
      { ...halves, name: 'Bad Name' },
      { ...halves, name: 'ok-name', kind: 'sorter' },
      { ...halves, name: 'no-create', create: undefined },
      { ...halves, name: 'bad-schema', options: { type: 'object', properties: { x: { type: 'nonsense' } } } },
      { ...halves, name: 'bad-port', inputs: { frame: 'Image' } },
    ]
    for (const p of bad) {
      expect(() => new Registry([p as never]), p.name).toThrow(PlafError)
    }
    expect(() => new Registry([bad[3] as never])).toThrow(/options schema does not compile/)
    expect(() => new Registry([bad[4] as never])).toThrow(/port frame has unknown type Image/)
  })

  it('with compileSchemas: false leaves the schema to its first use, and still checks the rest', () => {
    const badSchema = { ...halves, name: 'bad-schema', options: { type: 'object', properties: { x: { type: 'nonsense' } } } }
    const r = new Registry([badSchema as never], 'built-in', { compileSchemas: false })
    expect(r.get('masker', 'bad-schema')).toBe(badSchema)
    expect(() => validateOptions(badSchema as never, {})).toThrow() // compiled on first use
    expect(() => new Registry([{ ...halves, name: 'Bad Name' } as never], 'built-in', { compileSchemas: false })).toThrow(/is not kebab-case/)
  })

  it('suggests close names for typos', () => {
    const r = new Registry(fixturePlugins)
    expect(r.suggest('halfs')).toEqual(['halves'])
    expect(r.suggest('block')).toEqual(['block-mean'])
  })

  it('suggests nothing for a name unlike every registered one', () => {
    const r = new Registry(fixturePlugins)
    expect(r.suggest('radio')).toEqual([])
    expect(r.suggest('sam')).toEqual([])
    expect(r.suggest('flat-frame')).toEqual(['flat-frames'])
    expect(closestNames('radio', ['grid', 'dense', 'text', 'felzenszwalb'])).toEqual([])
    expect(closestNames('gird', ['grid', 'dense'])).toEqual(['grid'])
    expect(closestNames('felzenzwalb', ['felzenszwalb', 'grid'])).toEqual(['felzenszwalb'])
    expect(closestNames('siglip-text', ['text', 'color-lexicon-text'])).toEqual([])
    expect(editDistance('gird', 'grid')).toBe(1)
    expect(editDistance('radio', 'grid')).toBe(4)
  })
})

describe('third-party plugins listed in a pipeline', () => {
  const base = `input: { use: flat-frames }
stages:
  masker: { use: halves }
`
  it('a plugin that clashes with a built-in name is an error at its plugins: entry', async () => {
    const dir = files({
      'p.yaml': `plugins: [./dup.mjs]\n${base}`,
      'dup.mjs': `export default { name: 'halves', kind: 'masker', version: '1.0.0', description: 'A second halves.', options: { type: 'object', additionalProperties: false, properties: { a: { type: 'integer', default: 1, description: 'a' } } }, inputs: { frame: 'Frame' }, outputs: { masks: 'MaskSet' }, async create() { return { run: () => ({}) } } }\n`,
    })
    const r = await resolvePipeline(join(dir, 'p.yaml'), new Registry(fixturePlugins))
    expect(clean(r.diagnostics, dir)).toEqual([expect.objectContaining({ code: 'PLAF_DUPLICATE_PLUGIN', file: '<dir>/p.yaml', line: 1, column: 11, path: 'plugins.0', actual: './dup.mjs' })])
  })
  it('a file that cannot be imported or has no default export is PLAF_PLUGIN_LOAD_FAILED', async () => {
    const dir = files({ 'p.yaml': `plugins: [./none.mjs, ./nodefault.mjs]\n${base}`, 'nodefault.mjs': 'export const x = 1\n' })
    const r = await resolvePipeline(join(dir, 'p.yaml'), new Registry(fixturePlugins))
    expect(clean(r.diagnostics, dir).map((d) => [d.code, d.column, d.message])).toEqual([
      ['PLAF_PLUGIN_LOAD_FAILED', 11, 'cannot load plugin "./none.mjs": file not found: <dir>/none.mjs'],
      ['PLAF_PLUGIN_LOAD_FAILED', 23, 'cannot load plugin "./nodefault.mjs": it has no default export (export default a plugin or an array of plugins)'],
    ])
  })
})
