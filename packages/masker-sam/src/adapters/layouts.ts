import type { OnnxTensor } from '@plaf/core'
import type { DecoderAdapter, SamLayout } from './types.js'

const f32 = (data: Float32Array, dims: number[]): OnnxTensor => ({ type: 'float32', data, dims })

/** Points [x, y] followed by SAM's padding point (0, 0) with label −1, one prompt per row. */
function padded(points: Float32Array, n: number): { coords: Float32Array; labels: Float32Array } {
  const coords = new Float32Array(n * 4)
  const labels = new Float32Array(n * 2)
  for (let i = 0; i < n; i++) {
    coords[4 * i] = points[2 * i]!
    coords[4 * i + 1] = points[2 * i + 1]!
    labels[2 * i] = 1
    labels[2 * i + 1] = -1
  }
  return { coords, labels }
}

/** transformers.js (Xenova / onnx-community SAM, SlimSAM): P prompts per run on axis 1. */
const transformersJs: DecoderAdapter = {
  info: {
    layout: 'transformers.js',
    exports: 'Xenova/sam-vit-{base,large,huge}, Xenova/slimsam-*, onnx-community SAM (vision_encoder + prompt_encoder_mask_decoder)',
    coordinateFrame: 'pixels of the 1024 input the image was resized into (longest side 1024)',
    labelDtype: 'int64',
    batchAxis: 'P, axis 1 of input_points [1, P, 1, 2] (dynamic)',
    output: 'pred_masks [1, P, 3, 256, 256] low-res logits; iou_scores [1, P, 3]',
    multimask: 'all three outputs are the multimask ones (no single-mask output)',
  },
  inputs: [{ role: 'points', name: 'input_points', dtype: 'float32', rank: 4 }, { role: 'labels', name: 'input_labels', dtype: 'int64', rank: 3 }],
  outputs: [{ role: 'iou_scores', name: 'iou_scores', dtype: 'float32', rank: 3 }, { role: 'masks', name: 'pred_masks', dtype: 'float32', rank: 5 }],
  maskAxis: 2,
  maxBatch: Infinity,
  feeds(points, n, bind) {
    // The prompt encoder pads each prompt itself (no box), so only the point goes in.
    return {
      [bind.points!]: f32(points.slice(0, 2 * n), [1, n, 1, 2]),
      [bind.labels!]: { type: 'int64', data: new BigInt64Array(n).fill(1n), dims: [1, n, 1] },
    }
  },
}

/** The official SAM export and samexporter's SAM ViT-B/L/H and MobileSAM decoders: one prompt per run. */
const samOnnx: DecoderAdapter = {
  info: {
    layout: 'sam-onnx',
    exports: 'segment-anything scripts/export_onnx_model.py (decoder), samexporter SAM ViT-B/L/H and MobileSAM (encoder + decoder)',
    coordinateFrame: 'pixels of the 1024 input the image was resized into (longest side 1024); a (0, 0) point with label −1 pads the prompt',
    labelDtype: 'float32',
    batchAxis: 'none: point_coords [1, N, 2] takes one prompt per run',
    output: 'low_res_masks [1, 4, 256, 256] logits (the full-size `masks` output is not requested); iou_predictions [1, 4]',
    multimask: 'outputs 1–3 are the multimask ones, 0 the single mask (4 outputs); an export with --return-single-mask has only the single mask',
  },
  inputs: [
    { role: 'points', name: 'point_coords', dtype: 'float32', rank: 3 }, { role: 'labels', name: 'point_labels', dtype: 'float32', rank: 2 },
    { role: 'mask_input', name: 'mask_input', dtype: 'float32', rank: 4 }, { role: 'has_mask_input', name: 'has_mask_input', dtype: 'float32', rank: 1 },
    { role: 'orig_im_size', name: 'orig_im_size', dtype: 'float32', rank: 1 },
  ],
  outputs: [{ role: 'iou_scores', name: 'iou_predictions', dtype: 'float32', rank: 2 }, { role: 'masks', name: 'low_res_masks', dtype: 'float32', rank: 4 }],
  maskAxis: 1,
  maxBatch: 1,
  feeds(points, n, bind, [h, w]) {
    const { coords, labels } = padded(points, n)
    return {
      [bind.points!]: f32(coords, [1, 2, 2]),
      [bind.labels!]: f32(labels, [1, 2]),
      [bind.mask_input!]: f32(new Float32Array(256 * 256), [1, 1, 256, 256]),
      [bind.has_mask_input!]: f32(new Float32Array(1), [1]),
      [bind.orig_im_size!]: f32(Float32Array.of(h, w), [2]),
    }
  },
}

/** samexporter's SAM 2 / 2.1 decoder: L prompts per run on axis 0. */
const sam2Onnx: DecoderAdapter = {
  info: {
    layout: 'sam2-onnx',
    exports: 'samexporter export_sam2.py, SAM 2 / 2.1 (hiera tiny/small/base+/large)',
    coordinateFrame: 'pixels of the 1024×1024 input the image was squashed into (SAM 2 does not keep the aspect); a (0, 0) point with label −1 pads each prompt',
    labelDtype: 'float32',
    batchAxis: 'L, axis 0 of point_coords [L, N, 2] (dynamic num_labels)',
    output: 'masks [L, 3, 256, 256] low-res logits; iou_predictions [L, 3]',
    multimask: 'all three outputs are the multimask ones (4 outputs: 1–3, with 0 the single mask)',
  },
  inputs: [
    { role: 'points', name: 'point_coords', dtype: 'float32', rank: 3 }, { role: 'labels', name: 'point_labels', dtype: 'float32', rank: 2 },
    { role: 'mask_input', name: 'mask_input', dtype: 'float32', rank: 4 }, { role: 'has_mask_input', name: 'has_mask_input', dtype: 'float32', rank: 1 },
  ],
  outputs: [{ role: 'iou_scores', name: 'iou_predictions', dtype: 'float32', rank: 2 }, { role: 'masks', name: 'masks', dtype: 'float32', rank: 4 }],
  maskAxis: 1,
  maxBatch: Infinity,
  feeds(points, n, bind) {
    const { coords, labels } = padded(points, n)
    return {
      [bind.points!]: f32(coords, [n, 2, 2]),
      [bind.labels!]: f32(labels, [n, 2]),
      [bind.mask_input!]: f32(new Float32Array(n * 256 * 256), [n, 1, 256, 256]),
      [bind.has_mask_input!]: f32(new Float32Array(n), [n]),
    }
  },
}

/** Every adapter by layout. */
export const ADAPTERS: Readonly<Record<SamLayout, DecoderAdapter>> = { 'transformers.js': transformersJs, 'sam-onnx': samOnnx, 'sam2-onnx': sam2Onnx }

/** Model families the `sam` masker accepts, and the layouts each may have. */
export const SAM_FAMILIES: Readonly<Record<string, readonly SamLayout[]>> = {
  sam: ['transformers.js', 'sam-onnx'],
  'mobile-sam': ['sam-onnx'],
  sam2: ['sam2-onnx'],
  'sam2.1': ['sam2-onnx'],
}
