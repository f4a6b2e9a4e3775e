import { buildModel, type GraphValue, type ImagePreprocessing, type ModelManifest, type TensorSpec } from '@plaf/core'
import { writeModelDir } from '@plaf/core/testing'
import { GraphBuilder } from './graph-builder.js'

/** Export layouts the contract models copy (names, dtypes and shapes of the public exports). */
export type SamContractLayout = 'transformers.js' | 'sam-onnx' | 'sam2-onnx'

/** What the generated decoder computes; every field has a default. */
export interface SamContractOptions {
  layout?: SamContractLayout
  name?: string
  version?: string
  /** Model family written to the manifest (default: `sam`, or `sam2` for the SAM 2 layout). */
  family?: string
  /** Predicted IoU of each of the three multimask outputs, returned for every prompt. */
  ious?: [number, number, number]
  /** Radii (1024-frame pixels) of the discs the three masks are cut to (small, medium, whole). */
  radii?: [number, number, number]
  /** Squared colour distance (normalised units) under which an embedding cell joins the mask. */
  colourThreshold?: number
}

/** SAM's preprocessing (ImageNet mean/std on 0–255 values, longest side 1024, zero padding). */
export const SAM_PREPROCESSING: ImagePreprocessing = {
  input_size: [1024, 1024], resize: 'longest-side', scale: 1 / 255,
  mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channel_order: 'rgb', pad_value: 0,
}

const K = 3
const spec = (name: string, dtype: TensorSpec['dtype'], shape: (number | string)[], role?: string): TensorSpec => ({ name, dtype, shape, ...(role ? { role } : {}) })
const value = (t: TensorSpec): GraphValue => ({ name: t.name, type: t.dtype, shape: t.shape })

/** Graph I/O of each layout, exactly as the public exports declare it (roles added). */
export function samContractIo(layout: SamContractLayout): { encoder: { inputs: TensorSpec[]; outputs: TensorSpec[] }; decoder: { inputs: TensorSpec[]; outputs: TensorSpec[] } } {
  const emb = spec('image_embeddings', 'float32', [1, 256, 64, 64], 'image_embeddings')
  if (layout === 'transformers.js') {
    const pos = spec('image_positional_embeddings', 'float32', [1, 256, 64, 64], 'image_positional_embeddings')
    return {
      encoder: { inputs: [spec('pixel_values', 'float32', [1, 3, 1024, 1024], 'image')], outputs: [emb, pos] },
      decoder: {
        inputs: [spec('input_points', 'float32', ['batch_size', 'point_batch_size', 'nb_points_per_image', 2], 'points'), spec('input_labels', 'int64', ['batch_size', 'point_batch_size', 'nb_points_per_image'], 'labels'), emb, pos],
        outputs: [spec('iou_scores', 'float32', ['batch_size', 'point_batch_size', 3], 'iou_scores'), spec('pred_masks', 'float32', ['batch_size', 'point_batch_size', 3, 256, 256], 'masks')],
      },
    }
  }
  if (layout === 'sam-onnx') {
    return {
      encoder: { inputs: [spec('input_image', 'float32', [1, 3, 1024, 1024], 'image')], outputs: [emb] },
      decoder: {
        inputs: [emb, spec('point_coords', 'float32', [1, 'num_points', 2], 'points'), spec('point_labels', 'float32', [1, 'num_points'], 'labels'), spec('mask_input', 'float32', [1, 1, 256, 256], 'mask_input'), spec('has_mask_input', 'float32', [1], 'has_mask_input'), spec('orig_im_size', 'float32', [2], 'orig_im_size')],
        outputs: [spec('masks', 'float32', [1, 4, 'H', 'W'], 'masks_full'), spec('iou_predictions', 'float32', [1, 4], 'iou_scores'), spec('low_res_masks', 'float32', [1, 4, 256, 256], 'masks')],
      },
    }
  }
  const embed = spec('image_embed', 'float32', [1, 256, 64, 64], 'image_embeddings')
  const f0 = spec('high_res_feats_0', 'float32', [1, 32, 256, 256], 'high_res_feats_0')
  const f1 = spec('high_res_feats_1', 'float32', [1, 64, 128, 128], 'high_res_feats_1')
  return {
    encoder: { inputs: [spec('image', 'float32', [1, 3, 1024, 1024], 'image')], outputs: [f0, f1, embed] },
    decoder: {
      inputs: [embed, f0, f1, spec('point_coords', 'float32', ['num_labels', 'num_points', 2], 'points'), spec('point_labels', 'float32', ['num_labels', 'num_points'], 'labels'), spec('mask_input', 'float32', ['num_labels', 1, 256, 256], 'mask_input'), spec('has_mask_input', 'float32', ['num_labels'], 'has_mask_input')],
      outputs: [spec('masks', 'float32', ['num_labels', 3, 256, 256], 'masks'), spec('iou_predictions', 'float32', ['num_labels', 3], 'iou_scores')],
    },
  }
}

/**
 * The encoder: 16×16 average pooling of the normalised image, whose three colour channels become
 * the first 3 of 256 embedding channels (the rest 0). SAM 2 adds pooled high-resolution features.
 */
function encoderModel(layout: SamContractLayout): Uint8Array {
  const io = samContractIo(layout).encoder
  const g = new GraphBuilder()
  const x = io.inputs[0]!.name
  const widen = (pooled: string, channels: number, out: string): string => {
    const w = new Float32Array(channels * 3)
    for (let c = 0; c < 3; c++) w[c * 3 + c] = 1
    return g.op('Conv', [pooled, g.constant('float32', [channels, 3, 1, 1], w)], undefined, out)
  }
  const pool = (k: number): string => g.op('AveragePool', [x], { kernel_shape: [k, k], strides: [k, k] })
  const embName = layout === 'sam2-onnx' ? 'image_embed' : 'image_embeddings'
  widen(pool(16), 256, embName)
  if (layout === 'transformers.js') {
    // A fixed positional embedding (the decoder reads it; its values do not matter here).
    g.op('Conv', [pool(16), g.constant('float32', [256, 3, 1, 1], new Float32Array(768)), g.constant('float32', [256], Float32Array.from({ length: 256 }, (_, i) => Math.sin(i)))], undefined, 'image_positional_embeddings')
  }
  if (layout === 'sam2-onnx') {
    widen(pool(4), 32, 'high_res_feats_0')
    widen(pool(8), 64, 'high_res_feats_1')
  }
  return buildModel({ inputs: io.inputs.map(value), outputs: io.outputs.map(value), nodes: g.nodes, initializers: g.initializers, name: `${layout} encoder` })
}

/**
 * The prompt → mask computation shared by every layout, for L prompts at `pts` ([L, 2], 1024-frame
 * pixels): the colour c of the embedding cell under the point; mask k = cells within
 * `colourThreshold` of c (nearest-upsampled to 256²) and within radius r_k of the point. Logits
 * are min(20·(τ − |e − c|²), (r_k² − d²)/(2 r_k)), about the signed distance to the disc's edge
 * in 1024-frame pixels. Returns the names of logits [L,3,256,256] and IoUs [L,3].
 */
function promptMasks(g: GraphBuilder, emb: string, pts: string, o: Required<Pick<SamContractOptions, 'ious' | 'radii' | 'colourThreshold'>>): { logits: string; iou: string } {
  const e3 = g.slice(emb, 1, 0, 3)
  const flat = g.reshape(e3, [3, 64 * 64])
  const cell = g.op('Cast', [g.op('Clip', [g.op('Floor', [g.op('Div', [pts, g.scalar(16)])]), g.scalar(0), g.scalar(63)])], { to: 7 })
  const idx = g.reshape(g.op('Add', [g.op('Mul', [g.slice(cell, 1, 1, 2), g.ints([64])]), g.slice(cell, 1, 0, 1)]), [-1])
  const colour = g.reshape(g.op('Transpose', [g.op('Gather', [flat, idx], { axis: 1 })], { perm: [1, 0] }), [-1, 3, 1, 1])
  const up = g.op('Resize', [e3, '', g.constant('float32', [4], [1, 1, 4, 4])], { mode: 'nearest' })
  const diff = g.op('Sub', [up, colour])
  const dc = g.op('ReduceSum', [g.op('Mul', [diff, diff]), g.ints([1])], { keepdims: 1 })
  const centres = Float32Array.from({ length: 256 }, (_, j) => 4 * j + 1.5)
  const dx = g.op('Sub', [g.constant('float32', [1, 1, 1, 256], centres), g.reshape(g.slice(pts, 1, 0, 1), [-1, 1, 1, 1])])
  const dy = g.op('Sub', [g.constant('float32', [1, 1, 256, 1], centres), g.reshape(g.slice(pts, 1, 1, 2), [-1, 1, 1, 1])])
  const ds = g.op('Add', [g.op('Mul', [dx, dx]), g.op('Mul', [dy, dy])])
  const colourTerm = g.op('Mul', [g.op('Sub', [g.scalar(o.colourThreshold), dc]), g.scalar(20)])
  const r2 = g.constant('float32', [1, K, 1, 1], o.radii.map((r) => r * r))
  const slope = g.constant('float32', [1, K, 1, 1], o.radii.map((r) => 1 / (2 * r)))
  const spatial = g.op('Mul', [g.op('Sub', [r2, ds]), slope])
  const logits = g.op('Min', [colourTerm, spatial])
  const count = g.slice(g.op('Shape', [pts]), 0, 0, 1)
  const iou = g.op('Expand', [g.constant('float32', [1, K], o.ious), g.op('Concat', [count, g.ints([K])], { axis: 0 })])
  return { logits, iou }
}

function decoderModel(layout: SamContractLayout, o: Required<Pick<SamContractOptions, 'ious' | 'radii' | 'colourThreshold'>>): Uint8Array {
  const io = samContractIo(layout).decoder
  const g = new GraphBuilder()
  // Inputs the computation does not use still feed it a zero, so every input is read.
  const zero = io.inputs.filter((i) => !['points', 'image_embeddings'].includes(i.role!)).map((i) => g.zeroOf(i.name, i.dtype)).reduce((a, b) => g.op('Add', [a, b]))
  const embName = io.inputs.find((i) => i.role === 'image_embeddings')!.name
  if (layout === 'transformers.js') {
    // input_points [1, P, N, 2]: the first point of each of the P prompts.
    const pts = g.reshape(g.slice('input_points', 2, 0, 1), [-1, 2])
    const { logits, iou } = promptMasks(g, embName, pts, o)
    // [B, P] from the input (B = 1), so the outputs keep the export's symbolic batch dims.
    const bp = g.slice(g.op('Shape', ['input_points']), 0, 0, 2)
    g.op('Reshape', [g.op('Add', [iou, zero]), g.op('Concat', [bp, g.ints([K])], { axis: 0 })], undefined, 'iou_scores')
    g.op('Reshape', [g.op('Add', [logits, zero]), g.op('Concat', [bp, g.ints([K, 256, 256])], { axis: 0 })], undefined, 'pred_masks')
  } else if (layout === 'sam-onnx') {
    const pts = g.reshape(g.slice('point_coords', 1, 0, 1), [-1, 2])
    const { logits, iou } = promptMasks(g, embName, pts, o)
    // Output 0 is the single-mask token: here the medium mask.
    const low = g.op('Add', [g.op('Concat', [g.slice(logits, 1, 1, 2), logits], { axis: 1 }), zero], undefined, 'low_res_masks')
    g.op('Concat', [g.slice(iou, 1, 1, 2), iou], { axis: 1 }, 'iou_predictions')
    const size = g.op('Concat', [g.ints([1, 4]), g.op('Cast', [g.op('Floor', ['orig_im_size'])], { to: 7 })], { axis: 0 })
    g.op('Resize', [low, '', '', size], { mode: 'linear' }, 'masks')
  } else {
    const pts = g.reshape(g.slice('point_coords', 1, 0, 1), [-1, 2])
    const { logits, iou } = promptMasks(g, embName, pts, o)
    g.op('Add', [logits, zero], undefined, 'masks')
    g.op('Add', [iou, zero], undefined, 'iou_predictions')
  }
  return buildModel({ inputs: io.inputs.map(value), outputs: io.outputs.map(value), nodes: g.nodes, initializers: g.initializers, name: `${layout} decoder` })
}

/** File names of each layout (as the public exports name them). */
const FILES: Record<SamContractLayout, { encoder: string; decoder: string }> = {
  'transformers.js': { encoder: 'onnx/vision_encoder.onnx', decoder: 'onnx/prompt_encoder_mask_decoder.onnx' },
  'sam-onnx': { encoder: 'sam_vit_h_encoder.onnx', decoder: 'sam_vit_h_decoder.onnx' },
  'sam2-onnx': { encoder: 'sam2.1_hiera_tiny.encoder.onnx', decoder: 'sam2.1_hiera_tiny.decoder.onnx' },
}

/**
 * Writes a SAM-contract model folder (`plaf-model.json` + encoder and decoder ONNX graphs with the
 * exact I/O of the chosen public export) whose decoder really segments: for a point on a
 * flat-coloured region it returns that region cut to three discs around the point. The AMG
 * pipeline then finds the regions of a generated scene. Returns the manifest.
 */
export function writeSamContractModel(dir: string, opts: SamContractOptions = {}): ModelManifest {
  const layout = opts.layout ?? 'transformers.js'
  const o = { ious: opts.ious ?? [0.9, 0.92, 0.95], radii: opts.radii ?? [60, 180, 4096], colourThreshold: opts.colourThreshold ?? 0.3 } as const
  const io = samContractIo(layout)
  const files = FILES[layout]
  return writeModelDir(dir, {
    name: opts.name ?? (layout === 'sam2-onnx' ? 'sam2.1-hiera-tiny' : 'sam-vit-h'),
    version: opts.version ?? '1.0.0',
    description: `SAM-contract test model (${layout} layout): a colour-region decoder, not a network.`,
    licence: { id: 'Apache-2.0', commercial_use: true, note: 'generated test model' },
    source: { exported_by: 'generated by @plaf/masker-sam/testing writeSamContractModel' },
    family: opts.family ?? (layout === 'sam2-onnx' ? 'sam2' : 'sam'),
    graphs: {
      image_encoder: { file: files.encoder, ...io.encoder },
      mask_decoder: { file: files.decoder, ...io.decoder },
    },
    image: {
      patch_size: 16, feature_dim: 256, embedding_space: 'sam-prompt-embedding',
      preprocessing: layout === 'sam2-onnx' ? { ...SAM_PREPROCESSING, resize: 'squash' } : SAM_PREPROCESSING,
    },
  }, { [files.encoder]: encoderModel(layout), [files.decoder]: decoderModel(layout, o) })
}
