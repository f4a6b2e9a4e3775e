import { mulberry32 } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { JET_LUT, jetIndex } from '../../src/kernels/colormap.js'
import { heatColors, renderMask, selectRows } from '../../src/kernels/render.js'

// Render kernels against naive references (written to kill the mutants `npm run mutate` found
// surviving; see docs/testing.md).

/** matplotlib's `_jet_data` segment table, interpolated like numpy.interp. */
const JET_DATA = {
  red: [[0, 0], [0.35, 0], [0.66, 1], [0.89, 1], [1, 0.5]],
  green: [[0, 0], [0.125, 0], [0.375, 1], [0.64, 1], [0.91, 0], [1, 0]],
  blue: [[0, 0.5], [0.11, 1], [0.34, 1], [0.65, 0], [1, 0]],
}
function interp(t: number, knots: number[][]): number {
  const j = knots.findIndex(([x]) => x >= t)
  if (j <= 0) return knots[Math.max(j, 0)][1]
  const [[x0, y0], [x1, y1]] = [knots[j - 1], knots[j]]
  return y0 + ((y1 - y0) * (t - x0)) / (x1 - x0)
}

describe('JET_LUT', () => {
  it('holds the 256 entries of matplotlib jet (knot table interpolated, ×255, rounded)', () => {
    expect(JET_LUT.length).toBe(256 * 3)
    for (let i = 0; i < 256; i++) {
      const want = [JET_DATA.red, JET_DATA.green, JET_DATA.blue].map((k) => Math.round(255 * interp(i / 255, k)))
      expect(Array.from(JET_LUT.subarray(3 * i, 3 * i + 3)), `entry ${i}`).toEqual(want)
    }
  })

  it('jetIndex clamps to [0, 1] and rounds to the nearest entry', () => {
    expect([jetIndex(-0.5), jetIndex(0), jetIndex(0.5 / 255 - 1e-9), jetIndex(0.5 / 255 + 1e-9), jetIndex(0.5), jetIndex(1), jetIndex(7)])
      .toEqual([0, 0, 0, 1, 128, 255, 255])
  })
})

describe('heatColors', () => {
  it('min-max normalises over valid rows only; invalid rows are black whatever their score', () => {
    const scores = Float32Array.from([100, 0.25, 0.5, -100, 0.75, 0.5])
    const valid = Uint8Array.from([0, 1, 1, 0, 1, 1])
    const got = heatColors(scores, valid)
    const lut = (t: number) => Array.from(JET_LUT.subarray(jetIndex(t) * 3, jetIndex(t) * 3 + 3))
    expect(Array.from(got)).toEqual([[0, 0, 0], lut(0), lut(0.5), [0, 0, 0], lut(1), lut(0.5)].flat())
  })

  it('maps a constant score to the start of the map (blue), and no valid row to all black', () => {
    const lut0 = Array.from(JET_LUT.subarray(0, 3))
    expect(Array.from(heatColors(Float32Array.from([0.3, 0.3, 9]), Uint8Array.from([1, 1, 0])))).toEqual([...lut0, ...lut0, 0, 0, 0])
    expect(Array.from(heatColors(Float32Array.from([1, 2]), Uint8Array.from([0, 0])))).toEqual([0, 0, 0, 0, 0, 0])
  })
})

describe('selectRows and renderMask', () => {
  it('a score exactly at the threshold is selected (>=); invalid rows never are', () => {
    const scores = Float32Array.from([0.5, 0.5, 0.25, 0.75])
    expect(Array.from(selectRows(scores, Uint8Array.from([0, 1, 1, 1]), 0.5))).toEqual([0, 1, 0, 1])
    expect(Array.from(selectRows(scores, Uint8Array.from([1, 1, 1, 1]), 0.75))).toEqual([0, 0, 0, 1])
  })

  it('renderMask is 255 exactly where the pixel row is selected, and counts those pixels', () => {
    const rand = mulberry32(3)
    const ids = Uint16Array.from({ length: 200 }, () => Math.floor(rand() * 6))
    const selected = Uint8Array.from([0, 1, 0, 1, 1, 0])
    const m = renderMask(ids, selected)
    const want = Array.from(ids, (id) => (selected[id] ? 255 : 0))
    expect(Array.from(m.data)).toEqual(want)
    expect(m.pixels).toBe(want.filter((v) => v === 255).length)
  })
})
