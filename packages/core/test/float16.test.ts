import { describe, expect, it } from 'vitest'
import { float16ToFloat32, float32ToFloat16, toHalfBits } from '../src/formats/float16.js'

describe('float16', () => {
  it('encodes known values exactly', () => {
    expect(toHalfBits(1)).toBe(0x3c00)
    expect(toHalfBits(-2)).toBe(0xc000)
    expect(toHalfBits(65504)).toBe(0x7bff)
    expect(toHalfBits(1e6)).toBe(0x7c00)
    expect(toHalfBits(2 ** -24)).toBe(0x0001)
    expect(toHalfBits(0)).toBe(0)
  })
  it('round-trips every finite half value', () => {
    const all = new Uint16Array(65536).map((_, i) => i)
    const f = float16ToFloat32(all)
    const back = float32ToFloat16(f)
    for (let i = 0; i < 65536; i++) {
      if (Number.isNaN(f[i])) continue
      expect(back[i]).toBe(i)
    }
  })
  it('rounds to nearest even', () => {
    // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties to even (1.0)
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00)
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02)
  })
})
