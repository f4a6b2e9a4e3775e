import { describe, expect, it } from 'vitest'
import { buildAssignmentLut, lutRow } from '../../src/kernels/assignment-lut.js'
import { anchorShading, SHADING_ANCHOR } from '../../src/kernels/shading-anchor.js'
import { vocabulary } from '../../src/vocabulary.js'
import { rng } from '../fixtures.js'

/**
 * Test oracle: the same rule written plainly. Surfaces are explicit member lists; the candidate
 * edges (right and lower neighbour, same tests) are joined closest chromaticity first (32
 * buckets of 0..chroma, raster order within a bucket).
 */
function naive(img: Float32Array, h: number, w: number): Float32Array {
  const { maxGain, step, chroma, minSum } = SHADING_ANCHOR
  const n = h * w
  const rgb = (i: number) => [img[3 * i], img[3 * i + 1], img[3 * i + 2]]
  const total = (i: number) => rgb(i).reduce((a, b) => a + b, 0)
  const chr = (i: number) => (total(i) > 0 ? rgb(i).map((c) => c / total(i)) : [0, 0, 0])
  const surfaceOf: number[][] = Array.from({ length: n }, (_, i) => [i])
  const mean = (s: number[]) => [0, 1, 2].map((c) => s.reduce((a, i) => a + chr(i)[c], 0) / s.length)
  const near = (a: number[], b: number[]) => a.every((x, c) => Math.abs(x - b[c]) <= chroma)
  // candidate edges in raster order (right, then lower neighbour), then joined closest first
  const cand: { p: number; q: number; bucket: number }[] = []
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x
      if (total(p) < minSum) continue
      for (const q of [x + 1 < w ? p + 1 : -1, y + 1 < h ? p + w : -1]) {
        if (q < 0) continue
        const sp = total(p), sq = total(q)
        if (sq < minSum || Math.max(sp, sq) > step * Math.min(sp, sq) || !near(chr(p), chr(q))) continue
        const dc = Math.max(...chr(p).map((c, i) => Math.abs(c - chr(q)[i])))
        cand.push({ p, q, bucket: Math.min(31, Math.floor((dc / chroma) * 32)) })
      }
    }
  }
  for (const { p, q } of [...cand].sort((a, b) => a.bucket - b.bucket)) {
    const a = surfaceOf[p], b = surfaceOf[q]
    if (a === b || !near(mean(a), mean(b))) continue
    const merged = [...a, ...b]
    for (const i of merged) surfaceOf[i] = merged
  }
  const out = new Float32Array(3 * n)
  // anchor: the brightest pixel whose neighbours up to 2 px away (4 directions) share its surface
  const interior = (i: number) => {
    const x = i % w, y = Math.floor(i / w)
    if (x < 2 || y < 2 || x >= w - 2 || y >= h - 2 || total(i) < minSum) return false
    return [-2, -1, 1, 2].every((d) => surfaceOf[i + d] === surfaceOf[i] && surfaceOf[i + d * w] === surfaceOf[i])
  }
  for (let i = 0; i < n; i++) {
    const top = Math.max(0, ...surfaceOf[i].filter(interior).map(total))
    const g = total(i) >= minSum && top > total(i) ? Math.min(top / total(i), maxGain) : 1
    for (let c = 0; c < 3; c++) out[3 * i + c] = Math.min(255, img[3 * i + c] * g)
  }
  return out
}

/** An h×w image of faces: `faceOf(x, y)` gives [rgb, brightness], plus ±2 levels of noise. */
function faces(h: number, w: number, faceOf: (x: number, y: number) => [readonly number[], number], seed = 1): Float32Array {
  const r = rng(seed)
  const img = new Float32Array(h * w * 3)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [rgb, k] = faceOf(x, y)
      const e = Math.floor(r() * 5) - 2
      for (let c = 0; c < 3; c++) img[3 * (y * w + x) + c] = Math.min(255, Math.max(0, Math.round(rgb[c] * k) + e))
    }
  }
  return img
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0)

describe('anchorShading', () => {
  it('equals the plain oracle on faces, on noise and on a shaded gradient', () => {
    const yellow = [220, 249, 42], wall = [200, 190, 170], grey = [125, 122, 118]
    const scene = faces(12, 16, (x, y) => (y < 4 ? [wall, 0.9] : x < 6 ? [yellow, 0.96] : x < 11 ? [yellow, 0.85] : [grey, 1]))
    const r = rng(3)
    const noise = Float32Array.from({ length: 9 * 11 * 3 }, () => Math.floor(r() * 256))
    const ramp = faces(6, 20, (x) => [[180, 90, 40], 0.5 + x / 40])
    for (const [img, h, w] of [[scene, 12, 16], [noise, 9, 11], [ramp, 6, 20]] as const) {
      expect(maxDiff(anchorShading(img, h, w), naive(img, h, w))).toBeLessThan(1e-3)
    }
  })

  it('restores a face in shade to its lit face, leaves other surfaces alone', () => {
    const yellow = [220, 249, 42], blue = [40, 60, 200]
    for (const k of [0.7, 0.8, 0.9]) {
      const img = faces(8, 16, (x) => (x < 6 ? [yellow, 1] : x < 12 ? [yellow, k] : [blue, 0.8]))
      const out = anchorShading(img, 8, 16)
      for (let y = 0; y < 8; y++) {
        for (let x = 6; x < 12; x++) for (let c = 0; c < 3; c++) expect(Math.abs(out[3 * (y * 16 + x) + c] - yellow[c])).toBeLessThanOrEqual(5)
        // the blue face has no brighter face of its own: it only rises to its brightest noisy pixel
        for (let x = 12; x < 16; x++) for (let c = 0; c < 3; c++) expect(Math.abs(out[3 * (y * 16 + x) + c] - blue[c] * 0.8)).toBeLessThanOrEqual(8)
      }
    }
  })

  it('keeps lightness steps shading cannot make, dark pixels, and a gain of at most 1/0.7', () => {
    // grey at half the white's intensity: a different surface, not a shadow
    const img = faces(4, 8, (x) => (x < 4 ? [[230, 230, 228], 1] : [[230, 230, 228], 0.5]))
    const out = anchorShading(img, 4, 8)
    for (let y = 0; y < 4; y++) for (let x = 4; x < 8; x++) expect(out[3 * (y * 8 + x)]).toBeLessThan(0.5 * 230 + 8)
    // black (sum < 60) is never anchored, even beside its brighter self
    const dark = faces(2, 4, (x) => [[30, 10, 10], x < 2 ? 1 : 0.8])
    expect(anchorShading(dark, 2, 4)).toEqual(dark)
    // a slow ramp chains into one surface, but no pixel gains more than maxGain
    const ramp = faces(5, 40, (x) => [[200, 100, 50], 0.4 + (0.6 * x) / 39])
    const up = anchorShading(ramp, 5, 40)
    for (let i = 0; i < ramp.length; i++) if (ramp[i] > 0) expect(up[i] / ramp[i]).toBeLessThanOrEqual(SHADING_ANCHOR.maxGain + 1e-6)
    expect(up[0] / ramp[0]).toBeCloseTo(SHADING_ANCHOR.maxGain, 5)
  })

  it('writes in place when out is img', () => {
    const img = faces(6, 6, (x) => [[200, 120, 40], x < 3 ? 1 : 0.8])
    const copy = img.slice()
    expect(anchorShading(img, 6, 6, undefined, img)).toBe(img)
    expect(maxDiff(img, anchorShading(copy, 6, 6))).toBe(0)
  })

  it('names every filed survey colour on a face at 70 % and 85 % beside its lit face as the lit face is named', () => {
    const { model, names } = vocabulary()
    const lut = buildAssignmentLut(5, model, 10)
    const top = (img: Float32Array, x0: number, x1: number) => {
      const acc = new Float64Array(lut.d)
      for (let x = x0; x < x1; x++) {
        const r = lutRow(lut, img[3 * x], img[3 * x + 1], img[3 * x + 2]) * lut.d
        for (let t = 0; t < lut.d; t++) acc[t] += lut.data[r + t]
      }
      return acc.indexOf(Math.max(...acc))
    }
    let changed = 0, bare = 0, total = 0
    for (const name of model.centreNames) {
      const rgb = names.get(name.toLowerCase().replace(/[^a-z]/g, ''))!.rgb
      for (const k of [0.7, 0.85]) {
        const img = faces(5, 16, (x) => [rgb, x < 8 ? 1 : k], total).subarray(0)
        const out = anchorShading(img, 5, 16).subarray(3 * 2 * 16, 3 * 3 * 16) // the middle row
        total++
        const mid = img.subarray(3 * 2 * 16, 3 * 3 * 16)
        if (top(out, 8, 16) !== top(mid, 0, 8)) changed++
        if (top(mid, 8, 16) !== top(mid, 0, 8)) bare++
      }
    }
    console.log('shading-anchor: top term of the shaded face differs from the lit face on', changed, 'of', total, 'faces; without the anchoring on', bare)
    expect(changed / total).toBeLessThan(0.02)
  })
})
