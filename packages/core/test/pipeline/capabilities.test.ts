import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PlafError, Registry, checkPluginShape, defineInput, defineStage, diagnostic, resolvePipeline, type FrameCapability } from '../../src/index.js'
import { fixturePlugins, flatFrames } from '../fixtures/plugins.js'
import { files } from './helpers.js'

// Inputs that declare what their frames carry (statically, or from their options), and a stage
// that needs depth and poses, as the `backproject` lifter does.
const input = (name: string, caps: { provides?: FrameCapability[]; capabilities?: (o: { depth: boolean }) => FrameCapability[] }) => defineInput<{ depth: boolean }>({
  name, kind: 'input', version: '1.0.0', description: 'Test input with declared capabilities.',
  options: { type: 'object', additionalProperties: false, properties: { depth: { type: 'boolean', default: true, description: 'Whether the frames carry depth.' } } },
  outputs: { frame: 'Frame' },
  create: () => flatFrames.create({ frames: 1, size: 4 }, undefined as never),
  ...caps,
})
const photos = input('photos', { provides: [] })
const posed = input('posed', { provides: ['depth', 'pose'] })
const optional = input('optional', { provides: ['depth', 'pose'], capabilities: (o) => (o.depth ? ['depth', 'pose'] : ['pose']) })
const unsure = input('unsure', {
  capabilities: () => {
    throw new PlafError(diagnostic('PLAF_INPUT_INVALID', 'cannot tell'))
  },
})
const lift = defineStage<Record<string, never>, { frame: 'Frame' }, Record<string, never>>({
  name: 'lift', kind: 'lifter', version: '1.0.0', description: 'Needs depth and poses (test).',
  options: { type: 'object', additionalProperties: false, properties: {} },
  inputs: { frame: 'Frame' }, outputs: {}, requires: ['depth', 'pose'],
  async create() { return { run: () => ({}) } },
})
const registry = new Registry([...fixturePlugins, photos, posed, optional, unsure, lift])
const yaml = (inputLine: string) => `name: t\n${inputLine}\nstages:\n  masker: { use: halves }\n  lifter:\n    use: lift\noutput: { dir: out }\n`

describe('frame capabilities at validate time', () => {
  it('refuses a lifter on an input without depth and poses, at the lifter\'s use: line, naming what is missing and the inputs that would do', async () => {
    const dir = files({ 'p.yaml': yaml('input: { use: photos }') })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
    expect(r.pipeline).toBeUndefined()
    expect(r.diagnostics.map(({ cause: _c, ...d }) => d)).toEqual([{
      code: 'PLAF_CAPABILITY_MISSING', severity: 'error', file: join(dir, 'p.yaml'), line: 6, column: 10, path: 'stages.lifter.use', stage: 'lifter', plugin: 'lift',
      message: 'stage lifter (lift) needs frames with depth and poses, but input photos gives frames without depth and poses',
      expected: 'depth, pose', actual: 'input photos: colour only',
      hint: 'inputs whose frames carry depth and poses: posed',
    }])
  })

  it('asks an input whose capabilities depend on its options, with the validated options', async () => {
    const dir = files({ 'p.yaml': yaml('input: { use: optional, with: { depth: false } }'), 'q.yaml': yaml('input: { use: optional }') })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
    expect(r.diagnostics.map(({ cause: _c, ...d }) => d)).toEqual([expect.objectContaining({
      code: 'PLAF_CAPABILITY_MISSING', line: 6, message: 'stage lifter (lift) needs frames with depth and poses, but input optional gives frames without depth', actual: 'input optional: pose',
    })])
    // the default (depth: true) provides both
    expect((await resolvePipeline(join(dir, 'q.yaml'), registry)).diagnostics).toEqual([])
    // and --set reaches it too
    const set = await resolvePipeline(join(dir, 'q.yaml'), registry, { overrides: ['input.with.depth=false'] })
    expect(set.diagnostics.map((d) => d.code)).toEqual(['PLAF_CAPABILITY_MISSING'])
  })

  it('checks nothing for an input that makes no claim or cannot say, and for stages without requirements', async () => {
    for (const use of ['flat-frames', 'unsure', 'posed']) {
      const dir = files({ 'p.yaml': yaml(`input: { use: ${use} }`) })
      expect((await resolvePipeline(join(dir, 'p.yaml'), registry)).diagnostics, use).toEqual([])
    }
    const dir = files({ 'p.yaml': 'name: t\ninput: { use: photos }\nstages:\n  masker: { use: halves }\noutput: { dir: out }\n' })
    expect((await resolvePipeline(join(dir, 'p.yaml'), registry)).diagnostics).toEqual([])
  })

  it('a plugin declaring an unknown capability is invalid', () => {
    expect(checkPluginShape({ ...posed, provides: ['depth', 'colour'] as unknown as FrameCapability[] })).toBe('"posed": provides must list frame capabilities (depth, pose)')
    expect(checkPluginShape({ ...posed, capabilities: ['depth'] })).toBe('"posed": capabilities must be a function')
    expect(checkPluginShape({ ...lift, requires: ['normals'] as unknown as FrameCapability[] })).toBe('"lift": requires must list frame capabilities (depth, pose)')
  })
})
