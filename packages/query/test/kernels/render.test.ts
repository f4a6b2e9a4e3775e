import { mulberry32 } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { JET_LUT, jetIndex } from '../../src/kernels/colormap.js'
import { HIT_STYLE, heatColors, outlineMask, renderHits, renderMask, resizeNearest, selectRows } from '../../src/kernels/render.js'

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

  it('colours rows by min-max over valid rows', () => {
    expect(Array.from(heatColors(scores, valid))).toEqual([0, 0, 0, 0, 0, 128, 128, 0, 0])
  })
})

/** Naive inner contour: a mask pixel with a non-mask pixel (inside the image) within Chebyshev distance w. */
function naiveOutline(mask: Uint8Array, W: number, H: number, w: number): number[] {
  return Array.from(mask, (m, p) => {
    if (!m) return 0
    const [x, y] = [p % W, Math.floor(p / W)]
    for (let dy = -w; dy <= w; dy++) {
      for (let dx = -w; dx <= w; dx++) {
        const [u, v] = [x + dx, y + dy]
        if (u >= 0 && v >= 0 && u < W && v < H && !mask[v * W + u]) return 1
      }
    }
    return 0
  })
}

describe('outlineMask', () => {
  it('matches the naive inner contour for widths 0–3 on random blobs, and leaves the image border alone', () => {
    const rand = mulberry32(5)
    const [W, H] = [23, 17]
    const mask = Uint8Array.from({ length: W * H }, (_, p) => (Math.hypot((p % W) - 11, Math.floor(p / W) - 8) < 6 + 3 * rand() ? 1 : 0))
    for (const w of [0, 1, 2, 3]) expect(Array.from(outlineMask(mask, W, H, w)), `width ${w}`).toEqual(naiveOutline(mask, W, H, w))
    expect(Array.from(outlineMask(new Uint8Array(12).fill(1), 4, 3, 2))).toEqual(new Array(12).fill(0)) // all hit: no contour
  })
})

describe('renderHits', () => {
  it('tints hits with the fixed colour, draws their contour in it, dims the rest, resizing the frame by the pixel-centre rule', () => {
    const rand = mulberry32(11)
    const [W, H, rw, rh, rows] = [9, 7, 13, 4, 4]
    const ids = Uint16Array.from({ length: W * H }, (_, p) => ((p % W) > 2 && Math.floor(p / W) > 1 ? 1 + Math.floor(rand() * 2) : Math.floor(rand() * rows)))
    const rgb = { data: Uint8Array.from({ length: rw * rh * 3 }, () => Math.floor(rand() * 256)), shape: [rh, rw, 3] as [number, number, 3] }
    const selected = Uint8Array.from([0, 1, 1, 0])
    const style = { ...HIT_STYLE, outline: 1 }
    const { data, hit } = renderHits(ids, W, H, rgb, selected, style)
    const edge = naiveOutline(hit, W, H, 1)
    expect(edge.some((e, p) => !e && hit[p])).toBe(true) // some interior, some contour: both rules are exercised
    expect(edge.some((e) => e)).toBe(true)
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const p = y * W + x
        const sx = Math.min(rw - 1, Math.max(0, Math.floor((x + 0.5) * rw / W - 0.5 + 0.5)))
        const sy = Math.min(rh - 1, Math.max(0, Math.floor((y + 0.5) * rh / H - 0.5 + 0.5)))
        const frame = Array.from(rgb.data.subarray((sy * rw + sx) * 3, (sy * rw + sx) * 3 + 3))
        expect(hit[p]).toBe(selected[ids[p]])
        const want = edge[p] ? [...style.tint]
          : hit[p] ? frame.map((v, k) => Math.round(0.75 * v + 0.25 * style.tint[k]))
            : frame.map((v) => Math.round(0.4 * v))
        expect(Array.from(data.subarray(p * 3, p * 3 + 3)), `pixel ${x},${y}`).toEqual(want)
      }
    }
  })

  it('resizeNearest samples by the pixel-centre rule', () => {
    const src = Uint16Array.from({ length: 6 * 4 }, (_, i) => i)
    expect(Array.from(resizeNearest(src, 6, 4, 3, 2))).toEqual([7, 9, 11, 19, 21, 23])
  })
})
