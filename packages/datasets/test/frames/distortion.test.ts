import { describe, expect, it } from 'vitest'
import { distortPoint, lensDistortion } from '../../src/frames/distortion.js'
import { TUM_CAMERAS, TUM_DISTORTION } from '../../src/tum/reader.js'

const fr1 = TUM_CAMERAS.freiburg1

describe('lens distortion (reported; corrected by frames/undistort.ts)', () => {
  it("distortPoint matches OpenCV's projectPoints for the freiburg1 camera", () => {
    // cv2.projectPoints(points (x, y, 1), rvec 0, tvec 0, K, d) with OpenCV 4.6.0 (Debian python3-opencv).
    const reference: [u: number, v: number, ud: number, vd: number][] = [
      [0, 0, -23.773779699063255, -21.461897796021503],
      [639, 479, 657.1523517833064, 489.5442623726734],
      [100, 400, 96.19034222998496, 402.03365752027923],
      [600, 30, 612.8988745383119, 18.840172280268433],
      [318.6, 255.3, 318.6, 255.3],
    ]
    for (const [u, v, ud, vd] of reference) {
      const [xd, yd] = distortPoint((u - fr1.cx) / fr1.fx, (v - fr1.cy) / fr1.fy, TUM_DISTORTION.freiburg1)
      expect(Math.abs(xd * fr1.fx + fr1.cx - ud)).toBeLessThan(1e-9)
      expect(Math.abs(yd * fr1.fy + fr1.cy - vd)).toBeLessThan(1e-9)
    }
  })

  it('the largest border shift of freiburg1 and freiburg2; none for freiburg3 and ros-default', () => {
    const k = (c: keyof typeof TUM_CAMERAS) => ({ ...TUM_CAMERAS[c], width: 640, height: 480 })
    // 36.81 and 26.62 px, computed independently over the same border pixels with numpy-free Python
    expect(lensDistortion(k('freiburg1'), TUM_DISTORTION.freiburg1)).toEqual({ model: 'opencv', coefficients: [0.2624, -0.9531, -0.0054, 0.0026, 1.1633], corrected: false, max_shift_px: 36.8 })
    expect(lensDistortion(k('freiburg2'), TUM_DISTORTION.freiburg2)!.max_shift_px).toBe(26.6)
    expect(lensDistortion(k('freiburg3'), TUM_DISTORTION.freiburg3)).toBeNull()
    expect(lensDistortion(k('ros-default'), TUM_DISTORTION['ros-default'])).toBeNull()
  })
})
