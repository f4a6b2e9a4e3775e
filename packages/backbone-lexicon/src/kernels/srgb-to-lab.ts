/** D65 reference white (CIE 1931 2°), XYZ with Y = 1. */
const WHITE = [0.95047, 1, 1.08883] as const
const EPSILON = 216 / 24389
const KAPPA = 24389 / 27

/** sRGB channel value in [0, 255] (may be fractional) to linear light in [0, 1]. */
export function srgbToLinear(v: number): number {
  const c = v / 255
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4)
}

const f = (t: number): number => (t > EPSILON ? Math.cbrt(t) : (KAPPA * t + 16) / 116)

/**
 * CIE L*a*b* (D65) of an sRGB colour with channels in [0, 255], written to `out[at..at+2]`.
 * Fractional channels are allowed (resized pixels, LUT nodes).
 */
export function srgbToLab(r: number, g: number, b: number, out: Float64Array | Float32Array, at = 0): void {
  const R = srgbToLinear(r)
  const G = srgbToLinear(g)
  const B = srgbToLinear(b)
  const fx = f((0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / WHITE[0])
  const fy = f((0.2126729 * R + 0.7151522 * G + 0.072175 * B) / WHITE[1])
  const fz = f((0.0193339 * R + 0.119192 * G + 0.9503041 * B) / WHITE[2])
  out[at] = 116 * fy - 16
  out[at + 1] = 500 * (fx - fy)
  out[at + 2] = 200 * (fy - fz)
}
