import { mulberry32 } from '../../src/util/random.js'
import { describe, expect, it } from 'vitest'
import { float16ToFloat32, float32ToFloat16, toHalfBits } from '../../src/formats/float16.js'

// Half-float conversion against a brute-force nearest-value search (written to kill the mutants
// `npm run mutate` found surviving; see docs/testing.md).

/** Every non-negative finite half value, in bit order (= value order), plus 2^16 standing for +Infinity. */
const halves = Array.from({ length: 0x7c01 }, (_, bits) => (bits === 0x7c00 ? 65536 : (bits >= 0x400 ? 2 ** ((bits >> 10) - 15) * (1 + (bits & 0x3ff) / 1024) : (bits & 0x3ff) * 2 ** -24)))

/** IEEE round-to-nearest-even by search: the nearest half, ties to the even bit pattern; ≥ 65520 overflows. */
function nearestHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0
  const a = Math.abs(Math.fround(x))
  let lo = 0
  let hi = halves.length - 1
  if (a >= 65536) return sign | 0x7c00
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (halves[mid] <= a) lo = mid
    else hi = mid
  }
  const dl = a - halves[lo]
  const dh = halves[hi] - a
  return sign | (dl < dh ? lo : dh < dl ? hi : lo % 2 === 0 ? lo : hi)
}

describe('toHalfBits', () => {
  it('rounds like a nearest-even search over all halves: normals, subnormals, underflow, overflow, ties', () => {
    const rand = mulberry32(12)
    const xs: number[] = [0, -0, 1, -1, 65504, 65519.99, 65520, 70000, -131071, 1e-8, -1e-8, 2 ** -25, 2 ** -25 * 1.0001, 3 * 2 ** -25, 5 * 2 ** -26]
    // Exact ties in the normal and the subnormal range, both parities.
    for (let m = 0; m < 8; m++) xs.push(1 + (2 * m + 1) * 2 ** -11, (2 * m + 1) * 2 ** -25, 2 ** -15 + (2 * m + 1) * 2 ** -25)
    for (let i = 0; i < 4000; i++) {
      const e = Math.floor(rand() * 200) - 160 // 2^-160 (float32 rounds it to 0) … 2^39 (overflow)
      xs.push((rand() < 0.5 ? -1 : 1) * (1 + rand()) * 2 ** e)
    }
    for (const x of xs) expect(toHalfBits(x), `${x}`).toBe(nearestHalf(x))
  })

  it('keeps infinities and NaN', () => {
    expect([toHalfBits(Infinity), toHalfBits(-Infinity), toHalfBits(NaN)]).toEqual([0x7c00, 0xfc00, 0x7e00])
    expect(Number.isNaN(float16ToFloat32(Uint16Array.of(0x7e00))[0])).toBe(true)
  })
})

describe('array conversions', () => {
  it('write only the first src.length entries of a longer output array', () => {
    const f = float16ToFloat32(Uint16Array.of(0x3c00, 0xc000), new Float32Array(4).fill(7))
    expect(Array.from(f)).toEqual([1, -2, 7, 7])
    const h = float32ToFloat16(Float32Array.of(1, -2), new Uint16Array(4).fill(7))
    expect(Array.from(h)).toEqual([0x3c00, 0xc000, 7, 7])
  })
})
