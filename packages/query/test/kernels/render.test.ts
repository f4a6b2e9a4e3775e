import { describe, expect, it } from 'vitest'
import { JET_LUT, jetIndex } from '../../src/kernels/colormap.js'
import { heatColors, renderMask, renderOverlay, selectRows } from '../../src/kernels/render.js'

describe('jet colour map', () => {
  it('runs dark blue → cyan → yellow → dark red like matplotlib jet', () => {
    const at = (t: number) => Array.from(JET_LUT.subarray(jetIndex(t) * 3, jetIndex(t) * 3 + 3))
    expect(at(0)).toEqual([0, 0, 128])
    expect(at(1)).toEqual([128, 0, 0])
    expect(at(0.5)).toEqual([125, 255, 122]) // entry 128 = jet(128/255), rounded
    expect(at(-3)).toEqual(at(0))
  })
})

describe('render kernels', () => {
  const ids = Uint16Array.from([0, 1, 2, 2, 1, 0])
  const scores = Float32Array.from([0, 0.2, 0.9])
  const valid = Uint8Array.from([0, 1, 1])

  it('selects valid rows at or above the threshold and gathers them per pixel', () => {
    expect(Array.from(selectRows(scores, valid, 0.2))).toEqual([0, 1, 1])
    expect(Array.from(selectRows(scores, valid, -1))).toEqual([0, 1, 1]) // row 0 (no mask) never
    const m = renderMask(ids, selectRows(scores, valid, 0.5))
    expect([Array.from(m.data), m.pixels]).toEqual([[0, 0, 255, 255, 0, 0], 2])
  })

  it('colours rows by min-max over valid rows and blends only masked pixels, resizing the frame', () => {
    const heat = heatColors(scores, valid)
    expect(Array.from(heat)).toEqual([0, 0, 0, 0, 0, 128, 128, 0, 0])
    // Frame at 2× the 3×2 id map: pixel (x, y) reads frame pixel (2x + 1, 2y + 1) (round half up).
    const rgb = new Uint8Array(6 * 4 * 3)
    for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) rgb.set([x * 10, y * 10, 200], (y * 6 + x) * 3)
    const out = renderOverlay(ids, 3, 2, { data: rgb, shape: [4, 6, 3] }, heat, valid, 0.5)
    expect(Array.from(out.subarray(0, 3))).toEqual([10, 10, 200]) // id 0: frame colour
    expect(Array.from(out.subarray(3, 6))).toEqual([15, 5, 164]) // id 1: 0.5·(30,10,200) + 0.5·(0,0,128)
  })
})
