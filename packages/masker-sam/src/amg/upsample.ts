/** Per-output-index source taps of a 1-D linear resize: two indices and two weights. */
interface Taps {
  i0: Int32Array
  i1: Int32Array
  w0: Float32Array
  w1: Float32Array
}

/**
 * PyTorch's `F.interpolate(mode='bilinear', align_corners=False)` taps along one axis for an
 * output size given explicitly: scale = in/out in float32, source = max(0, scale·(d + ½) − ½)
 * rounded to float32, as PyTorch does for float tensors.
 */
export function linearTaps(inSize: number, outSize: number, count = outSize): Taps {
  const scale = Math.fround(inSize / outSize)
  const t: Taps = { i0: new Int32Array(count), i1: new Int32Array(count), w0: new Float32Array(count), w1: new Float32Array(count) }
  for (let d = 0; d < count; d++) {
    // The float scale times (d + 0.5) in double, rounded once to float (PyTorch's area_pixel_compute_source_index).
    const real = Math.max(0, Math.fround(scale * (d + 0.5) - 0.5))
    const i0 = Math.min(Math.trunc(real), inSize - 1)
    const l1 = Math.fround(real - i0)
    t.i0[d] = i0
    t.i1[d] = i0 < inSize - 1 ? i0 + 1 : i0
    t.w1[d] = l1
    t.w0[d] = Math.fround(1 - l1)
  }
  return t
}

/**
 * Bilinear resize (PyTorch semantics, align_corners false) of a `sh × sw` plane to `dh × dw`,
 * but only the top-left `outH × outW` corner of the result is computed (the corner a crop keeps).
 * Separable: rows first, then columns, in the order PyTorch's kernel weighs them.
 */
export function resizeBilinear(src: Float32Array, sh: number, sw: number, dh: number, dw: number, outH = dh, outW = dw, dst = new Float32Array(outH * outW), scratch?: Float32Array): Float32Array {
  const tx = linearTaps(sw, dw, outW)
  const ty = linearTaps(sh, dh, outH)
  // Only the source rows the kept output rows read.
  const rows = Math.min(sh, ty.i1[outH - 1]! + 1)
  const mid = scratch && scratch.length >= rows * outW ? scratch : new Float32Array(rows * outW)
  for (let y = 0; y < rows; y++) {
    const s = y * sw
    const m = y * outW
    for (let x = 0; x < outW; x++) mid[m + x] = tx.w0[x]! * src[s + tx.i0[x]!]! + tx.w1[x]! * src[s + tx.i1[x]!]!
  }
  for (let y = 0; y < outH; y++) {
    const a = ty.i0[y]! * outW
    const b = ty.i1[y]! * outW
    const w0 = ty.w0[y]!
    const w1 = ty.w1[y]!
    const o = y * outW
    for (let x = 0; x < outW; x++) dst[o + x] = w0 * mid[a + x]! + w1 * mid[b + x]!
  }
  return dst
}

/**
 * How a decoder's low-res logits go back to the (crop) image, inverting the encoder's resize:
 * `resize-pad` (SAM 1): the image was resized so its longest side is `padSize` and padded
 * bottom/right, so the logits are upsampled to `padSize²`, the valid `validH × validW` corner is
 * kept and resized to `outH × outW` (SAM's `postprocess_masks`); `direct` (SAM 2, squash resize):
 * one resize to `outH × outW`.
 */
export type UpsamplePlan =
  | { kind: 'resize-pad'; padSize: number; validH: number; validW: number; outH: number; outW: number }
  | { kind: 'direct'; outH: number; outW: number }

/** Upsamples one low-res logit plane (`lh × lw`) along `plan` into `out` (outH × outW). */
export function upsampleLogits(low: Float32Array, lh: number, lw: number, plan: UpsamplePlan, out = new Float32Array(plan.outH * plan.outW)): Float32Array {
  if (plan.kind === 'direct') return resizeBilinear(low, lh, lw, plan.outH, plan.outW, plan.outH, plan.outW, out)
  const valid = resizeBilinear(low, lh, lw, plan.padSize, plan.padSize, plan.validH, plan.validW)
  return resizeBilinear(valid, plan.validH, plan.validW, plan.outH, plan.outW, plan.outH, plan.outW, out)
}
