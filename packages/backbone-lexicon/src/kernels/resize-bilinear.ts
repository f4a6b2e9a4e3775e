/**
 * Source index and weight of each output position along one axis, with torch's
 * `F.interpolate(mode='bilinear', align_corners=False)` rule: src = (dst + 0.5)·in/out − 0.5,
 * clamped at 0 below; the upper neighbour is clamped to the last index. No antialiasing.
 */
function axis(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; t: Float32Array } {
  const i0 = new Int32Array(outSize)
  const i1 = new Int32Array(outSize)
  const t = new Float32Array(outSize)
  const scale = inSize / outSize
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(0, scale * (d + 0.5) - 0.5)
    const lo = Math.min(Math.floor(src), inSize - 1)
    i0[d] = lo
    i1[d] = lo < inSize - 1 ? lo + 1 : lo
    t[d] = src - lo
  }
  return { i0, i1, t }
}

/**
 * Bilinear resize of an H×W×3 uint8 image to oh×ow×3 float32 values in [0, 255], exactly as RADIO's
 * preprocessing does it (torch bilinear, align_corners false, no antialias, aspect not kept).
 */
export function resizeBilinear(src: Uint8Array, h: number, w: number, oh: number, ow: number): Float32Array {
  const out = new Float32Array(oh * ow * 3)
  const ys = axis(h, oh)
  const xs = axis(w, ow)
  for (let y = 0; y < oh; y++) {
    const r0 = ys.i0[y] * w * 3
    const r1 = ys.i1[y] * w * 3
    const ty = ys.t[y]
    for (let x = 0; x < ow; x++) {
      const c0 = xs.i0[x] * 3
      const c1 = xs.i1[x] * 3
      const tx = xs.t[x]
      const o = (y * ow + x) * 3
      for (let c = 0; c < 3; c++) {
        const top = src[r0 + c0 + c] * (1 - tx) + src[r0 + c1 + c] * tx
        const bottom = src[r1 + c0 + c] * (1 - tx) + src[r1 + c1 + c] * tx
        out[o + c] = top * (1 - ty) + bottom * ty
      }
    }
  }
  return out
}
