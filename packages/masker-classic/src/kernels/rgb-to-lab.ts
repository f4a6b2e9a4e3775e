/** sRGB (0–255) → linear light, by lookup (the 256 values of one channel). */
const LINEAR = Float64Array.from({ length: 256 }, (_, i) => {
  const c = i / 255
  return c > 0.04045 ? ((c + 0.055) / 1.055) ** 2.4 : c / 12.92
})

/** CIE XYZ of the D65 white point (2° observer), as scikit-image's `rgb2lab` uses it. */
const WHITE = [0.95047, 1.0, 1.08883] as const

const f = (t: number): number => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116)

/**
 * CIELAB (D65) of an h×w interleaved sRGB image of 0–255 values (uint8 or float, e.g. an
 * area-downscaled copy), as three interleaved float32 channels L* a* b*. sRGB companding, the
 * sRGB→XYZ matrix and the cube-root function with its linear toe, as scikit-image's `rgb2lab`.
 */
export function rgbToLab(rgb: ArrayLike<number>, h: number, w: number): Float32Array {
  const n = h * w
  const out = new Float32Array(n * 3)
  const lin = (v: number): number => {
    if (Number.isInteger(v) && v >= 0 && v <= 255) return LINEAR[v]!
    const c = v / 255
    return c > 0.04045 ? ((c + 0.055) / 1.055) ** 2.4 : c / 12.92
  }
  for (let i = 0; i < n; i++) {
    const r = lin(rgb[3 * i]!)
    const g = lin(rgb[3 * i + 1]!)
    const b = lin(rgb[3 * i + 2]!)
    const fx = f((0.412453 * r + 0.35758 * g + 0.180423 * b) / WHITE[0])
    const fy = f((0.212671 * r + 0.71516 * g + 0.072169 * b) / WHITE[1])
    const fz = f((0.019334 * r + 0.119193 * g + 0.950227 * b) / WHITE[2])
    out[3 * i] = 116 * fy - 16
    out[3 * i + 1] = 500 * (fx - fy)
    out[3 * i + 2] = 200 * (fy - fz)
  }
  return out
}
