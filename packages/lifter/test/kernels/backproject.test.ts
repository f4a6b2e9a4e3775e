import { describe, expect, it } from 'vitest'
import { backproject } from '../../src/kernels/backproject.js'
import { centreIndex } from '../../src/kernels/pixel-map.js'
import { pose } from '../fixtures.js'

describe('centreIndex (pixel-centre rule)', () => {
  it('maps depth to colour pixels as the ScanNet intrinsics do (scene0000_00 numbers)', () => {
    // intrinsic_depth (640×480) and intrinsic_color (1296×968) of scene0000_00.
    const d = { fx: 577.590698, cx: 318.905426, fy: 578.729797, cy: 242.683609 }
    const c = { fx: 1169.621094, cx: 646.295044, fy: 1167.105103, cy: 489.927032 }
    const xs = centreIndex(640, 1296)
    const ys = centreIndex(480, 968)
    for (let u = 0; u < 640; u++) {
      const ray = c.cx + (c.fx * (u - d.cx)) / d.fx // where the ray through depth pixel u meets the colour image
      expect(Math.abs(ray - ((u + 0.5) * 1296) / 640 + 0.5)).toBeLessThan(0.02)
      expect(Math.abs(xs[u] - ray)).toBeLessThanOrEqual(0.52)
    }
    for (let v = 0; v < 480; v++) expect(Math.abs(ys[v] - (c.cy + (c.fy * (v - d.cy)) / d.fy))).toBeLessThanOrEqual(0.52)
  })

  it('rounds (x + 0.5)·to/from − 0.5 and clamps', () => {
    expect(Array.from(centreIndex(4, 8))).toEqual([1, 3, 5, 7]) // 0.5, 2.5, 4.5, 6.5 round half up
    expect(Array.from(centreIndex(8, 4))).toEqual([0, 0, 1, 1, 2, 2, 3, 3])
    expect(Array.from(centreIndex(3, 3))).toEqual([0, 1, 2])
  })
})

describe('backproject', () => {
  it('reads ids and colours at pixel-centre-mapped pixels of any resolution', () => {
    const [W, H] = [4, 3]
    const depth = new Float32Array(W * H).fill(1)
    const [IW, IH] = [9, 7] // odd, non-integer scale
    const ids = Uint16Array.from({ length: IW * IH }, (_, i) => i + 1)
    const rgb = Uint8Array.from({ length: 2 * 2 * 3 }, (_, i) => i * 10)
    const pts = backproject(
      { depth, width: W, height: H, fx: 2, fy: 2, cx: 1.5, cy: 1, pose: pose(0, 0, [0, 0, 0]) },
      { ids, idsWidth: IW, idsHeight: IH, rgb, rgbWidth: 2, rgbHeight: 2 },
      { stride: 1, minDepth: 0.1, maxDepth: 6, keepBackground: false, maxDepthJump: 0 },
    )
    expect(pts.count).toBe(W * H)
    const mx = centreIndex(W, IW)
    const my = centreIndex(H, IH)
    expect(Array.from(mx)).toEqual([1, 3, 5, 7])
    expect(Array.from(my)).toEqual([1, 3, 5])
    for (let v = 0; v < H; v++) for (let u = 0; u < W; u++) expect(pts.ids[v * W + u]).toBe(my[v] * IW + mx[u] + 1)
    // Colour 2×2: depth column u → colour column round((u + 0.5)/2 − 0.5) = 0, 0, 1, 1.
    expect(Array.from(pts.colors.subarray(0, 12))).toEqual([0, 10, 20, 0, 10, 20, 30, 40, 50, 30, 40, 50])
  })

  it('reads colour at the right pixel of a non-square colour image of another size than the depth', () => {
    // depth 6×4, colour 9 wide × 5 high: both scales non-integer and different, so a swapped
    // width/height or x/y anywhere in the lookup picks another pixel. Each colour pixel says where it is.
    const [W, H, CW, CH] = [6, 4, 9, 5]
    const rgb = new Uint8Array(CW * CH * 3)
    for (let y = 0; y < CH; y++) for (let x = 0; x < CW; x++) rgb.set([x * 20, y * 40, 255], (y * CW + x) * 3)
    const pts = backproject(
      { depth: new Float32Array(W * H).fill(1), width: W, height: H, fx: 2, fy: 2, cx: 2.5, cy: 1.5, pose: pose(0, 0, [0, 0, 0]) },
      { ids: new Uint16Array(W * H).fill(1), idsWidth: W, idsHeight: H, rgb, rgbWidth: CW, rgbHeight: CH },
      { stride: 1, minDepth: 0.1, maxDepth: 6, keepBackground: false, maxDepthJump: 0 },
    )
    expect(pts.count).toBe(W * H)
    // The colour pixel whose centre is nearest depth pixel (u, v)'s: (u + 0.5)·CW/W − 0.5 = 1.5u + 0.25
    // and (v + 0.5)·CH/H − 0.5 = 1.25v + 0.125, rounded (no ties at these sizes).
    const want: number[] = []
    for (let v = 0; v < H; v++) for (let u = 0; u < W; u++) want.push(Math.round(1.5 * u + 0.25) * 20, Math.round(1.25 * v + 0.125) * 40, 255)
    expect(Array.from(pts.colors)).toEqual(want)
  })

  it('applies stride from pixel 0 and the camera-to-world pose', () => {
    const [W, H] = [5, 5]
    const depth = Float32Array.from({ length: 25 }, (_, i) => 1 + i / 10)
    const P = pose(1.1, 0.3, [-1, 2, 3])
    const pts = backproject(
      { depth, width: W, height: H, fx: 3, fy: 2.5, cx: 2.2, cy: 1.9, pose: P },
      { ids: new Uint16Array(25).fill(1), idsWidth: W, idsHeight: H, rgb: new Uint8Array(75), rgbWidth: W, rgbHeight: H },
      { stride: 2, minDepth: 0.1, maxDepth: 6, keepBackground: false, maxDepthJump: 0 },
    )
    expect(pts.count).toBe(9)
    let k = 0
    for (let v = 0; v < H; v += 2) {
      for (let u = 0; u < W; u += 2, k++) {
        const d = Math.fround(1 + (v * W + u) / 10)
        const c = [((u - 2.2) * d) / 3, ((v - 1.9) * d) / 2.5, d]
        for (let r = 0; r < 3; r++) {
          const want = P[4 * r] * c[0] + P[4 * r + 1] * c[1] + P[4 * r + 2] * c[2] + P[4 * r + 3]
          expect(pts.positions[k * 3 + r]).toBeCloseTo(want, 12)
        }
      }
    }
  })

  it('drops pixels on a depth discontinuity when max_depth_jump is set, keeps them when it is 0', () => {
    // A 5×1 strip: a near object (1 m) in the middle three pixels, far wall (4 m) at both ends.
    const W = 5
    const depth = Float32Array.from([4, 1, 1, 1, 4])
    const view = { depth, width: W, height: 1, fx: 1, fy: 1, cx: 2, cy: 0, pose: pose(0, 0, [0, 0, 0]) }
    const attrs = { ids: new Uint16Array(W).fill(1), idsWidth: W, idsHeight: 1, rgb: new Uint8Array(3 * W), rgbWidth: W, rgbHeight: 1 }
    const base = { stride: 1, minDepth: 0.1, maxDepth: 6, keepBackground: false }
    expect(backproject(view, attrs, { ...base, maxDepthJump: 0 }).count).toBe(5)
    const kept = backproject(view, attrs, { ...base, maxDepthJump: 0.05 })
    // only the centre pixel has no neighbour across the jump
    expect(kept.count).toBe(1)
    expect(Array.from(kept.positions)).toEqual([0, 0, 1])
    // a smooth slope within the tolerance is kept
    const slope = backproject({ ...view, depth: Float32Array.from([1, 1.02, 1.04, 1.06, 1.08]) }, attrs, { ...base, maxDepthJump: 0.05 })
    expect(slope.count).toBe(5)
  })
})
