import { describe, expect, it } from 'vitest'
import { axisSampling } from '../../src/kernels/axis-sampling.js'

/** torch upsample_bilinear2d (align_corners=False) for one axis, written the way ATen does it. */
function torchLinear(signal: number[], outSize: number): number[] {
  const inSize = signal.length
  const scale = inSize / outSize
  const out: number[] = []
  for (let x = 0; x < outSize; x++) {
    const src = Math.max((x + 0.5) * scale - 0.5, 0)
    const i0 = Math.floor(src)
    const off = i0 < inSize - 1 ? 1 : 0
    const l = src - i0
    out.push((1 - l) * signal[i0] + l * signal[i0 + off])
  }
  return out
}

describe('axisSampling', () => {
  for (const [inSize, outSize] of [[7, 53], [32, 968], [9, 61], [1, 5], [2, 3], [5, 5], [8, 3]]) {
    it(`matches torch's align_corners=False resize ${inSize} → ${outSize}`, () => {
      const signal = Array.from({ length: inSize }, (_, i) => Math.sin(i * 1.7) + i * 0.1)
      const s = axisSampling(outSize, inSize / outSize, (0.5 * inSize) / outSize - 0.5, inSize)
      const got = Array.from({ length: outSize }, (_, x) => (1 - s.t[x]) * signal[s.i0[x]] + s.t[x] * signal[s.i1[x]])
      const want = torchLinear(signal, outSize)
      for (let x = 0; x < outSize; x++) expect(got[x]).toBeCloseTo(want[x], 12)
    })
  }

  it('clamps coordinates beyond both grid edges to the edge cells', () => {
    const s = axisSampling(4, 3, -4, 3) // g = -4, -1, 2, 5
    expect(Array.from(s.i0)).toEqual([0, 0, 1, 1])
    expect(Array.from(s.i1)).toEqual([1, 1, 2, 2])
    expect(Array.from(s.t)).toEqual([0, 0, 1, 1])
  })
})
