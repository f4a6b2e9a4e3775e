import type { OnnxTensor, TensorSpec } from '@plaf/core'
import type { PromptBatch } from '../amg/predictor.js'

/** The ONNX export families this package reads. */
export type SamLayout = 'transformers.js' | 'sam-onnx' | 'sam2-onnx'

/** What an adapter states about its export (README table; `plaf plugins sam`). */
export interface AdapterInfo {
  layout: SamLayout
  /** Which public exports have this layout. */
  exports: string
  /** Frame of the prompt coordinates the decoder takes. */
  coordinateFrame: string
  /** Element type of the point labels. */
  labelDtype: 'int64' | 'float32'
  /** Which axis batches prompts (or none: one prompt per run). */
  batchAxis: string
  /** Resolution of the mask logits read (always the low-res output; the generator upsamples). */
  output: string
  /** Which mask outputs are the multimask ones, and which is the single mask. */
  multimask: string
}

/** A tensor the adapter needs, by role, with the public export's name as fallback. */
export interface TensorNeed {
  role: string
  name: string
  dtype: TensorSpec['dtype']
  rank: number
}

/** Decoder tensors resolved against a manifest: role → real name. */
export type Binding = Record<string, string>

/** How prompts go into one export family's decoder and how masks come out. */
export interface DecoderAdapter {
  readonly info: AdapterInfo
  /** Decoder inputs besides the encoder's outputs (points, labels, …). */
  readonly inputs: readonly TensorNeed[]
  /** Decoder outputs read: `iou_scores` and `masks` (low-res logits). */
  readonly outputs: readonly TensorNeed[]
  /** Axis of the mask/IoU outputs that counts the masks per prompt. */
  readonly maskAxis: number
  /** Most prompts one decoder run takes (1 for the official export). */
  readonly maxBatch: number
  /**
   * Feeds for n single positive points (interleaved x, y in the decoder's coordinate frame);
   * `size` is the [h, w] of the image the points are on (the official export's orig_im_size).
   */
  feeds(points: Float32Array, n: number, bind: Binding, size: [number, number]): Record<string, OnnxTensor>
}

/** Picks masks `select` (indices along the mask axis) of n prompts from decoder outputs (into `into` when it is given and they fit, else a new buffer). */
export function readMasks(iou: OnnxTensor, masks: OnnxTensor, n: number, perPrompt: number, select: readonly number[], into?: Float32Array): PromptBatch {
  const [lh, lw] = masks.dims.slice(-2) as [number, number]
  const plane = lh * lw
  const iouData = iou.data as Float32Array
  const maskData = masks.data as Float32Array
  const k = select.length
  if (k === perPrompt) return { iou: iouData, logits: maskData, k, lh, lw }
  const outIou = new Float32Array(n * k)
  const logits = into && into.length >= n * k * plane ? into.subarray(0, n * k * plane) : new Float32Array(n * k * plane)
  for (let p = 0; p < n; p++) {
    select.forEach((s, j) => {
      outIou[p * k + j] = iouData[p * perPrompt + s]!
      logits.set(maskData.subarray((p * perPrompt + s) * plane, (p * perPrompt + s + 1) * plane), (p * k + j) * plane)
    })
  }
  return { iou: outIou, logits, k, lh, lw }
}

/**
 * Which of K mask outputs per prompt are the multimask ones (SAM's AMG keeps all three) and which
 * is the single mask: K = 4 (SAM's four mask tokens): 1–3 and 0; K = 3 (exports that drop the
 * single-mask token): 0–2 and none; K = 1 (`--return-single-mask`): none and 0.
 */
export function maskSelection(perPrompt: number): { multi: number[] | null; single: number[] | null } {
  if (perPrompt === 4) return { multi: [1, 2, 3], single: [0] }
  if (perPrompt === 3) return { multi: [0, 1, 2], single: null }
  if (perPrompt === 1) return { multi: null, single: [0] }
  return { multi: null, single: null }
}
