import type { RgbImage } from '@plaf/core'
import type { UpsamplePlan } from './upsample.js'

/** Decoder outputs for a batch of n single-point prompts, k masks per prompt (point-major). */
export interface PromptBatch {
  /** n·k predicted IoUs. */
  iou: Float32Array
  /** n·k low-res logit planes of lh×lw each, in the same order. */
  logits: Float32Array
  k: number
  lh: number
  lw: number
}

/** A crop whose image embedding is computed, ready to take prompts. */
export interface EncodedCrop {
  /**
   * Decodes n positive points, given as interleaved [x, y] in crop pixels. `into`: a buffer on a
   * SharedArrayBuffer the caller lends for the logits; when they fit, the batch's `logits` are a
   * view on it (valid until the caller lends it again), so no buffer is allocated for them.
   */
  predict(points: Float64Array, n: number, into?: Float32Array<SharedArrayBuffer>): Promise<PromptBatch>
  /** How the low-res logits map back onto the crop. */
  readonly plan: UpsamplePlan
}

/**
 * What the generator needs from a promptable segmentation model: encode an image (a crop), then
 * decode batches of single-point prompts. The ONNX adapters implement it; tests can too.
 */
export interface MaskPredictor {
  /** The model's name for messages (name@version). */
  readonly name?: string
  encode(image: RgbImage): Promise<EncodedCrop>
}

/** Milliseconds spent per step, summed over calls (filled when passed to the generator). */
export interface AmgTimings {
  encoder: number
  decoder: number
  upsample: number
  filter: number
  nms: number
  postprocess: number
}
