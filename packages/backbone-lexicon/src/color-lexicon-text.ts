import { defineStage, fail, type OptionsSchema, type TextEmbeddings } from '@plaf/core'
import { phraseEmbedding } from './embedding.js'
import { parseColorPhrase } from './phrase.js'
import { DEFAULT_TEMPERATURE, lexiconSpace, vocabulary } from './vocabulary.js'
import { VERSION } from './version.js'

/** Options of the `color-lexicon-text` encoder. */
export interface ColorLexiconTextOptions {
  temperature: number
  unknown: 'error' | 'zero'
}

const options: OptionsSchema<ColorLexiconTextOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    temperature: { type: 'number', exclusiveMinimum: 0, default: DEFAULT_TEMPERATURE, description: 'Softmax temperature τ in ΔE units; must equal the color-lexicon backbone\'s (it is part of the space id).' },
    unknown: { type: 'string', enum: ['error', 'zero'], default: 'error', description: 'A text with no colour name: error, or a zero vector (scores 0 everywhere) with a warning.' },
  },
}

/**
 * `color-lexicon-text`: maps colour phrases into the `color-lexicon` space. The first colour name
 * in a phrase (see {@link parseColorPhrase}) is embedded: a basic term as its own dimension (so it
 * selects every shade people file under it), a named colour as its term assignment (so it scores
 * like a patch of that colour). Other words are ignored.
 */
export const colorLexiconTextEncoder = defineStage<
  ColorLexiconTextOptions,
  { text: 'TextBatch' },
  { embeddings: 'TextEmbeddings' }
>({
  name: 'color-lexicon-text',
  kind: 'text-encoder',
  version: VERSION,
  package: '@plaf/backbone-lexicon',
  description: 'Text encoder for the color-lexicon space: the first colour word of each phrase, a basic term or a named colour.',
  options,
  inputs: { text: 'TextBatch' },
  outputs: { embeddings: 'TextEmbeddings' },
  cacheable: true,
  embeddingSpace: (opts) => lexiconSpace(opts.temperature),
  async create(opts) {
    const d = vocabulary().entries.length
    const space = lexiconSpace(opts.temperature)
    return {
      run({ text }, rc) {
        const q = text.texts.length
        const data = new Float32Array(q * d)
        text.texts.forEach((t, i) => {
          const match = parseColorPhrase(t)
          if (match) {
            data.set(phraseEmbedding(match, opts.temperature), i * d)
          } else if (opts.unknown === 'zero') {
            rc.warn({ code: 'PLAF_INVALID_OPTION', severity: 'warning', plugin: 'color-lexicon-text', actual: t, message: `text "${t}" names no colour; embedded as a zero vector` })
          } else {
            fail('PLAF_INVALID_OPTION', `text "${t}" names no colour, so color-lexicon-text cannot embed it`, {
              plugin: 'color-lexicon-text',
              actual: t,
              hint: 'use a colour word (a basic term such as "red", or a named colour such as "navy blue") or set unknown: zero',
            })
          }
        })
        const embeddings: TextEmbeddings = { texts: [...text.texts], data, shape: [q, d], space }
        return { embeddings }
      },
    }
  },
})
