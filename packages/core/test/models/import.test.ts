import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ModelStore, PlafError, buildModel, readTransformersLayout, type Diagnostic } from '../../src/index.js'
import { tempDir, writeModelDir, type TempDir } from '../../src/testing/index.js'
import { textTowerOnnx, thrown, tinyFiles, tinyManifest, visionTowerOnnx } from './model-fixtures.js'

const dirs: TempDir[] = []
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()))
function temp(files: Record<string, string | Uint8Array> = {}): TempDir {
  const t = tempDir('import', files)
  dirs.push(t)
  return t
}

const json = (v: unknown) => JSON.stringify(v, null, 2)
const siglipTokenizer = json({
  version: '1.0', truncation: null, padding: null,
  added_tokens: [{ id: 0, content: '<pad>' }, { id: 1, content: '</s>' }, { id: 2, content: '<unk>' }],
  model: { type: 'Unigram', unk_id: 2, vocab: [['<pad>', 0], ['</s>', 0], ['<unk>', 0], ['▁a', -1]] },
})

/** A folder as Xenova/siglip-base-patch16-224 lays it out, scaled down (D = 8, 16×16 images, patch 4). */
function siglipFolder(): TempDir {
  return temp({
    'siglip-tiny/onnx/text_model.onnx': textTowerOnnx(64, 8, 'pooler_output'),
    'siglip-tiny/onnx/text_model_quantized.onnx': textTowerOnnx(64, 8, 'pooler_output'),
    'siglip-tiny/onnx/vision_model.onnx': visionTowerOnnx(16, 8, 'pooler_output'),
    'siglip-tiny/onnx/vision_model_fp16.onnx': visionTowerOnnx(16, 8, 'pooler_output'),
    'siglip-tiny/config.json': json({ model_type: 'siglip', text_config: { hidden_size: 8, max_position_embeddings: 64 }, vision_config: { hidden_size: 8, patch_size: 4, image_size: 16 } }),
    'siglip-tiny/preprocessor_config.json': json({
      do_resize: true, size: { height: 16, width: 16 }, resample: 3, do_rescale: true, rescale_factor: 0.00392156862745098,
      do_normalize: true, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5],
    }),
    'siglip-tiny/tokenizer.json': siglipTokenizer,
    'siglip-tiny/tokenizer_config.json': json({ model_max_length: 64 }),
    'siglip-tiny/README.md': '---\nlicense: apache-2.0\nlibrary_name: transformers.js\n---\n# siglip\n',
  })
}

describe('import', () => {
  it('reads a transformers.js SigLIP folder into a manifest: graphs and I/O from the ONNX files, fp32 preferred, preprocessing and tokenizer settings', async () => {
    const t = siglipFolder()
    const store = new ModelStore(t.path('home'))
    const m = await store.import(t.path('siglip-tiny'), { layout: 'transformers.js' })
    const { files, version, ...rest } = m.manifest
    expect(version).toMatch(/^sha-[0-9a-f]{12}$/)
    expect(m.ref).toBe(`siglip-tiny@${version}`)
    expect(rest).toEqual({
      format: 1, name: 'siglip-tiny', licence: { id: 'apache-2.0' }, family: 'siglip',
      source: { notes: 'imported from a transformers.js layout folder; graph text: imported onnx/text_model.onnx (fp32); not imported: text_model_quantized.onnx (q8); graph vision: imported onnx/vision_model.onnx (fp32); not imported: vision_model_fp16.onnx (fp16)' },
      graphs: {
        text: {
          file: 'onnx/text_model.onnx',
          inputs: [{ name: 'input_ids', dtype: 'int64', shape: ['batch_size', 64], role: 'input_ids' }],
          outputs: [{ name: 'pooler_output', dtype: 'float32', shape: ['batch_size', 8], role: 'text_embeds' }],
        },
        vision: {
          file: 'onnx/vision_model.onnx',
          inputs: [{ name: 'pixel_values', dtype: 'float32', shape: ['batch_size', 3, 16, 16], role: 'image' }],
          outputs: [{ name: 'pooler_output', dtype: 'float32', shape: ['batch_size', 8], role: 'image_embeds' }],
        },
      },
      image: {
        patch_size: 4, feature_dim: 8, backbone_dim: 8, embedding_space: 'siglip-tiny',
        preprocessing: { input_size: [16, 16], resize: 'squash', scale: 0.00392156862745098, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], channel_order: 'rgb' },
      },
      text: {
        feature_dim: 8, embedding_space: 'siglip-tiny',
        tokenizer: { file: 'tokenizer.json', config_file: 'tokenizer_config.json', context_length: 64, pad_id: 1, clean: 'siglip', eos_id: 1 },
      },
    })
    expect(files.map((f) => f.path)).toEqual(['onnx/text_model.onnx', 'onnx/vision_model.onnx', 'config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'])
    expect(files[4]!.bytes).toBe(Buffer.byteLength(siglipTokenizer))
    expect((await store.verify(m.ref))[0]!.diagnostics).toEqual([])
    expect((await store.info(m.ref)).diagnostics).toEqual([])
    // the same folder imports to the same version
    expect((await store.import(t.path('siglip-tiny'))).ref).toBe(m.ref)
    expect(store.list().models).toHaveLength(1)
  })

  it('CLIP: 77 tokens, pad and eos from tokenizer.json, eos kept on truncation; SAM: longest-side resize with padding', () => {
    const t = temp({
      'clip/onnx/text_model.onnx': textTowerOnnx(77, 8, 'text_embeds'),
      'clip/config.json': json({ model_type: 'clip', projection_dim: 8, text_config: { max_position_embeddings: 77, eos_token_id: 2 } }),
      'clip/tokenizer.json': json({ added_tokens: [{ id: 49406, content: '<|startoftext|>' }, { id: 49407, content: '<|endoftext|>' }], padding: { pad_id: 49407 } }),
      'sam/onnx/vision_encoder.onnx': visionTowerOnnx(32, 4, 'image_embeddings'),
      'sam/config.json': json({ model_type: 'sam', vision_config: { patch_size: 16, hidden_size: 16, output_channels: 4 } }),
      'sam/preprocessor_config.json': json({ size: { longest_edge: 32 }, do_pad: true, rescale_factor: 0.00392156862745098, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] }),
    })
    const clip = readTransformersLayout(t.path('clip'))
    expect([clip.family, clip.licence, clip.text, Object.keys(clip.graphs), clip.graphs.text!.outputs]).toEqual([
      'clip', 'NOASSERTION',
      { feature_dim: 8, tokenizer: { file: 'tokenizer.json', context_length: 77, pad_id: 49407, clean: 'clip', keep_eos_on_truncate: true, eos_id: 49407 } },
      ['text'], [{ name: 'text_embeds', dtype: 'float32', shape: ['batch_size', 8], role: 'text_embeds' }],
    ])
    const sam = readTransformersLayout(t.path('sam'))
    expect([sam.family, Object.keys(sam.graphs), sam.image]).toEqual(['sam', ['image_encoder'], {
      patch_size: 16, feature_dim: 4, backbone_dim: 16,
      preprocessing: { input_size: [32, 32], resize: 'longest-side', scale: 0.00392156862745098, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channel_order: 'rgb', pad_value: 0 },
    }])
  })

  it('--family is honoured without config.json (SAM: dim and patch from the encoder\'s own I/O); a model lacking what its graphs need is refused at import', async () => {
    // a SAM-like encoder: pixel_values [1, 3, 32, 32] → 16-px average pool → image_embeddings [1, 3, 2, 2]
    const encoder = buildModel({
      inputs: [{ name: 'pixel_values', type: 'float32', shape: [1, 3, 32, 32] }],
      outputs: [{ name: 'image_embeddings', type: 'float32', shape: [1, 3, 2, 2] }],
      nodes: [{ op: 'AveragePool', inputs: ['pixel_values'], outputs: ['image_embeddings'], attributes: { kernel_shape: [16, 16], strides: [16, 16] } }],
    })
    const pre = json({ size: { longest_edge: 32 }, do_pad: true, rescale_factor: 0.00392156862745098, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] })
    const t = temp({
      'bare/onnx/vision_encoder.onnx': encoder, 'bare/preprocessor_config.json': pre,
      'novision/onnx/vision_encoder.onnx': encoder, 'novision/config.json': json({ model_type: 'sam' }), 'novision/preprocessor_config.json': pre,
      'nopre/onnx/vision_encoder.onnx': encoder, 'nopre/config.json': json({ model_type: 'sam', vision_config: { patch_size: 16, output_channels: 3 } }),
      'notok/onnx/text_model.onnx': textTowerOnnx(64, 8, 'pooler_output'), 'notok/config.json': json({ model_type: 'siglip', text_config: { hidden_size: 8 } }),
    })
    const store = new ModelStore(t.path('home'))
    const m = await store.import(t.path('bare'), { layout: 'transformers.js', name: 'sam-vit-b', family: 'sam' })
    expect([m.manifest.family, m.manifest.image?.feature_dim, m.manifest.image?.patch_size, m.manifest.image?.preprocessing.resize]).toEqual(['sam', 3, 16, 'longest-side'])
    expect(m.manifest.source.notes).toContain('config.json has no vision_config: feature dim 3 and patch 16 read from onnx/vision_encoder.onnx')
    // without --family the missing config.json is still the error
    expect((await thrown(store.import(t.path('bare'), { layout: 'transformers.js', name: 'x' })))[0]!.message).toBe(`${t.path('bare')} has no config.json, so the model family is unknown`)
    // a model_type sam config without vision_config: the encoder's own I/O gives it too
    expect((await store.import(t.path('novision'), { layout: 'transformers.js', name: 'sam-b2' })).manifest.image?.feature_dim).toBe(3)
    const noPre = await thrown(store.import(t.path('nopre'), { layout: 'transformers.js', name: 'sam-b3' }))
    expect(noPre.map((d) => [d.code, d.message, d.file])).toEqual([['PLAF_MODEL_INVALID',
      `${t.path('nopre')}: onnx/vision_encoder.onnx takes an image, but ${t.path('nopre', 'preprocessor_config.json')} has no file, so the sam model would have no image.preprocessing`, t.path('nopre', 'preprocessor_config.json')]])
    const noTok = await thrown(store.import(t.path('notok'), { layout: 'transformers.js', name: 'st' }))
    expect(noTok[0]!.message).toBe(`${t.path('notok')}: onnx/text_model.onnx takes token ids, but ${t.path('notok', 'tokenizer.json')} is missing, so the siglip model would have no text tokenizer`)
    expect(store.list().models.map((x) => x.ref).sort()).toEqual(['sam-b2@' + store.list().models.find((x) => x.manifest.name === 'sam-b2')!.manifest.version, 'sam-vit-b@' + m.manifest.version].sort())
  })

  it('a plaf folder is checked before it is copied: a declared I/O that differs from the ONNX file names the tensor', async () => {
    const parts = tinyManifest()
    parts.graphs.vision!.inputs[0]!.dtype = 'float16'
    const t = temp()
    writeModelDir(t.path('src'), parts, tinyFiles())
    const store = new ModelStore(t.path('home'))
    let d: Diagnostic[] = []
    await store.import(t.path('src')).catch((e: PlafError) => (d = e.diagnostics))
    expect(d).toEqual([{
      code: 'PLAF_MODEL_IO_MISMATCH', severity: 'error',
      message: 'model tiny-radio@1.0.0, graph "vision" (onnx/vision.onnx): input "image" is declared float16 [1, 3, 32, 32] but the ONNX file has float32 [1, 3, 32, 32]',
      file: t.path('src', 'plaf-model.json'), path: 'graphs.vision.inputs[0]', line: 18, column: 9, expected: 'float16 [1, 3, 32, 32]', actual: 'float32 [1, 3, 32, 32]',
    }])
    expect(store.list().models).toEqual([])
    writeModelDir(t.path('src'), tinyManifest(), tinyFiles())
    const m = await store.import(t.path('src'))
    expect(readFileSync(join(m.dir, 'plaf-model.json'), 'utf8')).toBe(readFileSync(t.path('src', 'plaf-model.json'), 'utf8'))
  })
})
