import { defineStage, validateOptions, type Frame, type SemanticMap3D, type SemanticMemory2D } from '@plaf/core'
import { textQuerier, type TextQuerierOptions } from '../src/index.js'

/** The `text` querier's options with its schema defaults, encoder `word-hot`, and `given` on top. */
export function querierOptions(given: Partial<TextQuerierOptions> = {}): TextQuerierOptions {
  const v = validateOptions(textQuerier, { encoder: 'word-hot', ...given })
  if (!v.ok) throw new Error(JSON.stringify(v.errors))
  return v.value as unknown as TextQuerierOptions
}

/** Default vocabulary of the word-hot test encoder: one embedding dimension per word. */
export const VOCAB = ['chair', 'table', 'lamp', 'red', 'wall']

/**
 * A real, deterministic text encoder for tests: each text embeds as the L2-normalised count of its
 * vocabulary words (one dimension per word); unknown words add nothing.
 */
export const wordHotEncoder = defineStage<
  { vocabulary: string[]; space: string },
  { text: 'TextBatch' },
  { embeddings: 'TextEmbeddings' }
>({
  name: 'word-hot',
  kind: 'text-encoder',
  version: '0.1.0',
  description: 'Test fixture: bag-of-words one-hot text embeddings.',
  options: {
    type: 'object', additionalProperties: false,
    properties: {
      vocabulary: { type: 'array', items: { type: 'string' }, default: VOCAB, description: 'Words, one dimension each.' },
      space: { type: 'string', default: 'test-space', description: 'Embedding space id.' },
    },
  },
  inputs: { text: 'TextBatch' },
  outputs: { embeddings: 'TextEmbeddings' },
  async create(opts) {
    const d = opts.vocabulary.length
    return {
      run({ text }) {
        const data = new Float32Array(text.texts.length * d)
        text.texts.forEach((t, q) => {
          for (const w of t.toLowerCase().split(/\s+/)) {
            const k = opts.vocabulary.indexOf(w)
            if (k >= 0) data[q * d + k] += 1
          }
          const n = Math.hypot(...data.subarray(q * d, q * d + d))
          if (n > 0) for (let k = 0; k < d; k++) data[q * d + k] /= n
        })
        return { embeddings: { texts: text.texts, data, shape: [text.texts.length, d], space: opts.space } }
      },
    }
  },
})

/** Deterministic pseudo-random numbers in [0, 1): mulberry32 from @plaf/core/testing. */
export { mulberry32 as prng } from '@plaf/core/testing'

/** A memory with K random (unnormalised, mostly positive) rows plus a zero row 0, and a random id map. */
export function randomMemory(rand: () => number, W: number, H: number, K: number, d = VOCAB.length, space = 'test-space'): SemanticMemory2D {
  const data = new Float32Array((K + 1) * d)
  for (let i = d; i < data.length; i++) data[i] = rand() * 2 - 0.4
  const ids = Uint16Array.from({ length: W * H }, () => Math.floor(rand() * (K + 1)))
  return { ids: { data: ids, shape: [H, W] }, features: { data, shape: [K + 1, d] }, space }
}

/** A frame whose colour image is `scale`× the given id-map size, with a recognisable pattern. */
export function frameFor(W: number, H: number, scale = 1, id = '000010'): Frame {
  const [cw, ch] = [W * scale, H * scale]
  const rgb = Uint8Array.from({ length: cw * ch * 3 }, (_, i) => (i * 37) % 251)
  return { id, index: 10, rgb: { data: rgb, shape: [ch, cw, 3] }, pose: null, colorIntrinsics: { fx: 1, fy: 1, cx: 0, cy: 0, width: cw, height: ch } }
}

/** A map with N random points referencing M pool rows (row 0 a zero feature). */
export function randomMap(rand: () => number, N: number, M: number, d = VOCAB.length, space = 'test-space'): SemanticMap3D {
  const pool = new Float32Array(M * d)
  for (let i = d; i < pool.length; i++) pool[i] = rand() * 2 - 0.4
  return {
    positions: Float32Array.from({ length: N * 3 }, () => rand() * 4 - 2),
    colors: Uint8Array.from({ length: N * 3 }, () => Math.floor(rand() * 256)),
    refs: Uint32Array.from({ length: N }, () => Math.floor(rand() * M)),
    pool: { data: pool, shape: [M, d] },
    space,
  }
}

/** Cosine of two vectors (0 when either is zero), in float64. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0
  let aa = 0
  let bb = 0
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i]
    aa += a[i] * a[i]
    bb += b[i] * b[i]
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0
}
