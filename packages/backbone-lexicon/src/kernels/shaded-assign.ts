import type { NamingModel } from '../vocabulary.js'
import { srgbToLab } from './srgb-to-lab.js'
import { termAssign } from './term-assign.js'

/**
 * Illumination factors k the brightest visible part of a surface may be under (a prior, uniform
 * over these steps): the observed colour is its reflectance × k in sRGB values. Lowest factor
 * 0.85, chosen on the naming data alone: leave-one-out over the 509 filed survey colours errs on
 * 39 with k = 1 only, 40–41 down to 0.9–0.85, then 46 at 0.8 and 50 at 0.7.
 */
export const ILLUMINATION: readonly number[] = Object.freeze([1, 0.95, 0.9, 0.85])

/** Work space of `shadedAssign`: one Lab triple, one term row and N doubles (N = the model's centres). */
export interface ShadedScratch {
  lab: Float64Array
  row: Float32Array
  centres: Float64Array
}

export function shadedScratch(model: NamingModel): ShadedScratch {
  return { lab: new Float64Array(3), row: new Float32Array(model.d), centres: new Float64Array(model.centreTerm.length) }
}

/**
 * Term assignment of an sRGB colour seen under an unknown illumination (Bayesian colour
 * constancy, Brainard & Freeman 1997): the mean over the factors k of ILLUMINATION of the term
 * assignment (`termAssign`) of the reflectance it implies, rgb/k (channels clamped to 255).
 * Written to `out[at..at+D-1]`; entries sum to 1.
 */
export function shadedAssign(
  r: number,
  g: number,
  b: number,
  model: NamingModel,
  temperature: number,
  out: Float32Array,
  at: number,
  scratch: ShadedScratch,
  factors: readonly number[] = ILLUMINATION,
): void {
  const { d } = model
  const { lab, row } = scratch
  for (let t = 0; t < d; t++) out[at + t] = 0
  const w = 1 / factors.length
  for (const k of factors) {
    srgbToLab(Math.min(255, r / k), Math.min(255, g / k), Math.min(255, b / k), lab)
    termAssign(lab[0], lab[1], lab[2], model.centres, model.centreTerm, d, temperature, row, 0, scratch.centres)
    for (let t = 0; t < d; t++) out[at + t] += w * row[t]
  }
}
