/**
 * The `backbone` benchmark's own plugins. `bench-vit` is a backbone like `radio` without the model
 * store: it opens the generated ViT file with `openOnnxSession` (settings from `runtime:`), prepares
 * frames with core's `ImagePreprocessor` (squash to the input size, [0, 1], SigLIP mean/std as RADIO's
 * manifest has them) and times its three steps per frame as metrics (`pre_ms`, `session_ms`,
 * `post_ms`). `bench-hash-text` gives the querier text embeddings in the same space and dimension
 * (unit vectors seeded by the text): the network is random, so no text encoder could mean anything.
 */
import { createHash } from 'node:crypto'
import { defineStage, ImagePreprocessor, mulberry32, openOnnxSession, type ImagePreprocessing, type TextEmbeddings } from '@plaf/core'

/** The embedding space both plugins declare. */
export const BENCH_VIT_SPACE = 'bench-vit-random'

/** RADIO's preprocessing (plaf-model.json of the exports): squash, [0, 1], mean/std 0.5. */
export const BENCH_PREPROCESSING: ImagePreprocessing = { input_size: [512, 512], resize: 'squash', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], channel_order: 'rgb' }

interface BenchVitOptions {
  model: string
  size: number
  patch: number
  dim: number
}

/** The generated ViT as a backbone stage (see the module comment). */
export const benchVitBackbone = defineStage<BenchVitOptions, { frame: 'Frame' }, { features: 'FeatureGrid' }>({
  name: 'bench-vit', kind: 'backbone', version: '1.0.0', package: '@plaf/bench',
  description: 'The backbone benchmark\'s generated ViT (random weights) through openOnnxSession.',
  options: {
    type: 'object', additionalProperties: false, required: ['model', 'size', 'patch', 'dim'],
    properties: {
      model: { type: 'string', description: 'The generated .onnx file.' },
      size: { type: 'integer', minimum: 16, description: 'Input side in pixels.' },
      patch: { type: 'integer', minimum: 1, description: 'Patch size.' },
      dim: { type: 'integer', minimum: 1, description: 'Feature dimension.' },
    },
  },
  inputs: { frame: 'Frame' }, outputs: { features: 'FeatureGrid' },
  async create(o, ctx) {
    const session = await openOnnxSession(o.model, { device: ctx.session.device, threads: ctx.session.threads })
    const prep = new ImagePreprocessor({ ...BENCH_PREPROCESSING, input_size: [o.size, o.size] }, o.patch)
    const g = o.size / o.patch
    return {
      async run({ frame }, rc) {
        let t = performance.now()
        const x = prep.prepare(frame.rgb, [o.size, o.size])
        rc.metric('pre_ms', performance.now() - t)
        t = performance.now()
        const out = await session.run({ pixel_values: { type: 'float32', data: x.data, dims: x.dims } }, ['features'])
        rc.metric('session_ms', performance.now() - t)
        t = performance.now()
        const f = out.features
        if (f.type !== 'float32' || f.dims.join() !== [1, g, g, o.dim].join()) throw new Error(`bench-vit: output ${f.type} [${f.dims.join(', ')}], expected float32 [1, ${g}, ${g}, ${o.dim}]`)
        // NHWC float32 is already the h×w×D grid: postprocessing is the check and the port value
        const grid = { data: f.data as Float32Array, shape: [g, g, o.dim] as [number, number, number], transform: x.transform, space: BENCH_VIT_SPACE }
        rc.metric('post_ms', performance.now() - t)
        return { features: grid }
      },
      dispose: () => session.release(),
    }
  },
})

/** Unit vectors of `dim` seeded by each text's sha256, in the bench-vit space. */
export const benchHashText = defineStage<{ dim: number }, { text: 'TextBatch' }, { embeddings: 'TextEmbeddings' }>({
  name: 'bench-hash-text', kind: 'text-encoder', version: '1.0.0', package: '@plaf/bench',
  description: 'Seeded unit vectors in the bench-vit space (the benchmark network is random).',
  options: { type: 'object', additionalProperties: false, required: ['dim'], properties: { dim: { type: 'integer', minimum: 1, description: 'Embedding dimension.' } } },
  inputs: { text: 'TextBatch' }, outputs: { embeddings: 'TextEmbeddings' },
  cacheable: true,
  async create(o) {
    return {
      run({ text }) {
        const data = new Float32Array(text.texts.length * o.dim)
        text.texts.forEach((t, i) => {
          const rng = mulberry32(createHash('sha256').update(t).digest().readUInt32LE(0))
          let norm = 0
          for (let j = 0; j < o.dim; j++) norm += (data[i * o.dim + j] = rng() * 2 - 1) ** 2
          for (let j = 0; j < o.dim; j++) data[i * o.dim + j] /= Math.sqrt(norm)
        })
        const embeddings: TextEmbeddings = { texts: [...text.texts], data, shape: [text.texts.length, o.dim], space: BENCH_VIT_SPACE }
        return { embeddings }
      },
    }
  },
})
