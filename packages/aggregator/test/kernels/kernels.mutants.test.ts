import { mulberry32, type Mask } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { axisSampling } from '../../src/kernels/axis-sampling.js'
import { innerProductTables } from '../../src/kernels/inner-products.js'
import { accumulateMaskWeights } from '../../src/kernels/mask-weights.js'
import { pixelSums } from '../../src/kernels/pixel-sums.js'

// Kernel contracts checked against naive definitions, cell by cell (written to kill the mutants
// `npm run mutate` found surviving; see docs/testing.md).

const randomGrid = (rand: () => number, h: number, w: number, d: number) => Float32Array.from({ length: h * w * d }, () => rand() * 2 - 1)

describe('innerProductTables, every table at every cell of the edge-padded grid', () => {
  for (const [h, w, d] of [[4, 5, 3], [1, 4, 2], [4, 1, 2], [1, 1, 3]]) {
    it(`${h}×${w}×${d}`, () => {
      const f = randomGrid(mulberry32(h * 31 + w), h, w, d)
      const cell = (y: number, x: number) => Array.from(f.subarray((y * w + x) * d, (y * w + x + 1) * d))
      const dot = (p: number[], q: number[]) => p.reduce((s, v, k) => s + v * q[k], 0)
      const t = innerProductTables(f, h, w, d)
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const [x1, y1] = [Math.min(x + 1, w - 1), Math.min(y + 1, h - 1)]
          const c = y * w + x
          expect(t.self[c]).toBeCloseTo(dot(cell(y, x), cell(y, x)), 12)
          expect(t.right[c]).toBeCloseTo(dot(cell(y, x), cell(y, x1)), 12)
          expect(t.down[c]).toBeCloseTo(dot(cell(y, x), cell(y1, x)), 12)
          expect(t.diag[c]).toBeCloseTo(dot(cell(y, x), cell(y1, x1)), 12)
          expect(t.anti[c]).toBeCloseTo(dot(cell(y, x1), cell(y1, x)), 12)
        }
      }
    })
  }
})

describe('accumulateMaskWeights', () => {
  it('adds Σ_p w(p, cell)/n(p) over the mask onto the row at its offset and returns the mask pixel count', () => {
    const rand = mulberry32(5)
    const [h, w, H, W] = [3, 4, 11, 13]
    const xs = axisSampling(W, w / W, (0.5 * w) / W - 0.5, w)
    const ys = axisSampling(H, h / H, (0.5 * h) / H - 0.5, h)
    // Some pixels have a zero feature (1/n = 0): they count as mask pixels but add nothing.
    const invNorm = Float32Array.from({ length: H * W }, () => (rand() < 0.2 ? 0 : 0.5 + rand()))
    const [bx, by, bw, bh] = [2, 3, 7, 6]
    const bitmap = Uint8Array.from({ length: bw * bh }, () => (rand() < 0.7 ? 1 : 0))
    const mask: Mask = { bbox: [bx, by, bw, bh], area: 0, bitmap, predictedIou: 1, stabilityScore: 1 }
    const offset = 2 * h * w
    const row = new Float64Array(4 * h * w).fill(0.25)

    const count = accumulateMaskWeights(mask, pixelSums(invNorm, W, H, xs), W, ys, xs, w, row, offset)

    const want = new Float64Array(4 * h * w).fill(0.25)
    let pixels = 0
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inside = x >= bx && x < bx + bw && y >= by && y < by + bh && bitmap[(y - by) * bw + (x - bx)] === 1
        if (!inside) continue
        pixels++
        // Dense bilinear weight of every grid cell for pixel (x, y).
        for (let gy = 0; gy < h; gy++) {
          for (let gx = 0; gx < w; gx++) {
            const wy = (gy === ys.i0[y] ? 1 - ys.t[y] : 0) + (gy === ys.i1[y] ? ys.t[y] : 0)
            const wx = (gx === xs.i0[x] ? 1 - xs.t[x] : 0) + (gx === xs.i1[x] ? xs.t[x] : 0)
            want[offset + gy * w + gx] += wy * wx * invNorm[y * W + x]
          }
        }
      }
    }
    expect(count).toBe(pixels)
    expect(pixels).toBeGreaterThan(0)
    for (let i = 0; i < row.length; i++) expect(row[i], `entry ${i}`).toBeCloseTo(want[i], 12)
  })

  it('returns 0 for an empty mask and leaves the row alone', () => {
    const s = axisSampling(4, 0.5, -0.25, 2)
    const row = new Float64Array(4)
    const mask: Mask = { bbox: [0, 0, 0, 0], area: 0, bitmap: new Uint8Array(0), predictedIou: 1, stabilityScore: 1 }
    expect(accumulateMaskWeights(mask, pixelSums(new Float32Array(16).fill(1), 4, 4, s), 4, s, s, 2, row, 0)).toBe(0)
    expect(Array.from(row)).toEqual([0, 0, 0, 0])
  })
})
