/**
 * The rigidity check of a camera pose, shared by the dataset readers (which skip such frames with
 * the reason) and the `backproject` lifter (which skips a frame any input plugin gives it so).
 * A pose is a row-major 4×4 camera-to-world `ArrayLike<number>`.
 */

/** How far a rotation may be from orthonormal (max |RᵀR − I| entry, and |det R − 1|) and the last row from [0 0 0 1]. */
export const RIGID_TOLERANCE = 1e-3

const fmt = (v: number): string => (Math.abs(v) >= 1e-3 || v === 0 ? String(Number(v.toPrecision(4))) : v.toExponential(2))

/**
 * Why a pose cannot be used, or undefined when it is a finite rigid transform. This is the one
 * pose check of every reader and of the `backproject` lifter, so `plaf data inspect` and
 * `plaf run` skip the same frames:
 * - any non-finite entry (ScanNet writes `-inf` rows when tracking is lost);
 * - a rotation that is not orthonormal with det +1, or a last row other than [0 0 0 1], within
 *   `tolerance`; the reason gives the measured deviation.
 */
export function poseFault(m: ArrayLike<number>, tolerance = RIGID_TOLERANCE): string | undefined {
  for (let i = 0; i < 16; i++) if (!Number.isFinite(m[i])) return 'non-finite pose (tracking lost)'
  let orth = 0
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      const dot = m[a] * m[b] + m[4 + a] * m[4 + b] + m[8 + a] * m[8 + b]
      orth = Math.max(orth, Math.abs(dot - (a === b ? 1 : 0)))
    }
  }
  const det = m[0] * (m[5] * m[10] - m[6] * m[9]) - m[1] * (m[4] * m[10] - m[6] * m[8]) + m[2] * (m[4] * m[9] - m[5] * m[8])
  const row = Math.max(Math.abs(m[12]), Math.abs(m[13]), Math.abs(m[14]), Math.abs(m[15] - 1))
  if (orth > tolerance || Math.abs(det - 1) > tolerance) {
    return `not a rigid transform: max |RᵀR − I| = ${fmt(orth)}, det R = ${fmt(det)} (tolerance ${tolerance})`
  }
  if (row > tolerance) return `not a rigid transform: last row is [${[12, 13, 14, 15].map((i) => fmt(m[i])).join(' ')}], expected [0 0 0 1]`
  return undefined
}
