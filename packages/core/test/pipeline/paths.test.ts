import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Registry, defineInput, resolvePipeline } from '../../src/index.js'
import { fixturePlugins, flatFrames } from '../fixtures/plugins.js'
import { files } from './helpers.js'

/** flat-frames with a path option, to see where the resolver points it. */
const { check: _check, capabilities: _capabilities, __options: _options, ...flatBase } = flatFrames
const dirFrames = defineInput<{ root: string; frames: number }>({
  ...flatBase, name: 'dir-frames', description: 'Flat frames, with a directory option.',
  options: {
    type: 'object', additionalProperties: false, required: ['root'],
    properties: {
      root: { type: 'string', format: 'path', description: 'A directory.' },
      frames: { type: 'integer', minimum: 1, default: 2, description: 'Number of frames.' },
    },
  },
  create: (o, ctx) => flatFrames.create({ frames: o.frames, size: 4 }, ctx),
})
const registry = new Registry([...fixturePlugins, dirFrames])
const band = `export default { name: 'band', kind: 'masker', version: '1.0.0', description: 'One band: a test plugin.', options: { type: 'object', additionalProperties: false, properties: { n: { type: 'integer', default: 1, description: 'n' } } }, inputs: { frame: 'Frame' }, outputs: { masks: 'MaskSet' }, async create() { return { run: () => ({}) } } }\n`

const paths = (p: { input: { options: Record<string, unknown> }; output: { dir: string }; runtime: { cache_dir: string }; config: Record<string, unknown> }) =>
  ({ root: p.input.options.root, out: p.output.dir, cache: p.runtime.cache_dir, plugins: p.config.plugins })

describe('a relative path resolves against the file that declares it', () => {
  it('in the pipeline file itself: output.dir, runtime.cache_dir, path options and plugins', async () => {
    const dir = files({
      'a/p.yaml': 'plugins: [./band.mjs]\ninput: { use: dir-frames, with: { root: data } }\nstages:\n  m: { use: band }\nruntime: { cache_dir: cache }\noutput: { dir: out }\n',
      'a/band.mjs': band,
    })
    const r = await resolvePipeline(join(dir, 'a/p.yaml'), registry, { cwd: '/elsewhere' })
    expect(r.diagnostics).toEqual([])
    expect(paths(r.pipeline!)).toEqual({ root: join(dir, 'a/data'), out: join(dir, 'a/out'), cache: join(dir, 'a/cache'), plugins: [join(dir, 'a/band.mjs')] })
    expect((r.pipeline!.config.input as { with: object }).with).toEqual({ root: join(dir, 'a/data'), frames: 2 })
  })
  it('inherited through extends from another folder: against the parent file, not the child', async () => {
    const dir = files({
      'pipelines/base.yaml': 'plugins: [./band.mjs]\ninput: { use: dir-frames, with: { root: ../demo-data } }\nstages:\n  m: { use: band }\nruntime: { cache_dir: ../.cache }\noutput: { dir: ../runs/base }\n',
      'pipelines/band.mjs': band,
      'mine/p.yaml': 'extends: ../pipelines/base.yaml\ninput: { with: { frames: 3 } }\n',
    })
    const r = await resolvePipeline(join(dir, 'mine/p.yaml'), registry, { cwd: '/elsewhere' })
    expect(r.diagnostics).toEqual([])
    expect(paths(r.pipeline!)).toEqual({ root: join(dir, 'demo-data'), out: join(dir, 'runs/base'), cache: join(dir, '.cache'), plugins: [join(dir, 'pipelines/band.mjs')] })
    expect(r.pipeline!.input.options.frames).toBe(3)
  })
  it('what the child re-declares resolves against the child', async () => {
    const dir = files({
      'pipelines/base.yaml': 'input: { use: dir-frames, with: { root: ../demo-data } }\nstages:\n  m: { use: halves }\noutput: { dir: ../runs/base }\n',
      'mine/p.yaml': 'extends: ../pipelines/base.yaml\ninput: { with: { root: scene } }\noutput: { dir: "runs/${name}" }\n',
    })
    const r = await resolvePipeline(join(dir, 'mine/p.yaml'), registry, { cwd: '/elsewhere' })
    expect(paths(r.pipeline!)).toMatchObject({ root: join(dir, 'mine/scene'), out: join(dir, 'mine/runs/p') })
  })
  it('--set values and defaults resolve against the working directory; absolute paths stay', async () => {
    const dir = files({ 'a/p.yaml': 'input: { use: dir-frames, with: { root: data } }\nstages:\n  m: { use: halves }\n' })
    const set = await resolvePipeline(join(dir, 'a/p.yaml'), registry, { cwd: '/work/here', overrides: ['input.with.root=scenes/s1', 'output.dir=o'] })
    expect(paths(set.pipeline!)).toEqual({ root: '/work/here/scenes/s1', out: '/work/here/o', cache: '/work/here/.plaf-cache', plugins: undefined })
    const abs = await resolvePipeline(join(dir, 'a/p.yaml'), registry, { cwd: '/work/here', overrides: ['input.with.root=/data/s1', 'runtime.cache_dir=/tmp/c'] })
    expect(paths(abs.pipeline!)).toEqual({ root: '/data/s1', out: '/work/here/runs/p', cache: '/tmp/c', plugins: undefined })
  })
})
