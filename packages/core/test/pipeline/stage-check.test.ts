import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PlafError, Registry, defineStage, resolvePipeline, type StageCheckContext } from '../../src/index.js'
import { fixturePlugins, halves } from '../fixtures/plugins.js'
import { clean, files } from './helpers.js'

/** halves with two options the schema cannot relate: `first` must not exceed `last`. */
const seen: StageCheckContext[] = []
const ranged = defineStage<{ first: number; last: number }, { frame: 'Frame' }, { masks: 'MaskSet' }>({
  name: 'ranged', kind: 'masker', version: '1.0.0', description: 'Halves, with a range check across two options.',
  inputs: { frame: 'Frame' }, outputs: { masks: 'MaskSet' },
  options: {
    type: 'object', additionalProperties: false,
    properties: {
      first: { type: 'integer', minimum: 0, default: 0, description: 'First index.' },
      last: { type: 'integer', minimum: 0, default: 4, description: 'Last index, at least first.' },
    },
  },
  check(o, ctx) {
    seen.push(ctx)
    return o.first <= o.last ? [] : [{ code: 'PLAF_INVALID_OPTION', message: `last ${o.last} is below first ${o.first}`, path: 'last', expected: `≥ ${o.first}`, actual: String(o.last) }]
  },
  create: () => halves.create({ mode: 'vertical' }, undefined as never),
})
const registry = new Registry([...fixturePlugins, ranged])
const pipeline = 'input: { use: flat-frames }\nstages:\n  cut:\n    use: ranged\n    with:\n      first: 3\n      last: 1\noutput: { dir: out }\n'

describe('a stage plugin\'s check runs at validation, located at the option', () => {
  it('reports a cross-option error at the option\'s line and column, with the stage key and the context', async () => {
    const dir = files({ 'p.yaml': pipeline })
    seen.length = 0
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
    expect(r.pipeline).toBeUndefined()
    expect(clean(r.diagnostics, dir)).toEqual([{
      code: 'PLAF_INVALID_OPTION', severity: 'error', message: 'last 1 is below first 3',
      file: '<dir>/p.yaml', line: 7, column: 13, path: 'stages.cut.with.last', stage: 'cut', plugin: 'ranged', expected: '≥ 3', actual: '1',
    }])
    expect(seen).toEqual([{ baseDir: dir, stage: 'cut' }])
  })
  it('gets the defaulted options, is skipped while the schema fails, and points at a --set argument', async () => {
    const dir = files({ 'p.yaml': pipeline })
    expect((await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides: ['stages.cut.with.last=5'] })).diagnostics).toEqual([])
    seen.length = 0
    const bad = await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides: ['stages.cut.with.last=-1'] })
    expect(bad.diagnostics.map((d) => d.code)).toEqual(['PLAF_INVALID_OPTION'])
    expect(bad.diagnostics[0]!.message).not.toContain('below first')
    expect(seen).toEqual([])
    const set = await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides: ['stages.cut.with.first=9'] })
    expect(clean(set.diagnostics, dir)).toEqual([expect.objectContaining({ message: 'last 1 is below first 9', path: 'stages.cut.with.last', file: '<dir>/p.yaml', line: 7 })])
  })
  it('a check that throws a PlafError is reported the same way', async () => {
    const throwing = { ...ranged, name: 'throwing', check: () => { throw new PlafError({ code: 'PLAF_INVALID_OPTION', severity: 'error', message: 'no', path: 'first' }) } }
    const dir = files({ 'p.yaml': pipeline.replace('use: ranged', 'use: throwing') })
    const r = await resolvePipeline(join(dir, 'p.yaml'), new Registry([...fixturePlugins, throwing]))
    expect(clean(r.diagnostics, dir)).toEqual([expect.objectContaining({ code: 'PLAF_INVALID_OPTION', line: 6, column: 14, path: 'stages.cut.with.first', stage: 'cut', plugin: 'throwing', message: 'no' })])
  })
})
