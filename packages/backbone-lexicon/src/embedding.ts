import { l2Normalize } from './kernels/l2-normalize.js'
import { shadedAssign, shadedScratch } from './kernels/shaded-assign.js'
import type { ColorMatch } from './phrase.js'
import { vocabulary } from './vocabulary.js'

/**
 * The lexicon-space vector of a basic term: its own dimension (one-hot). A patch scores
 * P(term | its colours) / ‖P‖ against it, so every shade people file under the term matches, not
 * one reference colour.
 */
export function termEmbedding(entry: number): Float32Array {
  const d = vocabulary().entries.length
  if (!Number.isInteger(entry) || entry < 0 || entry >= d) throw new RangeError(`entry ${entry} is not in 0..${d - 1}`)
  const out = new Float32Array(d)
  out[entry] = 1
  return out
}

/**
 * The lexicon-space vector of one sRGB colour: its term assignment under the illumination prior
 * (`shadedAssign`) at temperature τ, L2-normalised, exactly as the backbone computes a uniform
 * patch of that colour.
 */
export function colourEmbedding(rgb: readonly [number, number, number], temperature: number): Float32Array {
  const { model } = vocabulary()
  const out = new Float32Array(model.d)
  shadedAssign(rgb[0], rgb[1], rgb[2], model, temperature, out, 0, shadedScratch(model))
  l2Normalize(out, 0, model.d)
  return out
}

/** The vector of a parsed phrase: a term's one-hot, or a named colour's term assignment. */
export function phraseEmbedding(match: ColorMatch, temperature: number): Float32Array {
  return match.kind === 'term' ? termEmbedding(match.entry) : colourEmbedding(match.colour.rgb, temperature)
}
