import { describe, expect, it } from 'vitest'
import { SCANNET_COLOR_INTRINSICS, backProject, lookAtPose, projectPoint, scaleIntrinsics } from '../../src/synthetic/camera.js'

describe('lookAtPose', () => {
  it('looking along +x with z up puts image right at -y and image down at -z (data-eval §5.2)', () => {
    const p = lookAtPose([1, 2, 3], [5, 2, 3])
    // Columns of R are r, d, f.
    expect([p[0], p[4], p[8]].map((v) => v + 0)).toEqual([0, -1, 0])
    expect([p[1], p[5], p[9]].map((v) => v + 0)).toEqual([0, 0, -1])
    expect([p[2], p[6], p[10]]).toEqual([1, 0, 0])
    expect([p[3], p[7], p[11], p[15]]).toEqual([1, 2, 3, 1])
  })

  it('gives a proper rotation that projects the target onto the principal point', () => {
    const p = lookAtPose([0.3, -1, 1.5], [2, 1.4, 0.6])
    const R = [0, 1, 2].map((r) => [0, 1, 2].map((c) => p[4 * r + c]))
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      const dot = R[0][i] * R[0][j] + R[1][i] * R[1][j] + R[2][i] * R[2][j]
      expect(dot).toBeCloseTo(i === j ? 1 : 0, 12)
    }
    const det = R[0][0] * (R[1][1] * R[2][2] - R[1][2] * R[2][1]) - R[0][1] * (R[1][0] * R[2][2] - R[1][2] * R[2][0]) + R[0][2] * (R[1][0] * R[2][1] - R[1][1] * R[2][0])
    expect(det).toBeCloseTo(1, 12)
    const uv = projectPoint(SCANNET_COLOR_INTRINSICS, p, 2, 1.4, 0.6)
    expect(uv[0]).toBeCloseTo(SCANNET_COLOR_INTRINSICS.cx, 9)
    expect(uv[1]).toBeCloseTo(SCANNET_COLOR_INTRINSICS.cy, 9)
    expect(uv[2]).toBeGreaterThan(0)
  })

  it('rejects a view straight up or down', () => {
    expect(() => lookAtPose([0, 0, 2], [0, 0, 0])).toThrow(/parallel/)
  })
})

describe('scaleIntrinsics', () => {
  it("reproduces scene0000_00's intrinsic_depth.txt from intrinsic_color.txt within 0.005 px (data-eval §3.2)", () => {
    const d = scaleIntrinsics(SCANNET_COLOR_INTRINSICS, 640, 480)
    expect(d.fx).toBeCloseTo(577.590698, 3)
    expect(d.fy).toBeCloseTo(578.729797, 3)
    expect(Math.abs(d.cx - 318.905426)).toBeLessThan(0.005)
    expect(Math.abs(d.cy - 242.683609)).toBeLessThan(0.005)
    expect([d.width, d.height]).toEqual([640, 480])
  })

  it('maps pixel edges onto pixel edges (a round trip is the identity)', () => {
    const k = scaleIntrinsics(SCANNET_COLOR_INTRINSICS, 320, 240)
    // Left edge of pixel 0 is u = -0.5 in both images: same ray.
    expect((-0.5 - k.cx) / k.fx).toBeCloseTo((-0.5 - SCANNET_COLOR_INTRINSICS.cx) / SCANNET_COLOR_INTRINSICS.fx, 12)
    const back = scaleIntrinsics(k, 1296, 968)
    for (const key of ['fx', 'fy', 'cx', 'cy'] as const) expect(back[key]).toBeCloseTo(SCANNET_COLOR_INTRINSICS[key], 9)
  })
})

describe('projectPoint / backProject', () => {
  it('are inverse to each other', () => {
    const k = scaleIntrinsics(SCANNET_COLOR_INTRINSICS, 640, 480)
    const pose = lookAtPose([1, 1, 1.5], [3, 2, 0.5])
    const x = backProject(k, pose, 100.25, 400.5, 2.75)
    const uv = projectPoint(k, pose, x[0], x[1], x[2])
    expect(uv[0]).toBeCloseTo(100.25, 9)
    expect(uv[1]).toBeCloseTo(400.5, 9)
    expect(uv[2]).toBeCloseTo(2.75, 9)
  })
})
