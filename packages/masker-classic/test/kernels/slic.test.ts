import { describe, expect, it } from 'vitest'
import { enforceConnectivity } from '../../src/kernels/enforce-connectivity.js'
import { rgbToLab } from '../../src/kernels/rgb-to-lab.js'
import { initialCentres, slicCluster } from '../../src/kernels/slic-cluster.js'
import { rng } from '../fixtures.js'
import { naiveConnectivity, naiveSlicLabels } from '../naive-slic.js'

/** An h×w image of a few flat colour blocks plus ±amp noise. */
function blocks(h: number, w: number, amp: number, seed: number): Uint8Array {
  const r = rng(seed)
  const cols = Array.from({ length: 6 }, () => [r() * 255, r() * 255, r() * 255])
  const out = new Uint8Array(h * w * 3)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = cols[(Math.floor((3 * x) / w) + 3 * Math.floor((2 * y) / h)) % 6]!
      for (let k = 0; k < 3; k++) out[3 * (y * w + x) + k] = Math.max(0, Math.min(255, Math.round(c[k]! + (r() * 2 - 1) * amp)))
    }
  }
  return out
}

describe('rgbToLab', () => {
  it('white is L 100, black 0, both neutral; pure red is (53.24, 80.09, 67.20) as published for sRGB D65', () => {
    const lab = rgbToLab(Uint8Array.from([255, 255, 255, 0, 0, 0, 255, 0, 0]), 1, 3)
    expect(lab[0]).toBeCloseTo(100, 3)
    expect(Math.abs(lab[1]!) + Math.abs(lab[2]!)).toBeLessThan(1e-2)
    expect([lab[3], lab[4], lab[5]]).toEqual([0, 0, 0])
    expect(lab[6]).toBeCloseTo(53.24, 1)
    expect(lab[7]).toBeCloseTo(80.09, 1)
    expect(lab[8]).toBeCloseTo(67.2, 1)
  })
  it('a float (area-averaged) input gives the same values as the integer lookup', () => {
    const px = Uint8Array.from([12, 200, 77])
    expect(Array.from(rgbToLab(Float32Array.from(px), 1, 1))).toEqual(Array.from(rgbToLab(px, 1, 1)))
  })
})

describe('initialCentres', () => {
  it('puts a grid of about k centres at cell centres and moves them off an edge to the flattest 3×3 pixel', () => {
    const h = 20
    const w = 30
    const rgb = new Uint8Array(h * w * 3)
    // A vertical edge between x = 4 and 5: the first cell's centre (5, 5) has a gradient at x 4 and
    // 5 (central differences straddle the edge); x 6 is flat, first in raster order at row 4.
    for (let y = 0; y < h; y++) for (let x = 5; x < w; x++) rgb.fill(200, 3 * (y * w + x), 3 * (y * w + x) + 3)
    const { centres, step } = initialCentres(rgbToLab(rgb, h, w), h, w, 6)
    expect(step).toBeCloseTo(10, 10)
    expect(centres.length / 5).toBe(6)
    expect([centres[3], centres[4]]).toEqual([4, 6])
    // The second cell's centre (15, 5) is all flat: the 3×3's first pixel.
    expect([centres[5 + 3], centres[5 + 4]]).toEqual([4, 14])
  })
})

describe('slicCluster and enforceConnectivity against the naive SLIC', () => {
  it('give exactly the naive labels on 20 random tiny images', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(100 + seed)
      const h = 8 + Math.floor(r() * 20)
      const w = 8 + Math.floor(r() * 20)
      const k = 2 + Math.floor(r() * 12)
      const m = [1, 10, 40][seed % 3]!
      const lab = rgbToLab(blocks(h, w, 40, seed), h, w)
      const init = initialCentres(lab, h, w, k)
      const expected = naiveSlicLabels(lab, h, w, init.centres.slice(), init.step, m, 10)
      const { labels } = slicCluster(lab, h, w, init.centres, init.step, m, 10)
      expect(Array.from(labels), `seed ${seed}`).toEqual(expected)
      const minSize = Math.floor((0.5 * h * w) / (init.centres.length / 5))
      const got = enforceConnectivity(labels, h, w, minSize)
      const want = naiveConnectivity(labels, h, w, minSize)
      expect(Array.from(got.labels), `seed ${seed}`).toEqual(want.labels)
      expect(got.count).toBe(want.count)
    }
  })

  it('stops when no label changes', () => {
    const lab = rgbToLab(blocks(30, 45, 0, 3), 30, 45)
    const init = initialCentres(lab, 30, 45, 6)
    expect(slicCluster(lab, 30, 45, init.centres, init.step, 10, 50).iterations).toBeLessThan(50)
  })
})

describe('enforceConnectivity by hand', () => {
  it('splits a label in two runs, merges a run below minSize into the neighbour of its first pixel, numbers in raster order', () => {
    // 0 0 1 1
    // 2 0 1 0     label 0 appears in two runs; the single 2 merges (left/up neighbour: up, new 0)
    // 0 0 1 0
    const labels = Int32Array.from([0, 0, 1, 1, 2, 0, 1, 0, 0, 0, 1, 0])
    const { labels: out, count } = enforceConnectivity(labels, 3, 4, 2)
    expect(Array.from(out)).toEqual([0, 0, 1, 1, 0, 0, 1, 2, 0, 0, 1, 2])
    expect(count).toBe(3)
    // Without a size limit the 2 is its own segment.
    expect(enforceConnectivity(labels, 3, 4, 0).count).toBe(4)
  })
})
