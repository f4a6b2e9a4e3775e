import { join } from 'node:path'
import { liveOnnxSessions } from '@plaf/core'
import { makeFrame } from '@plaf/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { radioBackbone } from '../src/radio.js'
import { diagnosticOf, editManifest, testStore } from './fixtures.js'

const store = testStore()
afterAll(() => store.home.cleanup())
const small = { inputSize: 64, featureDim: 24, backboneDim: 16 }
const frame = makeFrame(30, 40, (x, y) => [x * 6, y * 8, 100])
const manifestOf = (name: string) => join(store.home.dir, 'models', `${name}@1.0.0`, 'plaf-model.json')
const where = (name: string) => ({ severity: 'error', file: manifestOf(name), plugin: 'radio', stage: 'backbone' })

describe('radio errors, each a whole diagnostic', () => {
  it('adaptor none on an export without backbone features names what the manifest offers', async () => {
    store.addRadio({ ...small, name: 'radio-lang-only', withoutBackbone: true })
    expect(await diagnosticOf(radioBackbone, { model: 'radio-lang-only', adaptor: 'none' }, store.models, frame)).toEqual({
      ...where('radio-lang-only'),
      code: 'PLAF_MODEL_INVALID',
      message: 'model radio-lang-only@1.0.0 has no graph output with role "backbone_features" (chosen by adaptor: none); it offers vision.features (role features)',
      path: 'stages.backbone.with.adaptor',
      expected: 'an output with role backbone_features',
      actual: 'vision.features (role features)',
      hint: 'export the backbone features too (tools/export), or use the language-aligned output',
    })
  })

  it('a resolution other than the fixed export size is refused, naming both', async () => {
    store.addRadio(small)
    expect(await diagnosticOf(radioBackbone, { resolution: 448 }, store.models, frame)).toEqual({
      ...where('radio-v2.5-b'),
      code: 'PLAF_INVALID_OPTION',
      message: 'resolution 448 does not match model radio-v2.5-b@1.0.0, exported for a fixed 64×64 input',
      path: 'stages.backbone.with.resolution',
      expected: '64',
      actual: '448',
      hint: 'leave resolution out, or export the model at that resolution (or with symbolic H/W)',
    })
  })

  it('with symbolic H/W, a resolution that is not a patch multiple is refused', async () => {
    store.addRadio({ ...small, name: 'radio-dyn', symbolic: true })
    expect(await diagnosticOf(radioBackbone, { model: 'radio-dyn', resolution: 250 }, store.models, frame)).toEqual({
      ...where('radio-dyn'),
      code: 'PLAF_INVALID_OPTION',
      message: 'input 250×250 of model radio-dyn@1.0.0 is not a multiple of its patch size 16',
      path: 'stages.backbone.with.resolution',
      expected: 'a multiple of 16',
      actual: '250×250',
    })
  })

  it('a graph whose output differs from the manifest is caught on the first frame', async () => {
    const m = store.addRadio({ ...small, name: 'radio-wrong-d' })
    editManifest(m.dir, (man) => {
      man.image!.feature_dim = 20
      man.graphs.vision!.outputs[0]!.shape = [1, 4, 4, 20]
    })
    expect(await diagnosticOf(radioBackbone, { model: 'radio-wrong-d' }, store.models, frame)).toEqual({
      ...where('radio-wrong-d'),
      code: 'PLAF_MODEL_IO_MISMATCH',
      message: 'model radio-wrong-d@1.0.0: graph vision returned float32 [1, 4, 4, 24] for output features, expected float32 [1, 4, 4, 20] (nhwc: 64×64 input, patch 16, D 20 from the manifest)',
      frame: '000000',
      expected: '[1, 4, 4, 20]',
      actual: '[1, 4, 4, 24]',
    })
  })

  it('a manifest declaring an output shape that its own numbers contradict is refused before a session opens', async () => {
    const m = store.addRadio({ ...small, name: 'radio-bad-shape' })
    editManifest(m.dir, (man) => void (man.graphs.vision!.outputs[0]!.shape = [1, 8, 8, 24]))
    expect(await diagnosticOf(radioBackbone, { model: 'radio-bad-shape' }, store.models, frame)).toEqual({
      ...where('radio-bad-shape'),
      code: 'PLAF_MODEL_INVALID',
      message: 'model radio-bad-shape@1.0.0: output features of graph vision is declared [1, 8, 8, 24], but a 64×64 input with patch 16 and D 24 gives [1, 4, 4, 24] (nhwc)',
      expected: '[1, 4, 4, 24]',
      actual: '[1, 8, 8, 24]',
    })
  })

  it('a manifest naming a tensor the ONNX file lacks is refused, and the session it opened is closed', async () => {
    const m = store.addRadio({ ...small, name: 'radio-renamed' })
    editManifest(m.dir, (man) => void (man.graphs.vision!.outputs[0]!.name = 'lang_features'))
    const open = liveOnnxSessions()
    const onnx = join(m.dir, 'vision_64x64.onnx')
    expect(await diagnosticOf(radioBackbone, { model: 'radio-renamed' }, store.models, frame)).toEqual({
      ...where('radio-renamed'),
      file: onnx,
      code: 'PLAF_MODEL_IO_MISMATCH',
      message: `model radio-renamed@1.0.0: the manifest's output lang_features of graph vision is not in ${onnx}, which has outputs features, backbone_features`,
      expected: 'lang_features',
      actual: 'features, backbone_features',
    })
    expect(liveOnnxSessions()).toBe(open)
  })

  it('a model that is not an image model is refused', async () => {
    const m = store.addRadio({ ...small, name: 'text-only' })
    editManifest(m.dir, (man) => {
      delete man.image
      man.family = 'siglip-text'
    })
    expect(await diagnosticOf(radioBackbone, { model: 'text-only' }, store.models, frame)).toEqual({
      ...where('text-only'),
      code: 'PLAF_MODEL_INVALID',
      message: 'model text-only@1.0.0 (family siglip-text) has no "image" section: it is not an image model',
      path: 'stages.backbone.with.model',
      actual: 'text-only',
    })
  })

  it('a model missing from the store is the store\'s PLAF_MODEL_MISSING, naming the model, with nothing left open', async () => {
    const open = liveOnnxSessions()
    const d = await diagnosticOf(radioBackbone, { model: 'radio-v2.5-h' }, store.models, frame)
    expect(d).toMatchObject({ code: 'PLAF_MODEL_MISSING', severity: 'error', actual: 'radio-v2.5-h' })
    expect(d.message).toContain('radio-v2.5-h')
    expect(d.hint).toContain('plaf models pull radio-v2.5-h')
    expect(liveOnnxSessions()).toBe(open)
  })
})
