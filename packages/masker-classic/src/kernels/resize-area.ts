/** Source spans and weights of each output cell along one axis (box filter of width in/out). */
function spans(inSize: number, outSize: number): { start: Int32Array; count: Int32Array; weight: Float64Array } {
  const scale = inSize / outSize
  const start = new Int32Array(outSize)
  const count = new Int32Array(outSize)
  const weights: number[] = []
  for (let o = 0; o < outSize; o++) {
    const lo = o * scale
    const hi = Math.min(inSize, (o + 1) * scale)
    const first = Math.floor(lo)
    const last = Math.min(inSize - 1, Math.ceil(hi) - 1)
    start[o] = first
    count[o] = last - first + 1
    for (let i = first; i <= last; i++) weights.push((Math.min(hi, i + 1) - Math.max(lo, i)) / scale)
  }
  return { start, count, weight: Float64Array.from(weights) }
}

/**
 * Area-average downscale (OpenCV INTER_AREA for shrinking) of an h×w×c interleaved image to
 * oh×ow×c: each output pixel is the mean of the source area it covers, fractional pixels weighted
 * by their overlap. Separable, columns then rows. Output sizes must not exceed the input's.
 */
export function resizeArea(src: ArrayLike<number>, h: number, w: number, c: number, oh: number, ow: number): Float32Array {
  if (oh > h || ow > w) throw new RangeError(`resizeArea only shrinks: ${h}×${w} → ${oh}×${ow}`)
  const xs = spans(w, ow)
  const ys = spans(h, oh)
  const tmp = new Float64Array(h * ow * c)
  for (let y = 0; y < h; y++) {
    let wi = 0
    for (let x = 0; x < ow; x++) {
      const o = (y * ow + x) * c
      for (let j = 0; j < xs.count[x]; j++, wi++) {
        const s = (y * w + xs.start[x] + j) * c
        const f = xs.weight[wi]
        for (let k = 0; k < c; k++) tmp[o + k] += f * src[s + k]
      }
    }
  }
  const out = new Float32Array(oh * ow * c)
  const acc = new Float64Array(ow * c)
  let wi = 0
  for (let y = 0; y < oh; y++) {
    acc.fill(0)
    for (let j = 0; j < ys.count[y]; j++, wi++) {
      const s = (ys.start[y] + j) * ow * c
      const f = ys.weight[wi]
      for (let i = 0; i < ow * c; i++) acc[i] += f * tmp[s + i]
    }
    out.set(acc, y * ow * c)
  }
  return out
}
