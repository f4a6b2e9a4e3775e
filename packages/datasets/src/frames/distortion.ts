import type { Intrinsics } from '@plaf/core'

/**
 * Lens distortion a reader knows of, in OpenCV's model (Brown–Conrady): for normalised
 * coordinates (x, y) and r² = x² + y², the distorted point is
 * x·(1 + k1·r² + k2·r⁴ + k3·r⁶) + 2·p1·x·y + p2·(r² + 2x²), and likewise for y with p1 and p2
 * swapped. `plaf data inspect` reports it under `intrinsics.distortion`; when it is not corrected
 * (the `tum` input's `undistort: false`) the input warns once.
 */
export interface LensDistortion {
  /** Always `opencv` (k1, k2, p1, p2, k3), the order TUM publishes d0…d4 in. */
  model: 'opencv'
  coefficients: [k1: number, k2: number, p1: number, p2: number, k3: number]
  /** True when the reader undistorts every frame (frames/undistort.ts); false: frames are used as if taken by the pinhole camera. */
  corrected: boolean
  /** Largest distance in pixels between a border pixel and where the distortion moves it. */
  max_shift_px: number
}

/** Where OpenCV's distortion model moves the normalised point (x, y). */
export function distortPoint(x: number, y: number, d: LensDistortion['coefficients']): [number, number] {
  const [k1, k2, p1, p2, k3] = d
  const r2 = x * x + y * y
  const radial = 1 + r2 * (k1 + r2 * (k2 + r2 * k3))
  return [x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x), y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y]
}

/**
 * The distortion of a camera, with the largest shift over the image border (where it is
 * largest for these lenses), or null when every coefficient is 0.
 */
export function lensDistortion(k: Intrinsics, coefficients: LensDistortion['coefficients'], corrected = false): LensDistortion | null {
  if (coefficients.every((c) => c === 0)) return null
  let max = 0
  const shift = (u: number, v: number) => {
    const x = (u - k.cx) / k.fx, y = (v - k.cy) / k.fy
    const [xd, yd] = distortPoint(x, y, coefficients)
    max = Math.max(max, Math.hypot((xd - x) * k.fx, (yd - y) * k.fy))
  }
  for (let u = 0; u < k.width; u++) { shift(u, 0); shift(u, k.height - 1) }
  for (let v = 0; v < k.height; v++) { shift(0, v); shift(k.width - 1, v) }
  return { model: 'opencv', coefficients: [...coefficients], corrected, max_shift_px: Math.round(max * 10) / 10 }
}
