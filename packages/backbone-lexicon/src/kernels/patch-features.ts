import { fillLutRow, type AssignmentLut } from './assignment-lut.js'
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
 * Each patch's sum is taken over its pixels in raster order. A lazy lattice gets the rows the
 * image uses filled in.
 *
 * @param img ih×iw×3 float RGB in [0, 255]; ih and iw must be multiples of `patch`.
 * @returns (ih/patch)×(iw/patch)×D float32, row-major.
 */
export function patchFeatures(img: Float32Array, ih: number, iw: number, patch: number, assigner: Assigner): Float32Array {
  const gh = ih / patch
  const gw = iw / patch
  const d = assigner.kind === 'lut' ? assigner.lut.d : assigner.model.d
  const out = new Float32Array(gh * gw * d)
  if (assigner.kind === 'lut') lutSums(img, ih, iw, patch, assigner.lut, out)
  else {
    const row = new Float32Array(d)
    const scratch = shadedScratch(assigner.model)
    for (let y = 0; y < ih; y++) {
      const base = Math.floor(y / patch) * gw
      for (let x = 0; x < iw; x++) {
        const p = (y * iw + x) * 3
        const acc = (base + Math.floor(x / patch)) * d
        shadedAssign(img[p], img[p + 1], img[p + 2], assigner.model, assigner.temperature, row, 0, scratch)
        for (let i = 0; i < d; i++) out[acc + i] += row[i]
      }
    }
  }
  for (let c = 0; c < gh * gw; c++) l2Normalize(out, c * d, d)
  return out
}

/** Per patch, the sum of its pixels' lattice rows (`lutRow`'s nearest node), added to `out` in raster order. */
function lutSums(img: Float32Array, ih: number, iw: number, patch: number, lut: AssignmentLut, out: Float32Array): void {
  const { data, filled, nodes: n, d } = lut
  const s = (n - 1) / 255
  const gw = iw / patch
  for (let y = 0; y < ih; y++) {
    const cellRow = Math.floor(y / patch) * gw
    let p = y * iw * 3
    for (let gx = 0; gx < gw; gx++) {
      const acc = (cellRow + gx) * d
      for (let x = 0; x < patch; x++, p += 3) {
        const row = (Math.round(img[p] * s) * n + Math.round(img[p + 1] * s)) * n + Math.round(img[p + 2] * s)
        if (filled[row] === 0) fillLutRow(lut, row)
        const src = row * d
        for (let i = 0; i < d; i++) out[acc + i] += data[src + i]
      }
    }
  }
}
