import { rmSync, writeFileSync } from 'node:fs'
import { ModelStore } from '@plaf/core'
import { tempDir } from '@plaf/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { SAM_PREPROCESSING, writeSamContractModel } from '../src/testing/index.js'
import { quadrants, rectIou, runSam, testStore } from './fixtures.js'

const store = testStore()
const src = tempDir('sam-tjs')
afterAll(() => {
  store.home.cleanup()
  src.cleanup()
})

describe('a transformers.js SAM folder imported with plaf models import', () => {
  it('runs through the transformers.js adapter: roles, family and preprocessing come from the importer', async () => {
    // The folder as Xenova/sam-vit-base lays it out: onnx/*.onnx, config.json, preprocessor_config.json.
    writeSamContractModel(src.dir, { layout: 'transformers.js' })
    rmSync(src.path('plaf-model.json'))
    writeFileSync(src.path('config.json'), JSON.stringify({ model_type: 'sam', vision_config: { patch_size: 16, output_channels: 256, hidden_size: 768 } }))
    writeFileSync(src.path('preprocessor_config.json'), JSON.stringify({
      do_resize: true, size: { longest_edge: 1024 }, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true,
      image_mean: SAM_PREPROCESSING.mean, image_std: SAM_PREPROCESSING.std, do_pad: true, pad_size: { height: 1024, width: 1024 },
    }))
    const stored = await new ModelStore(store.home.dir).import(src.dir, { layout: 'transformers.js', name: 'sam-vit-b', version: '1.0.0', licence: 'Apache-2.0' })
    expect(stored.manifest.family).toBe('sam')
    expect(Object.keys(stored.manifest.graphs).sort()).toEqual(['image_encoder', 'mask_decoder'])
    const [H, W, SX, SY] = [96, 128, 50, 48]
    const { set, logs } = await runSam(store.models, quadrants(H, W, SX, SY), { model: 'sam-vit-b', points_per_side: 6, pred_iou_thresh: 0.93 })
    expect(logs.join('\n')).toContain('transformers.js adapter')
    expect(set.masks).toHaveLength(4)
    for (const r of [[0, 0, SX, SY], [SX, 0, W, SY], [0, SY, SX, H], [SX, SY, W, H]]) expect(Math.max(...set.masks.map((_, i) => rectIou(set, i, r)))).toBeGreaterThan(0.95)
  })
})
