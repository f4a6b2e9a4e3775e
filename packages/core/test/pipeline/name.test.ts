import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Registry, expandSweep, loadPipeline, resolvePipeline } from '../../src/index.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { clean, files } from './helpers.js'

const registry = new Registry(fixturePlugins)
const stages = 'input: { use: flat-frames }\nstages:\n  masker: { use: halves }\n'

describe('${name} sees the fully interpolated name', () => {
  it('in output.dir (the default and an explicit one) and in every other string', async () => {
    const dir = files({
      'p.yaml': `name: scannet-\${env.SCENE:-scene0000_00}\n${stages}  count: { use: counter, with: { label: "\${name}" } }\n`,
      'q.yaml': `extends: ./p.yaml\noutput: { dir: "out/\${name}" }\n`,
    })
    const p = (await resolvePipeline(join(dir, 'p.yaml'), registry, { env: {}, cwd: dir })).pipeline!
    expect(p.name).toBe('scannet-scene0000_00')
    expect(p.output.dir).toBe(join(dir, 'runs/scannet-scene0000_00'))
    expect(p.stages[1].options).toEqual({ label: 'scannet-scene0000_00' })
    const q = (await resolvePipeline(join(dir, 'q.yaml'), registry, { env: { SCENE: 'scene0707_00' } })).pipeline!
    expect([q.name, q.output.dir, q.config.name, (q.config.output as { dir: string }).dir])
      .toEqual(['scannet-scene0707_00', join(dir, 'out/scannet-scene0707_00'), 'scannet-scene0707_00', join(dir, 'out/scannet-scene0707_00')])
  })
  it('when the name comes from vars, and for a sweep (its variants run under that directory)', async () => {
    const dir = files({
      'p.yaml': `name: abl-\${vars.who}\nvars: { who: "\${env.WHO:-me}" }\n${stages}sweep: { matrix: { stages.masker.with.mode: [horizontal, vertical] } }\n`,
    })
    const p = (await resolvePipeline(join(dir, 'p.yaml'), registry, { env: {}, cwd: dir })).pipeline!
    expect([p.name, p.output.dir]).toEqual(['abl-me', join(dir, 'runs/abl-me')])
    for (const v of expandSweep(p.sweep!)) {
      const r = (await resolvePipeline(join(dir, 'p.yaml'), registry, { env: {}, cwd: dir, overrides: v.overrides })).pipeline!
      expect(r.output.dir).toBe(join(dir, 'runs/abl-me'))
    }
  })
  it('name: cannot use ${name}, and vars cannot use vars: located errors', () => {
    const dir = files({ 'p.yaml': `name: x-\${name}\nvars: { a: 1, b: "\${vars.a}" }\n${stages}` })
    expect(clean(loadPipeline(join(dir, 'p.yaml'), { env: {} }).diagnostics, dir).map((d) => [d.line, d.column, d.path, d.message])).toEqual([
      [2, 18, 'vars.b', 'cannot interpolate ${vars.a}: vars cannot refer to other vars (vars: is interpolated first, with env only)'],
      [1, 7, 'name', 'cannot interpolate ${name}: ${name} cannot be used in name: or vars: (they are interpolated before it)'],
    ])
  })
})
