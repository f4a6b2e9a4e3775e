import { afterEach, describe, expect, it } from 'vitest'
import { PlafError, buildModel, readTransformersLayout, type Diagnostic } from '../../src/index.js'
import { tempDir, type TempDir } from '../../src/testing/index.js'

const dirs: TempDir[] = []
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()))
function temp(files: Record<string, string | Uint8Array>): TempDir {
  const t = tempDir('tjs-size', files)
  dirs.push(t)
  return t
}
const json = (v: unknown) => JSON.stringify(v)

/** A SAM-like image encoder whose pixel_values input is [1, 3, h, w] (numbers fix it, strings leave it open). */
const encoder = (h: number | string, w: number | string) => buildModel({
  inputs: [{ name: 'pixel_values', type: 'float32', shape: [1, 3, h, w] }],
  outputs: [{ name: 'image_embeddings', type: 'float32', shape: [1, 3, 2, 2] }],
  nodes: [{ op: 'AveragePool', inputs: ['pixel_values'], outputs: ['image_embeddings'], attributes: { kernel_shape: [16, 16], strides: [16, 16] } }],
})
const config = json({ model_type: 'sam', vision_config: { patch_size: 16, output_channels: 3 } })
const noSize = json({ do_pad: true, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] })
const errors = (f: () => unknown): Diagnostic[] => {
  try {
    f()
  } catch (e) {
    if (e instanceof PlafError) return e.diagnostics
    throw e
  }
  throw new Error('no error')
}

describe('transformers.js import: the image input size', () => {
  it('without size in preprocessor_config.json, is the image graph\'s fixed input (not 224 squash), with a note', () => {
    const t = temp({ 'm/onnx/vision_encoder.onnx': encoder(32, 32), 'm/config.json': config, 'm/preprocessor_config.json': noSize })
    const l = readTransformersLayout(t.path('m'))
    expect(l.image?.preprocessing).toMatchObject({ input_size: [32, 32], resize: 'longest-side' })
    expect(l.notes).toContain('preprocessor_config.json gives no size: input 32×32 (longest-side) read from onnx/vision_encoder.onnx (pixel_values [1, 3, 32, 32])')
  })

  it('is refused, naming the file, when neither the config nor the graph gives it', () => {
    const t = temp({ 'm/onnx/vision_encoder.onnx': encoder('height', 'width'), 'm/config.json': config, 'm/preprocessor_config.json': noSize })
    const [d] = errors(() => readTransformersLayout(t.path('m')))
    expect(d).toMatchObject({ code: 'PLAF_MODEL_INVALID', file: t.path('m', 'preprocessor_config.json'), path: 'size' })
    expect(d!.message).toBe(`${t.path('m', 'preprocessor_config.json')} gives no input size (size, crop_size), and neither onnx/vision_encoder.onnx (pixel_values [1, 3, height, width], not fixed) nor config.json (image_size) fixes one`)
  })

  it('a size the graph\'s fixed input contradicts is refused at import, not at the first frame', () => {
    const t = temp({ 'm/onnx/vision_encoder.onnx': encoder(32, 32), 'm/config.json': config, 'm/preprocessor_config.json': json({ size: { height: 224, width: 224 } }) })
    const [d] = errors(() => readTransformersLayout(t.path('m')))
    expect(d).toMatchObject({ code: 'PLAF_MODEL_INVALID', expected: '32×32 (the graph\'s input)', actual: '224×224' })
    expect(d!.message).toContain('takes pixel_values of fixed shape [1, 3, 32, 32]')
  })

  it('a config size with an open graph input is used as given', () => {
    const t = temp({ 'm/onnx/vision_encoder.onnx': encoder('h', 'w'), 'm/config.json': config, 'm/preprocessor_config.json': json({ size: { longest_edge: 64 } }) })
    expect(readTransformersLayout(t.path('m')).image?.preprocessing).toMatchObject({ input_size: [64, 64], resize: 'longest-side' })
  })
})
