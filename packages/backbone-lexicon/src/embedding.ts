import { l2Normalize, softAssign } from './kernels/soft-assign.js'
import { vocabulary } from './vocabulary.js'

/**
 * The lexicon-space vector of one vocabulary entry: the soft assignment of its own colour at
 * temperature τ, L2-normalised. A patch of exactly that colour has the same vector (cosine 1, up
 * to the backbone's RGB lattice), so text and image meet in one space.
 */
export function colorEmbedding(entry: number, temperature: number): Float32Array {
  const vocab = vocabulary()
  const d = vocab.entries.length
  if (!Number.isInteger(entry) || entry < 0 || entry >= d) throw new RangeError(`entry ${entry} is not in 0..${d - 1}`)
  const out = new Float32Array(d)
  const [L, a, b] = vocab.entries[entry].lab
  softAssign(L, a, b, vocab.lab, temperature, out, 0, new Float64Array(d))
  l2Normalize(out, 0, d)
  return out
}
