// A RADIO export that ships its language adaptor as a graph of its own (graphs.adaptor): the grid
// carries the backbone features and the model, the adaptor graph computes RADIO's MLP2 head, and
// a model without it (or adaptor: none) hands nothing out.
import { openFeatureAdaptor, PlafError, separateAdaptor } from '@plaf/core'
import { adaptorForward, createTestContext, makeFrame, mulberry32, uniformColourFeatures } from '@plaf/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { radioBackbone } from '../src/radio.js'
import { cellDiff, editManifest, runFrames, testStore } from './fixtures.js'

const store = testStore()
afterAll(() => store.home.cleanup())
const split = store.addRadio({ name: 'radio-split', adaptor: true })
const baked = store.addRadio()
const RED = [230, 20, 30] as const
const noise = () => {
  const r = mulberry32(5)
  return makeFrame(40, 56, () => [r() * 255, r() * 255, r() * 255])
}

describe('radio on an export with a separate adaptor', () => {
  it('declares graphs.adaptor: backbone_features [N, 768] → features [N, 1152], in its own file', () => {
    expect(split.manifest.graphs.adaptor).toEqual({
      file: 'adaptor.onnx',
      inputs: [{ name: 'backbone_features', dtype: 'float32', shape: ['N', 768], role: 'backbone_features' }],
      outputs: [{ name: 'features', dtype: 'float32', shape: ['N', 1152], role: 'features' }],
    })
    expect(split.manifest.files.map((f) => f.path).sort()).toEqual(['adaptor.onnx', 'vision_512x512.onnx'])
    expect(separateAdaptor(split.manifest, 'features')).toBe(true)
    expect(separateAdaptor(split.manifest, 'backbone_features')).toBe(false)
    expect(separateAdaptor(baked.manifest, 'features')).toBe(false)
  })

  it('hands out the grid before the adaptor (the backbone_features output) with the model, from the same run', async () => {
    const [g] = await runFrames(radioBackbone, { model: 'radio-split' }, store.models, [noise()])
    const [own] = await runFrames(radioBackbone, { model: 'radio-split', adaptor: 'none' }, store.models, [noise()])
    expect(g!.shape).toEqual([32, 32, 1152])
    expect(g!.adaptor).toBeDefined()
    expect(g!.adaptor!.model).toBe('radio-split@1.0.0')
    expect(g!.adaptor!.dim).toBe(768)
    expect(g!.adaptor!.data).toEqual(own!.data)
    expect(own!.adaptor).toBeUndefined()
    const [plain] = await runFrames(radioBackbone, {}, store.models, [noise()])
    expect(plain!.adaptor).toBeUndefined()
  })

  it('features are the MLP2 head on every token; the adaptor graph gives the same head on rows (≤ 1e-4 vs float64)', async () => {
    const [g] = await runFrames(radioBackbone, { model: 'radio-split' }, store.models, [makeFrame(30, 50, () => RED)])
    const want = uniformColourFeatures(split, RED, 'features')
    const token = uniformColourFeatures(split, RED, 'backbone_features')
    for (const cell of [0, 517, 1023]) expect(cellDiff(g!.data, cell * 1152, want)).toBeLessThan(1e-4)
    const ctx = createTestContext({ stage: 'aggregator', models: store.models })
    const adaptor = await openFeatureAdaptor(ctx, 'radio-split@1.0.0')
    try {
      expect([adaptor.model, adaptor.inDim, adaptor.outDim]).toEqual(['radio-split@1.0.0', 768, 1152])
      const r = mulberry32(9)
      const rows = Float32Array.from({ length: 3 * 768 }, () => 4 * r() - 2)
      rows.set(Float32Array.from(token), 2 * 768)
      const out = await adaptor.apply(rows, 3)
      for (let i = 0; i < 3; i++) expect(cellDiff(out, i * 1152, adaptorForward(split.weights.adaptor!, rows.subarray(i * 768, (i + 1) * 768)))).toBeLessThan(1e-4)
      expect(cellDiff(out, 2 * 1152, want)).toBeLessThan(1e-4)
    } finally {
      await adaptor.dispose()
    }
  })

  it('a model without graphs.adaptor cannot open one: PLAF_MODEL_INVALID naming its graphs', async () => {
    const ctx = createTestContext({ stage: 'aggregator', models: store.models })
    const e = await openFeatureAdaptor(ctx, 'radio-v2.5-b', { plugin: 'mask-mean', stage: 'aggregator' }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(PlafError)
    expect((e as PlafError).diagnostics[0]).toMatchObject({ code: 'PLAF_MODEL_INVALID', plugin: 'mask-mean', stage: 'aggregator', expected: 'graphs.adaptor', actual: 'vision' })
  })

  it('a malformed adaptor graph (output D ≠ feature_dim) is PLAF_MODEL_INVALID', async () => {
    const bad = store.addRadio({ name: 'radio-bad-adaptor', adaptor: true })
    editManifest(bad.dir, (m) => { m.graphs.adaptor!.outputs[0]!.shape = ['N', 1000] })
    const ctx = createTestContext({ stage: 'aggregator', models: store.models })
    const e = await openFeatureAdaptor(ctx, 'radio-bad-adaptor').catch((x: unknown) => x)
    expect((e as PlafError).diagnostics[0]).toMatchObject({ code: 'PLAF_MODEL_INVALID', expected: 'float32 [N, 1152]', actual: 'float32 [N, 1000]' })
  })
})
