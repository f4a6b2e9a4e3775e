import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Registry, defineStage, resolvePipeline } from '../../src/index.js'
import { fixturePlugins, halves } from '../fixtures/plugins.js'
import { clean, files } from './helpers.js'

/**
 * A masker shaped like sam's prompt options: `side` (nullable, default 4) and `grid` (nullable,
 * default null), exactly one of them set; `label` is not nullable (default 'x').
 */
const gridded = defineStage<{ side: number | null; grid: number[] | null; label: string; sub: { k: number | null } }, { frame: 'Frame' }, { masks: 'MaskSet' }>({
  name: 'gridded', kind: 'masker', version: '1.0.0', description: 'Halves, with sam-like exclusive prompt options.',
  inputs: { frame: 'Frame' }, outputs: { masks: 'MaskSet' },
  options: {
    type: 'object', additionalProperties: false,
    properties: {
      side: { type: ['integer', 'null'], minimum: 1, default: 4, description: 'Points per side; null when grid is given.' },
      grid: { type: ['array', 'null'], items: { type: 'number' }, default: null, description: 'Explicit grid.' },
      label: { type: 'string', default: 'x', description: 'Not nullable.' },
      sub: {
        type: 'object', additionalProperties: false, default: {} as { k: number | null }, description: 'Nested options.',
        properties: { k: { anyOf: [{ type: 'integer' }, { type: 'null' }], default: 2, description: 'Nested nullable.' } },
      },
    },
  },
  check: (o) => ((o.side === null) === (o.grid === null) ? [{ code: 'PLAF_INVALID_OPTION', message: 'give side or grid', path: 'grid', actual: `side ${o.side}` }] : []),
  create: () => halves.create({ mode: 'vertical' }, undefined as never),
})
const registry = new Registry([...fixturePlugins, gridded])
const base = 'input: { use: flat-frames }\nstages:\n  m:\n    use: gridded\n    with:\n      side: 8\n      label: y\n      sub: { k: 5 }\noutput: { dir: out }\n'

describe('null deletes: a nullable option deleted by an overlay or --set is null, not its default', () => {
  it('an overlay that nulls side and gives grid validates like the same standalone file', async () => {
    const dir = files({
      'base.yaml': base,
      'child.yaml': 'extends: ./base.yaml\nstages:\n  m:\n    with:\n      side: null\n      grid: [0.5, 0.25]\n',
      'alone.yaml': base.replace('side: 8', 'side: null\n      grid: [0.5, 0.25]'),
    })
    const child = await resolvePipeline(join(dir, 'child.yaml'), registry)
    expect(child.diagnostics).toEqual([])
    expect(child.pipeline!.stages[0]!.options).toEqual({ side: null, grid: [0.5, 0.25], label: 'y', sub: { k: 5 } })
    const alone = await resolvePipeline(join(dir, 'alone.yaml'), registry)
    expect(alone.pipeline!.stages[0]!.options).toEqual(child.pipeline!.stages[0]!.options)
    // the resolved configuration (config.resolved.yaml) says null too
    expect((child.pipeline!.config.stages as Record<string, { with: unknown }>).m.with).toMatchObject({ side: null })
  })
  it('--set side=null gives the error a standalone file gives, located at the --set, and --set grid then makes it valid', async () => {
    const dir = files({ 'base.yaml': base })
    const r = await resolvePipeline(join(dir, 'base.yaml'), registry, { overrides: ['stages.m.with.side=null'] })
    expect(r.pipeline).toBeUndefined()
    expect(clean(r.diagnostics, dir)).toEqual([expect.objectContaining({ code: 'PLAF_INVALID_OPTION', message: 'give side or grid', path: 'stages.m.with.grid', actual: 'side null' })])
    const ok = await resolvePipeline(join(dir, 'base.yaml'), registry, { overrides: ['stages.m.with.side=null', 'stages.m.with.grid=[0.5]'] })
    expect(ok.diagnostics).toEqual([])
    expect(ok.pipeline!.stages[0]!.options).toMatchObject({ side: null, grid: [0.5] })
  })
  it('a non-nullable option deleted by null gets its default; a later value wins over an earlier null', async () => {
    const dir = files({
      'base.yaml': base,
      'mid.yaml': 'extends: ./base.yaml\nstages:\n  m:\n    with: { label: null, side: null }\n',
      'top.yaml': 'extends: ./mid.yaml\nstages:\n  m:\n    with: { side: 3 }\n',
    })
    const r = await resolvePipeline(join(dir, 'top.yaml'), registry)
    expect(r.diagnostics).toEqual([])
    expect(r.pipeline!.stages[0]!.options).toEqual({ side: 3, grid: null, label: 'x', sub: { k: 5 } })
    const set = await resolvePipeline(join(dir, 'base.yaml'), registry, { overrides: ['stages.m.with.side=null', 'stages.m.with.side=6'] })
    expect(set.pipeline!.stages[0]!.options).toMatchObject({ side: 6 })
  })
  it('nulling the whole with: block (or switching the plugin) brings every default back', async () => {
    const dir = files({
      'base.yaml': base,
      'mid.yaml': 'extends: ./base.yaml\nstages:\n  m:\n    with: { side: null }\n',
      'top.yaml': 'extends: ./mid.yaml\nstages:\n  m:\n    with: null\n',
    })
    const r = await resolvePipeline(join(dir, 'top.yaml'), registry)
    expect(r.diagnostics).toEqual([])
    expect(r.pipeline!.stages[0]!.options).toEqual({ side: 4, grid: null, label: 'x', sub: { k: 2 } })
  })
  it('a nested nullable option (anyOf with a null branch) is null too, and is located at its null', async () => {
    const dir = files({ 'base.yaml': base, 'child.yaml': 'extends: ./base.yaml\nstages:\n  m:\n    with:\n      sub: { k: null }\n      side: null\n' })
    const r = await resolvePipeline(join(dir, 'child.yaml'), registry)
    expect(r.pipeline).toBeUndefined()
    expect(clean(r.diagnostics, dir)).toEqual([expect.objectContaining({ message: 'give side or grid', actual: 'side null' })])
    const ok = await resolvePipeline(join(dir, 'child.yaml'), registry, { overrides: ['stages.m.with.grid=[1]'] })
    expect(ok.pipeline!.stages[0]!.options).toEqual({ side: null, grid: [1], label: 'y', sub: { k: null } })
    expect(ok.loaded.provenance.get('/stages/m/with/side')).toMatchObject({ file: join(dir, 'child.yaml'), line: 6 })
  })
})
