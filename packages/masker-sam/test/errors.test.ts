import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PlafError, validateOptions, type Diagnostic } from '@plaf/core'
import { afterAll, describe, expect, it } from 'vitest'
import { checkSamOptions, type SamOptions } from '../src/options-schema.js'
import { samMasker } from '../src/plugin.js'
import { quadrants, runSam, testStore } from './fixtures.js'

const store = testStore()
const tjDir = store.add({ layout: 'transformers.js', name: 'tj' })
const radioLike = store.add({ layout: 'transformers.js', name: 'not-sam', family: 'radio' })
const badDtype = store.add({ layout: 'transformers.js', name: 'bad-labels' })
const renamed = store.add({ layout: 'sam-onnx', name: 'renamed' })
// the walkthrough's mistake: samexporter SAM 1 files labelled sam2 (and the other way round)
const sam1AsSam2 = store.add({ layout: 'sam-onnx', name: 'sam1-as-sam2', family: 'sam2' })
const sam2AsSam = store.add({ layout: 'sam2-onnx', name: 'sam2-as-sam', family: 'sam' })
afterAll(() => store.home.cleanup())

/** Edits a model's plaf-model.json in place. */
function editManifest(dir: string, edit: (m: Record<string, any>) => void): void {
  const file = join(dir, 'plaf-model.json')
  const m = JSON.parse(readFileSync(file, 'utf8'))
  edit(m)
  writeFileSync(file, JSON.stringify(m, null, 2))
}
editManifest(badDtype, (m) => void (m.graphs.mask_decoder.inputs[1].dtype = 'float32'))
editManifest(renamed, (m) => {
  m.graphs.mask_decoder.outputs[2].name = 'low_res_logits'
})

async function diagnostics(p: Promise<unknown>): Promise<Diagnostic[]> {
  try {
    await p
  } catch (e) {
    if (e instanceof PlafError) return e.diagnostics
    throw e
  }
  throw new Error('expected a PlafError')
}

const frame = quadrants(48, 64, 25, 24)
const opts = (o: Partial<SamOptions>): SamOptions => validateOptions(samMasker, o).value as unknown as SamOptions

describe('model errors are whole diagnostics', () => {
  it('unknown family', async () => {
    expect(await diagnostics(runSam(store.models, frame, { model: 'not-sam' }))).toEqual([{
      code: 'PLAF_MODEL_INVALID', severity: 'error', message: 'model not-sam@1.0.0 has family "radio", which the sam masker does not read',
      file: join(radioLike, 'plaf-model.json'), plugin: 'sam', stage: 'masker', path: 'stages.masker.with.model',
      expected: 'sam, mobile-sam, sam2, sam2.1', actual: 'radio', hint: 'name a SAM, MobileSAM or SAM 2 model (plaf models list)',
    }])
  })

  it('a family whose exports have another layout names the layout the graph has and the family that reads it', async () => {
    expect(await diagnostics(runSam(store.models, frame, { model: 'sam1-as-sam2' }))).toEqual([{
      code: 'PLAF_MODEL_INVALID', severity: 'error',
      message: 'model sam1-as-sam2@1.0.0 has family "sam2", but its mask_decoder looks like a samexporter SAM / MobileSAM export (an orig_im_size input), which is family sam or mobile-sam, not sam2',
      file: join(sam1AsSam2, 'plaf-model.json'), plugin: 'sam', stage: 'masker', path: 'stages.masker.with.model',
      expected: 'a sam2 export (sam2-onnx layout)', actual: 'sam-onnx layout (inputs image_embeddings, point_coords, point_labels, mask_input, has_mask_input, orig_im_size)',
      hint: 'set "family" to "sam" or "mobile-sam" in plaf-model.json and import it again, or export the model with the sam2 exporter',
    }])
    const [d] = await diagnostics(runSam(store.models, frame, { model: 'sam2-as-sam' }))
    expect(d).toMatchObject({ file: join(sam2AsSam, 'plaf-model.json'), message: 'model sam2-as-sam@1.0.0 has family "sam", but its mask_decoder looks like a samexporter SAM 2 export (point_coords of rank 3, no orig_im_size input), which is family sam2 or sam2.1, not sam' })
    expect(d!.message).not.toContain('come from no image_encoder output')
  })

  it('a decoder input of the wrong dtype', async () => {
    expect(await diagnostics(runSam(store.models, frame, { model: 'bad-labels' }))).toEqual([{
      code: 'PLAF_MODEL_INVALID', severity: 'error',
      message: 'model bad-labels@1.0.0 (transformers.js layout): mask_decoder input input_labels (role labels) must be int64 of rank 3; the manifest declares input_labels float32 [batch_size, point_batch_size, nb_points_per_image] (role labels)',
      file: join(badDtype, 'plaf-model.json'), plugin: 'sam', stage: 'masker',
      expected: 'input_labels: int64, rank 3', actual: 'input_labels float32 [batch_size, point_batch_size, nb_points_per_image] (role labels)',
    }])
  })

  it('a manifest output the ONNX file does not have', async () => {
    const d = await diagnostics(runSam(store.models, frame, { model: 'renamed' }))
    expect(d).toHaveLength(1)
    expect(d[0]).toMatchObject({ code: 'PLAF_MODEL_IO_MISMATCH', severity: 'error', plugin: 'sam', stage: 'masker', expected: 'low_res_logits' })
    expect(d[0]!.message).toMatch(/^model renamed@1\.0\.0: mask_decoder .*sam_vit_h_decoder\.onnx lacks output low_res_logits that the manifest declares$/)
    expect(d[0]!.actual).toContain('outputs masks, iou_predictions, low_res_masks')
  })

  it('multimask_output false on an export without a single-mask output', async () => {
    expect(await diagnostics(runSam(store.models, frame, { model: 'tj', multimask_output: false }))).toEqual([{
      code: 'PLAF_INVALID_OPTION', severity: 'error', message: 'model tj@1.0.0 (transformers.js): its decoder returns 3 mask(s) per prompt, which has no single-mask output',
      file: join(tjDir, 'plaf-model.json'), plugin: 'sam', stage: 'masker', path: 'stages.masker.with.multimask_output',
      expected: '1 or 4 masks per prompt', actual: 'pred_masks [batch_size, point_batch_size, 3, 256, 256]', hint: 'set multimask_output: true (SAM AMG keeps all three masks)',
    }])
  })
})

describe('option errors', () => {
  const check = async (o: Partial<SamOptions>) => diagnostics((async () => checkSamOptions(opts(o), 'masker'))())

  it('point_grids with a point that is not [x, y] in [0, 1] fails the schema at that point', () => {
    const v = validateOptions(samMasker, { points_per_side: null, point_grids: [[[0.5, 0.5], [0.2, 1.5]]] })
    expect(v.errors.map((e) => [e.instancePath, e.message])).toEqual([['/point_grids/0/1/1', 'must be <= 1']])
    const w = validateOptions(samMasker, { points_per_side: null, point_grids: [[[0.5]]] })
    expect(w.errors.map((e) => [e.instancePath, e.message])).toEqual([['/point_grids/0/0', 'must NOT have fewer than 2 items']])
  })

  it('point_grids together with points_per_side', async () => {
    expect(await check({ point_grids: [[[0.5, 0.5]]] })).toEqual([{
      code: 'PLAF_INVALID_OPTION', severity: 'error', message: 'point_grids replaces the regular grid: give points_per_side: null with it',
      path: 'stages.masker.with.point_grids', plugin: 'sam', stage: 'masker', expected: 'exactly one of points_per_side and point_grids', actual: 'points_per_side 32, point_grids 1 grid(s)',
    }])
    expect((await check({ points_per_side: null }))[0]!.message).toBe('give points_per_side or point_grids')
  })

  it('one grid per crop layer', async () => {
    expect(await check({ points_per_side: null, point_grids: [[[0.5, 0.5]]], crop_n_layers: 1 })).toEqual([{
      code: 'PLAF_INVALID_OPTION', severity: 'error', message: 'point_grids has 1 grid(s), but crop_n_layers 1 needs one per layer',
      path: 'stages.masker.with.point_grids', plugin: 'sam', stage: 'masker', expected: '2 grids', actual: '1',
    }])
  })

  it('crop layers without points (points_per_side / factor^layer < 1)', async () => {
    expect(await check({ points_per_side: 4, crop_n_layers: 2, crop_n_points_downscale_factor: 3 })).toEqual([{
      code: 'PLAF_INVALID_OPTION', severity: 'error', message: 'crop layer 2 gets no prompt points: layer i has points_per_side / factor^i points per side, and 4 / 3^2 = 0.444 < 1',
      path: 'stages.masker.with.crop_n_points_downscale_factor', plugin: 'sam', stage: 'masker', expected: 'a factor f with 4 / f^2 ≥ 1 (the last crop layer, 2, needs a point too): f ≤ 2', actual: '3',
      hint: 'use crop_n_points_downscale_factor ≤ 2, or crop_n_layers ≤ 1 with factor 3, or points_per_side ≥ 9',
    }])
  })

  it('the paper\'s settings (pipelines/scannet.yaml) validate', () => {
    const v = validateOptions(samMasker, { model: 'sam-vit-h', points_per_side: 16, pred_iou_thresh: 0.85, stability_score_thresh: 0.92, stability_score_offset: 1.0, box_nms_thresh: 0.7, crop_n_layers: 0, crop_n_points_downscale_factor: 2, min_mask_region_area: 200 })
    expect(v.errors).toEqual([])
    expect(() => checkSamOptions(v.value as unknown as SamOptions, 'masker')).not.toThrow()
  })
})
