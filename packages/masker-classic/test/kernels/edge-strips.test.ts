import { describe, expect, it } from 'vitest'
import { reassignEdgeStrips } from '../../src/kernels/edge-strips.js'

const A = [200, 40, 40]
const B = [40, 60, 210]
const C = [230, 220, 70]

/** An h×w image and label map painted by `paint(x, y)` → [label, colour]. */
function scene(h: number, w: number, paint: (x: number, y: number) => [number, number[]]) {
  const labels = new Int32Array(h * w)
  const rgb = new Uint8Array(h * w * 3)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [l, c] = paint(x, y)
      labels[y * w + x] = l
      rgb.set(c, 3 * (y * w + x))
    }
  }
  return { labels, rgb }
}

describe('reassignEdgeStrips', () => {
  // Left A (label 0) | right B (label 1), a 4×4 object C (label 2) at x 2..5, y 8..11, and a 2 px
  // strip of label 2 along the A|B edge (x 7..8, y 0..7) with the blended colours smoothing gives.
  const [h, w] = [12, 16]
  const blendA = [160, 45, 80]
  const blendB = [80, 55, 170]
  const inObject = (x: number, y: number) => x >= 2 && x <= 5 && y >= 8
  const inStrip = (x: number, y: number) => (x === 7 || x === 8) && y < 8
  const { labels, rgb } = scene(h, w, (x, y) => {
    if (inObject(x, y)) return [2, C]
    if (inStrip(x, y)) return [2, x === 7 ? blendA : blendB]
    return x < 8 ? [0, A] : [1, B]
  })

  it('moves the strip pixels to the side of nearest colour and keeps the object', () => {
    const out = reassignEdgeStrips(labels, 3, rgb, h, w)
    expect(out.count).toBe(3)
    expect(out.moved).toBe(16)
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const want = inObject(x, y) ? 2 : x < 8 ? 0 : 1
        expect(out.labels[y * w + x], `pixel (${x}, ${y})`).toBe(want)
      }
    }
    // The input is not modified.
    expect(labels[7]).toBe(2)
  })

  it('dissolves a segment that is thin everywhere and renumbers densely in raster order', () => {
    // A 1 px line (label 1) of in-between colour between A (label 0) and B (label 2).
    const line = scene(10, 10, (x) => (x < 5 ? [0, A] : x === 5 ? [1, blendA] : [2, B]))
    const out = reassignEdgeStrips(line.labels, 3, line.rgb, 10, 10)
    expect(out.count).toBe(2)
    expect(out.moved).toBe(10)
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) expect(out.labels[y * 10 + x]).toBe(x <= 5 ? 0 : 1)
  })

  it('leaves segments at least 3 px wide everywhere unchanged, also at the image border', () => {
    const bands = scene(9, 12, (x) => (x < 3 ? [0, A] : x < 6 ? [1, C] : [2, B]))
    const out = reassignEdgeStrips(bands.labels, 3, bands.rgb, 9, 12)
    expect(out.moved).toBe(0)
    expect(Array.from(out.labels)).toEqual(Array.from(bands.labels))
  })

  it('keeps a thin pixel in its own segment when its colour is nearest there', () => {
    // The strip has the object's colour: it is a thin part of the object, not a smoothing artefact.
    const own = scene(h, w, (x, y) => (inObject(x, y) || inStrip(x, y) ? [2, C] : x < 8 ? [0, A] : [1, B]))
    const out = reassignEdgeStrips(own.labels, 3, own.rgb, h, w)
    expect(out.moved).toBe(0)
  })
})
