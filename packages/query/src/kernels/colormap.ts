/** matplotlib's `jet` as piecewise-linear (x, value) knots per channel. */
const JET: ReadonlyArray<ReadonlyArray<readonly [number, number]>> = [
  [[0, 0], [0.35, 0], [0.66, 1], [0.89, 1], [1, 0.5]],
  [[0, 0], [0.125, 0], [0.375, 1], [0.64, 1], [0.91, 0], [1, 0]],
  [[0, 0.5], [0.11, 1], [0.34, 1], [0.65, 0], [1, 0]],
]

function channel(knots: ReadonlyArray<readonly [number, number]>, t: number): number {
  for (let i = 1; i < knots.length; i++) {
    const [x1, y1] = knots[i]
    if (t <= x1) {
      const [x0, y0] = knots[i - 1]
      return y0 + ((t - x0) / (x1 - x0)) * (y1 - y0)
    }
  }
  return knots[knots.length - 1][1]
}

/** The jet colour map as a 256×3 uint8 lookup table (blue at 0, red at 1), as the official viewer uses. */
export const JET_LUT: Uint8Array = (() => {
  const lut = new Uint8Array(256 * 3)
  for (let i = 0; i < 256; i++) for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(255 * channel(JET[c], i / 255))
  return lut
})()

/** Index into JET_LUT of a value t ∈ [0, 1] (clamped). */
export function jetIndex(t: number): number {
  return Math.round(Math.min(Math.max(t, 0), 1) * 255)
}
