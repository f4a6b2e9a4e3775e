import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PlafError, Registry, defineInput, resolvePipeline, runPipeline } from '../../src/index.js'
import { fixturePlugins, flatFrames } from '../fixtures/plugins.js'
import { clean, files } from './helpers.js'

/** flat-frames reading "from" a directory, with a cheap check that the directory exists. */
const { check: _check, capabilities: _capabilities, __options: _options, ...flatBase } = flatFrames
const dirFrames = defineInput<{ root: string; frames: number }>({
  ...flatBase, name: 'dir-frames', description: 'Flat frames, checked against a directory.',
  options: {
    type: 'object', additionalProperties: false, required: ['root'],
    properties: {
      root: { type: 'string', format: 'path', description: 'A directory that must exist.' },
      frames: { type: 'integer', minimum: 1, default: 2, description: 'Number of frames.' },
    },
  },
  check(o) {
    return existsSync(o.root) ? [] : [{ code: 'PLAF_FILE_NOT_FOUND', message: `directory ${o.root} does not exist`, path: 'root', expected: 'an existing directory', actual: o.root }]
  },
  create: (o, ctx) => flatFrames.create({ frames: o.frames, size: 4 }, ctx),
})
const registry = new Registry([...fixturePlugins, dirFrames])
const pipeline = 'input:\n  use: dir-frames\n  with:\n    root: nowhere\nstages:\n  m: { use: halves }\noutput: { dir: out }\n'

describe('an input plugin\'s check runs at validation, located at the option', () => {
  it('reports a missing directory at its line and column, with the option path', async () => {
    const dir = files({ 'p.yaml': pipeline })
    expect((await resolvePipeline(join(dir, 'p.yaml'), registry, { checkInput: false })).diagnostics).toEqual([])
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
    expect(r.pipeline).toBeUndefined()
    expect(clean(r.diagnostics, dir)).toEqual([{
      code: 'PLAF_FILE_NOT_FOUND', severity: 'error', message: 'directory <dir>/nowhere does not exist',
      file: '<dir>/p.yaml', line: 4, column: 11, path: 'input.with.root', stage: 'input', plugin: 'dir-frames',
      expected: 'an existing directory', actual: '<dir>/nowhere',
    }])
  })
  it('points at the --set argument when the value came from there', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { cwd: dir, overrides: ['input.with.root=gone'] })
    expect(clean(r.diagnostics, dir)).toEqual([{
      code: 'PLAF_FILE_NOT_FOUND', severity: 'error', message: 'directory <dir>/gone does not exist',
      source: '--set input.with.root=gone', column: 23, path: 'input.with.root', stage: 'input', plugin: 'dir-frames',
      expected: 'an existing directory', actual: '<dir>/gone',
    }])
  })
  it('is not run while the options themselves are invalid, and passes when all is well', async () => {
    const dir = files({ 'p.yaml': pipeline.replace('root: nowhere', 'root: nowhere\n    frames: 0'), 'q.yaml': pipeline.replace('root: nowhere', 'root: .') })
    const bad = await resolvePipeline(join(dir, 'p.yaml'), registry)
    expect(bad.diagnostics.map((d) => d.code)).toEqual(['PLAF_INVALID_OPTION'])
    const good = await resolvePipeline(join(dir, 'q.yaml'), registry)
    expect(good.diagnostics).toEqual([])
    expect((await runPipeline(good.pipeline!, { cwd: dir })).report.frames.processed).toBe(2)
  })
  it('a check that throws a PlafError is reported the same way', async () => {
    const throwing = { ...dirFrames, name: 'throwing-frames', check: () => { throw new PlafError({ code: 'PLAF_INPUT_INVALID', severity: 'error', message: 'bad layout', path: 'root' }) } }
    const dir = files({ 'p.yaml': pipeline.replace('dir-frames', 'throwing-frames') })
    const r = await resolvePipeline(join(dir, 'p.yaml'), new Registry([...fixturePlugins, throwing]))
    expect(clean(r.diagnostics, dir)).toEqual([expect.objectContaining({ code: 'PLAF_INPUT_INVALID', line: 4, column: 11, path: 'input.with.root', message: 'bad layout' })])
  })
})
