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
 *
 * @param out oh×ow×3 result to fill (one is allocated when not given).
 */
export function resizeBilinear(src: Uint8Array, h: number, w: number, oh: number, ow: number, out: Float32Array = new Float32Array(oh * ow * 3)): Float32Array {
  if (out.length < oh * ow * 3) throw new RangeError(`resize output holds ${out.length} values, ${oh}×${ow}×3 needs ${oh * ow * 3}`)
  const ys = axis(h, oh)
  const xs = axis(w, ow)
  // per output column: the two source offsets and both weights (1 − t taken once, as a double)
  const c0 = new Int32Array(ow)
  const c1 = new Int32Array(ow)
  const tx = new Float64Array(ow)
  const ux = new Float64Array(ow)
  for (let x = 0; x < ow; x++) {
    c0[x] = xs.i0[x] * 3
    c1[x] = xs.i1[x] * 3
    tx[x] = xs.t[x]
    ux[x] = 1 - xs.t[x]
  }
  for (let y = 0; y < oh; y++) {
    const r0 = ys.i0[y] * w * 3
    const r1 = ys.i1[y] * w * 3
    const ty = ys.t[y]
    const uy = 1 - ty
    let o = y * ow * 3
    for (let x = 0; x < ow; x++, o += 3) {
      const a = r0 + c0[x], b = r0 + c1[x], c = r1 + c0[x], e = r1 + c1[x]
      const t = tx[x], u = ux[x]
      out[o] = (src[a] * u + src[b] * t) * uy + (src[c] * u + src[e] * t) * ty
      out[o + 1] = (src[a + 1] * u + src[b + 1] * t) * uy + (src[c + 1] * u + src[e + 1] * t) * ty
      out[o + 2] = (src[a + 2] * u + src[b + 2] * t) * uy + (src[c + 2] * u + src[e + 2] * t) * ty
    }
  }
  return out
}
