/**
 * Maps each of `from` pixel indices along one axis to the pixel of an image `to` pixels wide
 * whose centre is nearest, under the pixel-centre rule x' = (x + 0.5)·to/from − 0.5, rounded
 * (half up) and clamped to [0, to − 1].
 *
 * This is exact for ScanNet: its colour and depth intrinsics are related by the same rule
 * (fx' = fx·s, cx' = (cx + 0.5)·s − 0.5, verified to 0.003 px), so a ray through depth pixel u
 * meets the colour image at cx_c + fx_c·(u − cx_d)/fx_d = (u + 0.5)·s − 0.5.
 */
export function centreIndex(from: number, to: number): Int32Array {
  const out = new Int32Array(from)
  const s = to / from
  for (let x = 0; x < from; x++) out[x] = Math.min(Math.max(Math.round((x + 0.5) * s - 0.5), 0), to - 1)
  return out
}
