import { lutRow, type AssignmentLut } from './assignment-lut.js'
import type { NamingModel } from '../vocabulary.js'
import { l2Normalize } from './l2-normalize.js'
import { shadedAssign, shadedScratch } from './shaded-assign.js'

/** How each pixel's term assignment is obtained: from the RGB lattice, or exactly. */
export type Assigner =
  | { kind: 'lut'; lut: AssignmentLut }
  | { kind: 'exact'; model: NamingModel; temperature: number }

/**
 * Patch features of a network-input image: per patch, the mean of its pixels' term assignments,
 * L2-normalised (the 1/|patch| factor of the mean cancels in the normalisation, so it is skipped).
 *
 * @param img ih×iw×3 float RGB in [0, 255]; ih and iw must be multiples of `patch`.
 * @returns (ih/patch)×(iw/patch)×D float32, row-major.
 */
export function patchFeatures(img: Float32Array, ih: number, iw: number, patch: number, assigner: Assigner): Float32Array {
  const gh = ih / patch
  const gw = iw / patch
  const d = assigner.kind === 'lut' ? assigner.lut.d : assigner.model.d
  const out = new Float32Array(gh * gw * d)
  const row = new Float32Array(d)
  const scratch = assigner.kind === 'lut' ? undefined : shadedScratch(assigner.model)
  for (let y = 0; y < ih; y++) {
    const base = Math.floor(y / patch) * gw
    for (let x = 0; x < iw; x++) {
      const p = (y * iw + x) * 3
      const acc = (base + Math.floor(x / patch)) * d
      if (assigner.kind === 'lut') {
        const { lut } = assigner
        const src = lutRow(lut, img[p], img[p + 1], img[p + 2]) * d
        for (let i = 0; i < d; i++) out[acc + i] += lut.data[src + i]
      } else {
        shadedAssign(img[p], img[p + 1], img[p + 2], assigner.model, assigner.temperature, row, 0, scratch!)
        for (let i = 0; i < d; i++) out[acc + i] += row[i]
      }
    }
  }
  for (let c = 0; c < gh * gw; c++) l2Normalize(out, c * d, d)
  return out
}

