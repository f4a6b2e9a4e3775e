/**
 * IEEE 754 half-precision conversion on typed arrays (Node 20 has no Float16Array).
 * Decoding uses a 64 Ki-entry lookup table built once; encoding rounds to nearest even.
 */
let table: Float32Array | undefined

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1
  const e = (h >> 10) & 0x1f
  const m = h & 0x3ff
  if (e === 0) return s * m * 2 ** -24
  if (e === 31) return m ? NaN : s * Infinity
  return s * (1 + m / 1024) * 2 ** (e - 15)
}

/** float32 values of half-precision bit patterns. */
export function float16ToFloat32(src: Uint16Array, out = new Float32Array(src.length)): Float32Array {
  if (!table) {
    table = new Float32Array(65536)
    for (let i = 0; i < 65536; i++) table[i] = halfToFloat(i)
  }
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]]
  return out
}

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

/** Half-precision bits of one number, round to nearest even, overflow to ±Infinity. */
export function toHalfBits(value: number): number {
  f32[0] = value
  const x = u32[0]
  const sign = (x >>> 16) & 0x8000
  const exp = (x >>> 23) & 0xff
  let mant = x & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0)
  const e = exp - 127 + 15
  if (e >= 31) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign
    mant |= 0x800000
    const shift = 14 - e
    const half = 1 << (shift - 1)
    const rest = mant & ((1 << shift) - 1)
    let h = mant >>> shift
    if (rest > half || (rest === half && h & 1)) h++
    return sign | h
  }
  let h = (e << 10) | (mant >>> 13)
  const rest = mant & 0x1fff
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++
  return sign | h
}

/** Half-precision bits of float32 values. */
export function float32ToFloat16(src: Float32Array, out = new Uint16Array(src.length)): Uint16Array {
  for (let i = 0; i < src.length; i++) out[i] = toHalfBits(src[i])
  return out
}
