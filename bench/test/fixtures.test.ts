import { describe, expect, it } from 'vitest'
import { maskPixels, syntheticMap, syntheticMasks, unitRows } from '../src/fixtures.js'

describe('syntheticMasks', () => {
  it('gives K bbox-cropped masks inside the image whose area is their set-pixel count, deterministically', () => {
    const set = syntheticMasks(3, 64, 48, 40)
    expect(set.masks).toHaveLength(40)
    for (const m of set.masks) {
      const [x, y, w, h] = m.bbox
      expect(x >= 0 && y >= 0 && x + w <= 64 && y + h <= 48).toBe(true)
      expect(m.bitmap.length).toBe(w * h)
      expect(m.area).toBe(m.bitmap.reduce((s, v) => s + v, 0))
    }
    // Overlapping, as SAM's are: more mask pixels than image pixels is typical.
    expect(maskPixels(set)).toBeGreaterThan(64 * 48 * 0.5)
    expect(syntheticMasks(3, 64, 48, 40)).toEqual(set)
  })
})

describe('syntheticMap and unitRows', () => {
  it('references only existing pool rows, which are unit length', () => {
    const map = syntheticMap(1, 2000, 17, 5)
    expect(Math.max(...map.refs)).toBeLessThan(17)
    const rows = unitRows(2, 3, 5)
    for (let r = 0; r < 3; r++) expect(Math.hypot(...rows.subarray(r * 5, r * 5 + 5))).toBeCloseTo(1, 6)
  })
})
