import { liveOnnxSessions, openOnnxSession } from '@plaf/core'
import { createTestContext, tempDir } from '@plaf/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from '../../src/adapters/layouts.js'
import { maskSelection, readMasks } from '../../src/adapters/types.js'
import { openSamModel } from '../../src/session.js'
import { writeSamContractModel, type SamContractLayout } from '../../src/testing/index.js'
import { quadrants, rectIou, runSam, testStore } from '../fixtures.js'

const store = testStore()
store.add({ layout: 'sam-onnx', name: 'sam-official' })
store.add({ layout: 'sam-onnx', name: 'mobile-sam', family: 'mobile-sam' })
store.add({ layout: 'sam2-onnx' })
store.add({ layout: 'transformers.js', name: 'slimsam' })
afterAll(() => store.home.cleanup())

// The contract encoder averages 16-pixel cells of the network input: quadrant edges on cell edges
// under both SAM's longest-side resize (×8) and SAM 2's squash (×8, ×10.67) give pure-colour cells.
const [H, W, SX, SY] = [96, 128, 50, 48]
const RECTS = [[0, 0, SX, SY], [SX, 0, W, SY], [0, SY, SX, H], [SX, SY, W, H]] as const

describe('contract models have the public exports\' I/O', () => {
  for (const layout of ['transformers.js', 'sam-onnx', 'sam2-onnx'] as SamContractLayout[]) {
    it(`${layout}: ONNX Runtime reads the declared names, dtypes and shapes`, async () => {
      const dir = tempDir('sam-io')
      try {
        const m = writeSamContractModel(dir.dir, { layout })
        for (const g of Object.values(m.graphs)) {
          const s = await openOnnxSession(dir.path(g.file))
          try {
            expect(s.inputs.map((i) => [i.name, i.type, i.shape])).toEqual(g.inputs.map((t) => [t.name, t.dtype, t.shape]))
            expect(s.outputs.map((o) => [o.name, o.type, o.shape])).toEqual(g.outputs.map((t) => [t.name, t.dtype, t.shape]))
          } finally {
            await s.release()
          }
        }
      } finally {
        dir.cleanup()
      }
    })
  }
})

describe('adapters', () => {
  it('state their frame, label dtype, batch axis, output and multimask outputs', () => {
    for (const a of Object.values(ADAPTERS)) for (const k of ['coordinateFrame', 'labelDtype', 'batchAxis', 'output', 'multimask'] as const) expect(a.info[k], `${a.info.layout}.${k}`).toBeTruthy()
    expect(ADAPTERS['transformers.js'].info.labelDtype).toBe('int64')
    expect(ADAPTERS['sam-onnx'].maxBatch).toBe(1)
  })

  it('feed the layout\'s tensors: transformers.js [1,P,1,2] + int64 labels; SAM with the padding point; SAM 2 batched on axis 0', () => {
    const pts = Float32Array.of(10, 20, 30, 40)
    const tj = ADAPTERS['transformers.js'].feeds(pts, 2, { points: 'input_points', labels: 'input_labels' }, [100, 200])
    expect(tj.input_points).toEqual({ type: 'float32', data: Float32Array.of(10, 20, 30, 40), dims: [1, 2, 1, 2] })
    expect(tj.input_labels).toEqual({ type: 'int64', data: BigInt64Array.of(1n, 1n), dims: [1, 2, 1] })
    const bind = { points: 'point_coords', labels: 'point_labels', mask_input: 'mask_input', has_mask_input: 'has_mask_input', orig_im_size: 'orig_im_size' }
    const one = ADAPTERS['sam-onnx'].feeds(pts, 1, bind, [100, 200])
    expect(one.point_coords).toEqual({ type: 'float32', data: Float32Array.of(10, 20, 0, 0), dims: [1, 2, 2] })
    expect(one.point_labels).toEqual({ type: 'float32', data: Float32Array.of(1, -1), dims: [1, 2] })
    expect(one.orig_im_size!.data).toEqual(Float32Array.of(100, 200))
    expect(one.has_mask_input!.data).toEqual(Float32Array.of(0))
    const two = ADAPTERS['sam2-onnx'].feeds(pts, 2, bind, [100, 200])
    expect(two.point_coords!.dims).toEqual([2, 2, 2])
    expect(two.point_labels!.data).toEqual(Float32Array.of(1, -1, 1, -1))
    expect(two.mask_input!.dims).toEqual([2, 1, 256, 256])
  })

  it('pick the multimask outputs by count: 4 → 1–3 (0 single), 3 → all, 1 → single only', () => {
    expect(maskSelection(4)).toEqual({ multi: [1, 2, 3], single: [0] })
    expect(maskSelection(3)).toEqual({ multi: [0, 1, 2], single: null })
    expect(maskSelection(1)).toEqual({ multi: null, single: [0] })
    // 2 prompts × 4 masks of 1×2: picks masks 1–3 of each prompt, in order.
    const iou = { type: 'float32' as const, data: Float32Array.of(0, 1, 2, 3, 10, 11, 12, 13), dims: [2, 4] }
    const masks = { type: 'float32' as const, data: Float32Array.from({ length: 16 }, (_, i) => i), dims: [2, 4, 1, 2] }
    const r = readMasks(iou, masks, 2, 4, [1, 2, 3])
    expect(Array.from(r.iou)).toEqual([1, 2, 3, 11, 12, 13])
    expect(Array.from(r.logits)).toEqual([2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15])
    expect([r.k, r.lh, r.lw]).toEqual([3, 1, 2])
  })
})

describe('the generator through each export layout finds the four quadrants', () => {
  for (const [model, layout] of [['sam-official', 'sam-onnx'], ['mobile-sam', 'sam-onnx'], ['sam2.1-hiera-tiny', 'sam2-onnx'], ['slimsam', 'transformers.js']] as const) {
    it(`${model} (${layout})`, async () => {
      const { set, logs } = await runSam(store.models, quadrants(H, W, SX, SY), { model, points_per_side: 6, points_per_batch: 16, pred_iou_thresh: 0.93 })
      expect(logs.join('\n')).toContain(`${layout} adapter`)
      expect(set.masks).toHaveLength(4)
      RECTS.forEach((r) => expect(Math.max(...set.masks.map((_, i) => rectIou(set, i, r))), `${model} rectangle ${r}`).toBeGreaterThan(0.95))
      expect(set.masks.every((m) => m.predictedIou === Math.fround(0.95))).toBe(true)
    })
  }

  it('multimask_output false takes the official export\'s single mask (output 0: here the medium disc)', async () => {
    const { set } = await runSam(store.models, quadrants(H, W, SX, SY), { model: 'sam-official', points_per_side: 4, multimask_output: false, pred_iou_thresh: 0 })
    expect(set.masks.length).toBeGreaterThan(0)
    expect(set.masks.every((m) => m.predictedIou === Math.fround(0.92))).toBe(true)
  })

  it('the encoder and decoder sessions are released on dispose', async () => {
    const ctx = createTestContext({ stage: 'masker', models: store.models })
    const before = liveOnnxSessions()
    const m = await openSamModel(ctx, 'slimsam', true)
    expect(liveOnnxSessions()).toBe(before + 2)
    await m.release()
    expect(liveOnnxSessions()).toBe(before)
  })
})
