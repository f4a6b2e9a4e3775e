import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { inputGridTransform, openImageBackbone, validateOptions } from '@plaf/core'
import { createTestContext, describeStagePlugin, makeFrame, mulberry32, uniformColourFeatures } from '@plaf/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { radioBackbone, type RadioOptions } from '../src/radio.js'
import { RADIO_CONTRACT } from '../src/testing/index.js'
import { cellDiff, runFrames, testStore } from './fixtures.js'

const store = testStore()
afterAll(() => store.home.cleanup())
const contract = store.addRadio()
const context = { models: store.models }

const noise = () => {
  const r = mulberry32(7)
  return makeFrame(48, 64, () => [r() * 255, r() * 255, r() * 255])
}
const RED = [230, 20, 30] as const
const BLUE = [10, 40, 220] as const
const uniform = (h: number, w: number, c: readonly number[]) => makeFrame(h, w, () => c)

describeStagePlugin(radioBackbone, [
  { name: 'the RADIO contract at 512² (siglip adaptor, squash)', inputs: () => ({ frame: noise() }), context },
  { name: 'backbone features, aspect kept with padding', options: { adaptor: 'none', resize: 'pad' }, inputs: () => ({ frame: noise() }), context },
])

describe('radio on the RADIO-contract model', () => {
  it('returns the 32×32×1152 grid in the SigLIP space with the squash transform', async () => {
    const [g] = await runFrames(radioBackbone, {}, store.models, [noise()])
    expect(g!.shape).toEqual([32, 32, RADIO_CONTRACT.featureDim])
    expect(g!.space).toBe('siglip-so400m-patch14-384')
    expect(g!.transform).toEqual(inputGridTransform([48, 64], [512, 512], [512, 512], 16))
    expect(g!.transform).toMatchObject({ ax: 32 / 64, ay: 32 / 48 })
  })

  it('computes what the graph computes: a uniform colour gives the reference forward in every cell, both adaptors', async () => {
    const [siglip] = await runFrames(radioBackbone, { adaptor: 'siglip' }, store.models, [uniform(30, 50, RED)])
    const [none] = await runFrames(radioBackbone, { adaptor: 'none' }, store.models, [uniform(30, 50, RED)])
    const wantF = uniformColourFeatures(contract, RED, 'features')
    const wantB = uniformColourFeatures(contract, RED, 'backbone_features')
    expect(none!.shape).toEqual([32, 32, 768])
    expect(none!.space).toBe('radio-v2.5-b@1.0.0/backbone_features')
    for (let cell = 0; cell < 32 * 32; cell++) {
      expect(cellDiff(siglip!.data, cell * 1152, wantF)).toBeLessThan(1e-4)
      expect(cellDiff(none!.data, cell * 768, wantB)).toBeLessThan(1e-4)
    }
  })

  it('puts each colour in the cells its pixels map to (red left, blue right, non-square image)', async () => {
    const W = 96
    const [g] = await runFrames(radioBackbone, {}, store.models, [makeFrame(40, W, (x) => (x < W / 2 ? RED : BLUE))])
    const red = uniformColourFeatures(contract, RED, 'features')
    const blue = uniformColourFeatures(contract, BLUE, 'features')
    expect(cellDiff(Float32Array.from(red), 0, blue), 'red and blue differ').toBeGreaterThan(0.1)
    const t = g!.transform
    for (let x = 0; x < W; x++) {
      const gx = Math.round(t.ax * x + t.bx)
      if (gx === 15 || gx === 16) continue // the cells on the boundary mix both colours
      for (const gy of [0, 17, 31]) expect(cellDiff(g!.data, (gy * 32 + gx) * 1152, x < W / 2 ? red : blue), `pixel x=${x} → cell ${gx}`).toBeLessThan(1e-4)
    }
  })

  it('pad keeps the aspect: the image fills the top 24 rows, padding (black after scaling) the rest', async () => {
    const [g] = await runFrames(radioBackbone, { resize: 'pad' }, store.models, [uniform(48, 64, BLUE)])
    expect(g!.transform).toEqual(inputGridTransform([48, 64], [512, 512], [384, 512], 16))
    const blue = uniformColourFeatures(contract, BLUE, 'features')
    const black = uniformColourFeatures(contract, [0, 0, 0], 'features')
    for (let gy = 0; gy < 32; gy++) {
      for (const gx of [0, 20, 31]) expect(cellDiff(g!.data, (gy * 32 + gx) * 1152, gy < 24 ? blue : black), `cell ${gy},${gx}`).toBeLessThan(1e-4)
    }
    // the last image row's centre lands inside the valid rows
    expect(g!.transform.ay * 47.5 + g!.transform.by).toBeCloseTo(23.5, 12)
  })

  it('reads NHWC, NCHW and NLC outputs into the same grid', async () => {
    const small = { inputSize: 64, featureDim: 24, backboneDim: 16 }
    store.addRadio({ ...small, name: 'radio-nhwc' })
    store.addRadio({ ...small, name: 'radio-nchw', layout: 'nchw' })
    store.addRadio({ ...small, name: 'radio-nlc', layout: 'nlc' })
    const frame = noise()
    for (const adaptor of ['siglip', 'none']) {
      const [ref] = await runFrames(radioBackbone, { model: 'radio-nhwc', adaptor }, store.models, [frame])
      expect(ref!.shape).toEqual([4, 4, adaptor === 'siglip' ? 24 : 16])
      for (const model of ['radio-nchw', 'radio-nlc']) {
        const [g] = await runFrames(radioBackbone, { model, adaptor }, store.models, [frame])
        expect(g!.shape).toEqual(ref!.shape)
        expect(Array.from(g!.data)).toEqual(Array.from(ref!.data))
      }
    }
  })

  it('reads a float16 output (a half-precision export) as float32', async () => {
    const small = { inputSize: 64, featureDim: 24, backboneDim: 16, layout: 'nchw' as const }
    store.addRadio({ ...small, name: 'radio-f32' })
    store.addRadio({ ...small, name: 'radio-f16', dtype: 'float16' })
    const frame = noise()
    for (const adaptor of ['siglip', 'none']) {
      const [a] = await runFrames(radioBackbone, { model: 'radio-f32', adaptor }, store.models, [frame])
      const [b] = await runFrames(radioBackbone, { model: 'radio-f16', adaptor }, store.models, [frame])
      expect(b!.data).toBeInstanceOf(Float32Array)
      expect(b!.shape).toEqual(a!.shape)
      // float16 keeps 11 significant bits: |x − half(x)| ≤ 2^-11·|x|
      for (let i = 0; i < a!.data.length; i++) expect(Math.abs(b!.data[i]! - a!.data[i]!)).toBeLessThanOrEqual(Math.abs(a!.data[i]!) / 2048 + 1e-7)
    }
  })

  it('runs a graph with symbolic H/W at the chosen resolution, and pads only to the patch multiple', async () => {
    store.addRadio({ name: 'radio-dyn', symbolic: true, featureDim: 24, backboneDim: 16 })
    const frame = uniform(48, 64, RED)
    const [sq] = await runFrames(radioBackbone, { model: 'radio-dyn', resolution: 256 }, store.models, [frame])
    expect(sq!.shape).toEqual([16, 16, 24])
    expect(sq!.transform).toEqual(inputGridTransform([48, 64], [256, 256], [256, 256], 16))
    // 48×64 fits 256² as 192×256 (a patch multiple); 50×64 as 200×256, padded to 208×256
    const [a, b] = await runFrames(radioBackbone, { model: 'radio-dyn', resolution: 256, resize: 'pad' }, store.models, [frame, uniform(50, 64, RED)])
    expect(a!.shape).toEqual([12, 16, 24])
    expect(a!.transform).toEqual(inputGridTransform([48, 64], [192, 256], [192, 256], 16))
    expect(b!.shape).toEqual([13, 16, 24])
    expect(b!.transform).toEqual(inputGridTransform([50, 64], [208, 256], [200, 256], 16))
  })

  it('feeds the session its pooled input buffer: one allocation for a sequence of frames', async () => {
    const net = await openImageBackbone(createTestContext({ stage: 'backbone', models: store.models }), { plugin: 'radio', model: 'radio-v2.5-b', role: 'features' })
    try {
      const grids = []
      for (let i = 0; i < 3; i++) grids.push(await net.run(noise()))
      expect(grids[2]!.data).toEqual(grids[0]!.data)
      expect(grids[2]!.data).not.toBe(grids[0]!.data)
      expect(await net.session.bufferStats()).toMatchObject({ inputsAllocated: 1, inputsReused: 2 })
    } finally {
      await net.dispose()
    }
  })

  it('fingerprints the model by its manifest sha256, so another export gets another cache key', async () => {
    const sha = createHash('sha256').update(readFileSync(join(contract.dir, 'plaf-model.json'))).digest('hex')
    const other = store.addRadio({ name: 'radio-other', inputSize: 64, featureDim: 24, backboneDim: 16, seed: 99 })
    const fp = async (model: string) => {
      const opts = validateOptions(radioBackbone, { model }).value as unknown as RadioOptions
      const inst = await radioBackbone.create(opts, createTestContext({ stage: 'backbone', models: store.models }))
      await inst.dispose?.()
      return inst.fingerprint
    }
    expect(await fp('radio-v2.5-b')).toBe(`radio-v2.5-b@1.0.0 sha256:${sha}`)
    expect(await fp('radio-other')).toBe(`radio-other@1.0.0 sha256:${createHash('sha256').update(readFileSync(join(other.dir, 'plaf-model.json'))).digest('hex')}`)
  })
})
