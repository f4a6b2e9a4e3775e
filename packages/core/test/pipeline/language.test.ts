import { describe, expect, it } from 'vitest'
import { join, resolve } from 'node:path'
import { Registry, expandSweep, loadPipeline, resolvePipeline } from '../../src/index.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { clean, files } from './helpers.js'

const registry = new Registry(fixturePlugins)
const base = `name: base
vars: { block: 4 }
input: { use: flat-frames, with: { frames: 2, size: 8 } }
stages:
  backbone: { use: block-mean, with: { block: "\${vars.block}", scale: 2 } }
  masker: { use: halves }
  count: { use: counter, with: { label: n } }
`

describe('extends', () => {
  it('deep-merges maps, replaces lists, deletes with null, and records where values came from', () => {
    const dir = files({
      'base.yaml': base + 'plugins: []\n',
      'child.yaml': 'extends: ./base.yaml\nname: child\nstages:\n  backbone: { with: { scale: 3 } }\n  count: null\n',
    })
    const l = loadPipeline(join(dir, 'child.yaml'), { env: {} })
    expect(l.diagnostics).toEqual([])
    expect(l.value.stages).toEqual({ backbone: { use: 'block-mean', with: { block: 4, scale: 3 } }, masker: { use: 'halves' } })
    expect(l.provenance.get('/stages/backbone/with/scale')).toMatchObject({ file: join(dir, 'child.yaml'), line: 4 })
    expect(l.provenance.get('/stages/backbone/with/block')).toMatchObject({ file: join(dir, 'base.yaml'), line: 5 })
    expect(l.provenance.has('/stages/count')).toBe(false)
    expect(l.files).toEqual([join(dir, 'child.yaml'), join(dir, 'base.yaml')])
  })
  it('merges a list of extends left to right', () => {
    const dir = files({ 'a.yaml': 'vars: { x: 1, y: 1 }\n', 'b.yaml': 'vars: { y: 2 }\n', 'p.yaml': 'extends: [./a.yaml, ./b.yaml]\nvars: { z: 3 }\n' })
    expect(loadPipeline(join(dir, 'p.yaml')).value.vars).toEqual({ x: 1, y: 2, z: 3 })
  })
})

describe('interpolation and --set', () => {
  it('resolves env (with defaults), name and typed vars', () => {
    const dir = files({ 'p.yaml': 'name: n1\nvars: { k: 7 }\noutput: { dir: "out/${name}/${env.RUN_TAG}" }\nx: { a: "${vars.k}", b: "v${vars.k}", c: "${env.MISSING:-fallback}" }\n' })
    const l = loadPipeline(join(dir, 'p.yaml'), { env: { RUN_TAG: 't1' } })
    expect(l.diagnostics).toEqual([])
    expect(l.value.output).toEqual({ dir: 'out/n1/t1' })
    expect(l.value.x).toEqual({ a: 7, b: 'v7', c: 'fallback' })
  })
  it('types --set values as YAML and through the schema', async () => {
    const dir = files({ 'p.yaml': base })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry, {
      overrides: ['stages.masker.with.mode=horizontal', 'stages.backbone.with.scale=0.5', 'stages.count.with.label=007', 'stages.masker.use=halves'],
    })
    expect(r.diagnostics).toEqual([])
    const s = r.pipeline!.stages
    expect(s[0].options).toEqual({ block: 4, scale: 0.5 })
    expect(s[1].options).toEqual({ mode: 'horizontal' })
    expect(s[2].options).toEqual({ label: '007' })
  })
  it('fills defaults, wires ports by type and tells frame from scene stages', async () => {
    const dir = files({ 'p.yaml': base })
    const p = (await resolvePipeline(join(dir, 'p.yaml'), registry)).pipeline!
    expect(p.runtime).toMatchObject({ tensor_backend: 'auto', cache: true })
    expect(p.output.dir).toBe(resolve('runs/base')) // a default: against the working directory
    expect(p.stages.map((s) => [s.key, s.mode, s.wiring])).toEqual([
      ['backbone', 'frame', { frame: { stage: 'input', port: 'frame' } }],
      ['masker', 'frame', { frame: { stage: 'input', port: 'frame' } }],
      ['count', 'frame', { masks: { stage: 'masker', port: 'masks' } }],
    ])
  })
})

describe('switching a plugin', () => {
  it('drops the old plugin\'s with: when --set changes use:, keeping later --set options', async () => {
    const dir = files({ 'p.yaml': base })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides: ['stages.backbone.use=block-mean', 'stages.count.use=failing', 'stages.count.with.fail_at=5'] })
    // ...and says so, at the dropped block
    expect(clean(r.diagnostics, dir)).toEqual([{
      code: 'PLAF_OPTIONS_DROPPED', severity: 'info', file: '<dir>/p.yaml', line: 7, column: 32, path: 'stages.count.with', stage: 'count', actual: 'label',
      message: '--set stages.count.use=failing replaces plugin "counter" with "failing": the options of "counter" in stages.count.with (label) are dropped',
      hint: 'options of "failing" can follow it: --set stages.count.with.<option>=<value>',
    }])
    // same plugin: options kept; different plugin: old options (label) dropped, new ones applied
    expect(r.pipeline!.stages[0].options).toEqual({ block: 4, scale: 2 })
    expect(r.pipeline!.stages[2]).toMatchObject({ use: 'failing', options: { fail_at: 5 } })
  })
  it('the note points into the file the dropped options came from, or at the --set that gave them', async () => {
    const dir = files({ 'lib/base.yaml': base, 'mine/p.yaml': 'extends: ../lib/base.yaml\n' })
    const r = await resolvePipeline(join(dir, 'mine/p.yaml'), registry, { overrides: ['stages.backbone.with.scale=3', 'stages.backbone.use=halves', 'stages.count.with={ label: x }', 'stages.count.use=failing'] })
    expect(clean(r.diagnostics, dir).map((d) => [d.code, d.severity, d.file ?? d.source, d.line, d.column, d.actual])).toEqual([
      ['PLAF_OPTIONS_DROPPED', 'info', '<dir>/lib/base.yaml', 5, 38, 'block, scale'],
      ['PLAF_OPTIONS_DROPPED', 'info', '--set stages.count.with={ label: x }', undefined, 25, 'label'],
    ])
  })
  it('replaces an inherited stage whole when a child extends with another plugin', () => {
    const dir = files({ 'base.yaml': base, 'child.yaml': 'extends: ./base.yaml\nstages:\n  count: { use: halves }\n' })
    const l = loadPipeline(join(dir, 'child.yaml'))
    expect((l.value.stages as Record<string, unknown>).count).toEqual({ use: 'halves' })
  })
})

describe('sweep', () => {
  it('expands the matrix minus exclude plus include', () => {
    const v = expandSweep({
      matrix: { 'stages.masker.with.mode': ['vertical', 'horizontal'], 'stages.backbone.with.block': [2, 4] },
      exclude: [{ 'stages.masker.with.mode': 'horizontal', 'stages.backbone.with.block': 4 }],
      include: [{ 'stages.masker.with.mode': 'vertical', 'stages.backbone.with.block': 8 }],
    })
    expect(v.map((x) => x.name)).toEqual([
      'masker.mode=vertical,backbone.block=2',
      'masker.mode=vertical,backbone.block=4',
      'masker.mode=horizontal,backbone.block=2',
      'masker.mode=vertical,backbone.block=8',
    ])
    expect(v[0].overrides).toEqual(['stages.masker.with.mode=vertical', 'stages.backbone.with.block=2'])
    // where each value is written, for diagnostics: the matrix value, or the include entry's
    expect(v[2].sources).toEqual(['/sweep/matrix/stages.masker.with.mode/1', '/sweep/matrix/stages.backbone.with.block/0'])
    expect(v[3].sources).toEqual(['/sweep/include/0/stages.masker.with.mode', '/sweep/include/0/stages.backbone.with.block'])
  })
})
