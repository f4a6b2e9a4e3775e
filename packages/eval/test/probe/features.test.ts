import { Registry, defineInput, defineStage, resolvePipeline, type FeatureGrid, type ResolvedPipeline } from '@plaf/core'
import { makeFrame, tempDir, type TempDir } from '@plaf/core/testing'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { mkdirSync, readdirSync } from 'node:fs'
import { writeAde20kSplit } from '@plaf/datasets'
import { PROBE_DEFAULTS, aggregatorClosure, openProbeExtractor, runAde20kProbe } from '../../src/probe/index.js'

// Fixture plugins: a backbone that counts its calls, two aggregators that read it, a storage
// stage downstream (which the probe must not run) and an input that is never read.
let backboneCalls = 0
const frames = defineInput<Record<string, never>>({
  name: 'fixture-frames', kind: 'input', version: '0', description: 'no frames',
  options: { type: 'object', additionalProperties: false, properties: {} }, outputs: { frame: 'Frame' },
  async create() {
    return { identity: 'none', describe: 'none', frameCount: 0, async *frames() {} }
  },
})
const backbone = defineStage<Record<string, never>, { frame: 'Frame' }, { features: 'FeatureGrid' }>({
  name: 'counting-backbone', kind: 'backbone', version: '0', description: 'one cell, the mean red',
  options: { type: 'object', additionalProperties: false, properties: {} }, inputs: { frame: 'Frame' }, outputs: { features: 'FeatureGrid' },
  async create() {
    return {
      run({ frame }) {
        backboneCalls++
        const [h, w] = frame.rgb.shape
        const features: FeatureGrid = {
          data: Float32Array.of(frame.rgb.data[0], 1), shape: [1, 1, 2], space: 'fixture',
          transform: { inputSize: [1, 1], imageSize: [h, w], ax: 1 / w, bx: 0, ay: 1 / h, by: 0 },
        }
        return { features }
      },
    }
  },
})
const aggregator = (name: string, scale: number) => defineStage<Record<string, never>, { features: 'FeatureGrid' }, { memory: 'SemanticMemory2D' }>({
  name, kind: 'aggregator', version: '0', description: 'every pixel id 1, its row the grid scaled',
  options: { type: 'object', additionalProperties: false, properties: {} }, inputs: { features: 'FeatureGrid' }, outputs: { memory: 'SemanticMemory2D' },
  async create() {
    return {
      run({ features }) {
        const [h, w] = features.transform.imageSize
        const table = new Float32Array(4)
        table.set(features.data.map((v) => v * scale), 2)
        return { memory: { ids: { data: new Uint16Array(h * w).fill(1), shape: [h, w] }, features: { data: table, shape: [2, 2] }, space: 'fixture' } }
      },
    }
  },
})
const sink = defineStage<Record<string, never>, { memory: 'SemanticMemory2D' }, Record<string, never>>({
  name: 'sink', kind: 'storage2d', version: '0', description: 'throws if run',
  options: { type: 'object', additionalProperties: false, properties: {} }, inputs: { memory: 'SemanticMemory2D' }, outputs: {},
  async create() {
    return { run: () => { throw new Error('the probe ran a storage stage') } }
  },
})
const registry = new Registry([frames, backbone, aggregator('double', 2), aggregator('triple', 3), sink], 'test')

const PIPELINE = (agg: string) => `name: t
input: { use: fixture-frames }
stages:
  backbone: { use: counting-backbone }
  aggregator: { use: ${agg} }
  storage2d: { use: sink }
`

const dirs: TempDir[] = []
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()))

async function pipeline(yaml: string): Promise<ResolvedPipeline> {
  const d = tempDir('probe', { 'p.yaml': yaml })
  dirs.push(d)
  const r = await resolvePipeline(join(d.dir, 'p.yaml'), registry)
  expect(r.diagnostics.filter((x) => x.severity === 'error')).toEqual([])
  return r.pipeline!
}

describe('openProbeExtractor', () => {
  it('runs each variant\'s aggregator and what it reads, a shared backbone once per frame, nothing downstream', async () => {
    const a = await pipeline(PIPELINE('double'))
    const b = await pipeline(PIPELINE('triple'))
    expect(aggregatorClosure(a, 'double').map((s) => s.key)).toEqual(['backbone', 'aggregator'])
    const ex = await openProbeExtractor([{ name: 'double', pipeline: a }, { name: 'triple', pipeline: b }])
    try {
      expect(ex.variants.map((v) => v.stages.map((s) => `${s.kind}:${s.use}`))).toEqual([
        ['backbone:counting-backbone', 'aggregator:double'], ['backbone:counting-backbone', 'aggregator:triple'],
      ])
      backboneCalls = 0
      for (const red of [10, 20]) {
        const [m2, m3] = await ex.extract(makeFrame(3, 4, () => [red, 0, 0]))
        expect([...m2.features.data]).toEqual([0, 0, 2 * red, 2])
        expect([...m3.features.data]).toEqual([0, 0, 3 * red, 3])
      }
      expect(backboneCalls).toBe(2)
    } finally {
      await ex.dispose()
    }
  })

  it('refuses a pipeline without an aggregator, naming the file', async () => {
    const p = await pipeline(PIPELINE('double').replace(/ {2}aggregator:.*\n/, '').replace(/ {2}storage2d:.*\n/, ''))
    expect(() => aggregatorClosure(p, 'x')).toThrow(/p\.yaml: the pipeline has no aggregator stage/)
  })
})

describe('runAde20kProbe', () => {
  it('stops at an interrupt between steps with PLAF_INTERRUPTED and removes its spilled rows', async () => {
    const p = await pipeline(PIPELINE('double'))
    const d = tempDir('probe-data')
    dirs.push(d)
    await writeAde20kSplit(join(d.dir, 'ADE'), 'training', 4, [8, 6], 1)
    await writeAde20kSplit(join(d.dir, 'ADE'), 'validation', 1, [8, 6], 1)
    const abort = new AbortController()
    const spill = join(d.dir, 'spill')
    mkdirSync(spill)
    const steps: number[] = []
    const run = runAde20kProbe([{ name: 'double', pipeline: p }], {
      ...PROBE_DEFAULTS, data: join(d.dir, 'ADE'), batchImages: 1, maxValues: 2, spillDir: spill, signal: abort.signal,
      onProgress: (e) => {
        if (e.phase !== 'train') return
        steps.push(e.step)
        if (e.step === 1) expect(readdirSync(spill)).toHaveLength(1) // the rows went to a file
        if (e.step === 2) abort.abort()
      },
    })
    await expect(run).rejects.toMatchObject({ diagnostics: [{ code: 'PLAF_INTERRUPTED' }] })
    expect(steps).toEqual([1, 2])
    expect(readdirSync(spill)).toEqual([])
  })
})
