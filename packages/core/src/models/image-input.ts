import type { GridTransform, RgbImage } from '../ports.js'
import type { ImagePreprocessing } from './manifest.js'

/** How a frame is fitted to the network input (the manifest's `preprocessing.resize`). */
export type ResizePolicy = ImagePreprocessing['resize']

/**
 * Size [h, w] the image is resized to inside an input of `inputSize`, placed at the top-left:
 * - `squash`: the whole input, aspect not kept (the official PLAF/RADIO path);
 * - `pad`: the largest aspect-preserving size that fits, s = min(ih/H, iw/W), sides rounded;
 * - `longest-side`: SAM's rule, s = max(ih, iw)/max(H, W), sides ⌊H·s + 0.5⌋ (segment_anything
 *   `ResizeLongestSide.get_preprocess_shape`), clamped to the input.
 */
export function resizedSize(imageSize: readonly [number, number], policy: ResizePolicy, inputSize: readonly [number, number]): [h: number, w: number] {
  const [H, W] = imageSize
  const [ih, iw] = inputSize
  if (policy === 'squash') return [ih, iw]
  const s = policy === 'pad' ? Math.min(ih / H, iw / W) : Math.max(ih, iw) / Math.max(H, W)
  const side = (n: number, max: number): number => Math.min(max, Math.max(1, Math.floor(n * s + 0.5)))
  return [side(H, ih), side(W, iw)]
}

/**
 * The exact map from image pixels to the patch grid of a network input into which the image was
 * resized to `resized` (top-left) with bilinear, align_corners=False sampling. Image pixel x
 * sits at input coordinate u = (x + 0.5)·rw/W − 0.5 and grid coordinate (u + 0.5)/p − 0.5, so
 * ax = rw/(W·p) and bx = 0.5·ax − 0.5 (likewise for y). With padding, the image maps onto the
 * valid region only: grid columns past rw/p hold padding and no pixel centre maps into them
 * (a pixel near the edge may still take a bilinear share of the straddling cell, as the network
 * itself saw it). For `squash` this is the plain resize transform ax = w/W, bx = 0.5·w/W − 0.5.
 */
export function inputGridTransform(
  imageSize: readonly [number, number],
  inputSize: readonly [number, number],
  resized: readonly [number, number],
  patchSize: number,
): GridTransform {
  const ax = resized[1] / (imageSize[1] * patchSize)
  const ay = resized[0] / (imageSize[0] * patchSize)
  return { inputSize: [inputSize[0], inputSize[1]], imageSize: [imageSize[0], imageSize[1]], ax, bx: 0.5 * ax - 0.5, ay, by: 0.5 * ay - 0.5 }
}

/** Bilinear source taps along one axis: lower index, upper index, weight of the upper one. */
interface Taps {
  lo: Int32Array
  hi: Int32Array
  w: Float64Array
}

/**
 * torch `F.interpolate(mode='bilinear', align_corners=False, antialias=False)` taps for an output
 * size given explicitly: src = (dst + 0.5)·in/out − 0.5, negative src clamped to 0, the upper tap
 * clamped to the last index. As torch does for float32 images, the ratio in/out is a float32 and
 * the rest is computed in double: measured against torch 1.13 (97→96 rows), this reproduces its
 * output to float32 rounding, where an exact float64 ratio is off by up to 4e-6 in the weights.
 */
function bilinearTaps(inSize: number, outSize: number): Taps {
  const taps: Taps = { lo: new Int32Array(outSize), hi: new Int32Array(outSize), w: new Float64Array(outSize) }
  const ratio = Math.fround(inSize / outSize)
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(0, ratio * (d + 0.5) - 0.5)
    const lo = Math.min(inSize - 1, Math.floor(src))
    taps.lo[d] = lo
    taps.hi[d] = Math.min(inSize - 1, lo + 1)
    taps.w[d] = src - lo
  }
  return taps
}

/** The per-channel affine x·mul + add that scale, mean and std amount to, in output channel order. */
function channelAffine(pre: ImagePreprocessing): { src: Int32Array; mul: Float64Array; add: Float64Array } {
  const src = pre.channel_order === 'bgr' ? Int32Array.of(2, 1, 0) : Int32Array.of(0, 1, 2)
  const mul = new Float64Array(3)
  const add = new Float64Array(3)
  for (let c = 0; c < 3; c++) {
    // mean/std are listed in the graph's channel order (after any RGB→BGR swap), like scale.
    mul[c] = pre.scale / pre.std[c]
    add[c] = -pre.mean[c] / pre.std[c]
  }
  return { src, mul, add }
}

/** A network input ready to feed: NCHW float32 values, its dims, and where the image landed. */
export interface PreparedImage {
  /** 1×3×h×w, row-major: `out`, or the preprocessor's buffer, the same on every call with the same input size (copy it to keep it). */
  data: Float32Array
  dims: [1, 3, number, number]
  /** Size the image was resized to, at the top-left of the input. */
  resized: [h: number, w: number]
  transform: GridTransform
}

/**
 * Turns frames into network inputs exactly as a model's manifest says: bilinear resize
 * (align_corners=False, no antialias) by the resize policy, scale, mean/std, channel order, NCHW,
 * padding bottom/right with `pad_value`. The input buffer and the tap tables are kept and reused
 * while the image and input sizes stay the same, so a sequence of frames allocates nothing here.
 */
export class ImagePreprocessor {
  private buffer = new Float32Array(0)
  private tapsKey = ''
  private rows: Taps | undefined
  private cols: Taps | undefined
  private readonly affine: ReturnType<typeof channelAffine>

  constructor(
    readonly preprocessing: ImagePreprocessing,
    readonly patchSize: number,
  ) {
    this.affine = channelAffine(preprocessing)
  }

  /**
   * Prepares `rgb` for an input of `inputSize` ([h, w]); `policy` overrides the manifest's resize.
   * Writes into `out` when given (3·h·w values, e.g. a session's pooled input buffer), else into
   * the preprocessor's own buffer.
   */
  prepare(rgb: RgbImage, inputSize: readonly [number, number], policy: ResizePolicy = this.preprocessing.resize, out?: Float32Array): PreparedImage {
    const [H, W] = rgb.shape
    const [ih, iw] = inputSize
    const [rh, rw] = resizedSize([H, W], policy, inputSize)
    const key = `${H}x${W}>${rh}x${rw}`
    if (key !== this.tapsKey) {
      this.rows = bilinearTaps(H, rh)
      this.cols = bilinearTaps(W, rw)
      this.tapsKey = key
    }
    let data = out
    if (!data) {
      if (this.buffer.length !== 3 * ih * iw) this.buffer = new Float32Array(3 * ih * iw)
      data = this.buffer
    } else if (data.length !== 3 * ih * iw) {
      throw new RangeError(`ImagePreprocessor.prepare: out holds ${data.length} values, a 3×${ih}×${iw} input needs ${3 * ih * iw}`)
    }
    resizeNormalizeNchw(rgb.data, W, this.rows!, this.cols!, data, ih, iw, this.affine, this.preprocessing.pad_value ?? 0)
    return { data, dims: [1, 3, ih, iw], resized: [rh, rw], transform: inputGridTransform([H, W], [ih, iw], [rh, rw], this.patchSize) }
  }
}

/**
 * The kernel: bilinear taps from an H×W×3 uint8 image (row stride 3W) into the top-left rh×rw of
 * an ih×iw NCHW float32 buffer, each value v·mul[c] + add[c]; the rest is `pad`. Interpolation is
 * done on the raw values in float64 and the affine applied after (it is linear, so this equals
 * interpolating the scaled values as torch does, up to float32 rounding).
 */
function resizeNormalizeNchw(
  src: Uint8Array, W: number, rows: Taps, cols: Taps,
  out: Float32Array, ih: number, iw: number,
  affine: ReturnType<typeof channelAffine>, pad: number,
): void {
  const rh = rows.lo.length
  const rw = cols.lo.length
  const plane = ih * iw
  for (let c = 0; c < 3; c++) {
    const sc = affine.src[c]
    const mul = affine.mul[c]
    const add = affine.add[c]
    const base = c * plane
    for (let y = 0; y < rh; y++) {
      const r0 = rows.lo[y] * W * 3 + sc
      const r1 = rows.hi[y] * W * 3 + sc
      const ty = rows.w[y]
      const o = base + y * iw
      for (let x = 0; x < rw; x++) {
        const c0 = cols.lo[x] * 3
        const c1 = cols.hi[x] * 3
        const tx = cols.w[x]
        const top = src[r0 + c0] + (src[r0 + c1] - src[r0 + c0]) * tx
        const bottom = src[r1 + c0] + (src[r1 + c1] - src[r1 + c0]) * tx
        out[o + x] = (top + (bottom - top) * ty) * mul + add
      }
      if (rw < iw) out.fill(pad, o + rw, o + iw)
    }
    if (rh < ih) out.fill(pad, base + rh * iw, base + plane)
  }
}
