import { join } from 'node:path'
import {
  checkPort, defineStage, fail, writeJsonAtomic, type OptionsSchema, type PluginContext, type QueryScores, type QueryScores3D, type SemanticMap3D, type StageInstance, type TextEmbeddings,
} from '@plaf/core'
import { writeFrameOutputs, writeMapPly } from './outputs.js'
import { gatherScores, scoreMemory, scorePool } from './score.js'
import { uniqueSlugs } from './slug.js'
import { VERSION } from './version.js'

/** Options of the `text` querier (the YAML `with:` block). */
export interface TextQuerierOptions {
  encoder: string
  encoder_options: Record<string, unknown>
  queries: string[]
  threshold: number
  write_overlays: boolean
}

const options: OptionsSchema<TextQuerierOptions> = {
  type: 'object',
  additionalProperties: false,
  required: ['encoder'],
  properties: {
    encoder: { type: 'string', minLength: 1, plafPlugin: 'text-encoder', description: 'The text-encoder plugin that embeds the queries; it must share the backbone\'s embedding space.' },
    encoder_options: { type: 'object', default: {}, description: 'The `with:` block passed to the text encoder.' },
    queries: { type: 'array', items: { type: 'string', minLength: 1 }, default: [], description: 'Text queries, each embedded once, raw (no prompt templates, as the official code).' },
    threshold: {
      type: 'number', minimum: -1, maximum: 1, default: 0.5,
      description: 'Cosine similarity (unit mask or pool feature · unit text embedding) at or above which a mask or point is selected in the binary masks and counted; scores are raw cosines, not min-max normalised.',
    },
    write_overlays: { type: 'boolean', default: true, description: 'Also write an RGB overlay PNG per frame and query (the binary mask PNGs are always written).' },
  },
}

/** Per-query 2D statistics summed over frames. */
interface FrameStats {
  masks: number
  masks_above_threshold: number
  pixels: number
  pixels_above_threshold: number
  best: { frame: string; row: number; score: number } | null
  gather_ms: number
}

const round3 = (ms: number) => Math.round(ms * 1000) / 1000

async function embedQueries(ctx: PluginContext, encoderName: string, encoder: StageInstance, texts: string[]): Promise<TextEmbeddings> {
  const out = await encoder.run({ text: { texts } }, { metric: () => {}, warn: (n) => ctx.warn(n) })
  const emb = Object.values(out).find((v) => checkPort('TextEmbeddings', v) === null) as TextEmbeddings | undefined
  if (!emb) fail('PLAF_PLUGIN_INVALID', `text encoder "${encoderName}" returned no TextEmbeddings`, { plugin: encoderName })
  if (emb.shape[0] !== texts.length) {
    fail('PLAF_PLUGIN_INVALID', `text encoder "${encoderName}" returned ${emb.shape[0]} embeddings for ${texts.length} queries`, { plugin: encoderName })
  }
  return emb
}

/**
 * `text`: open-vocabulary text queries over the 2D memories (per frame) and the 3D map (at the end).
 * One cosine per mask or pool row, then a gather per pixel or point; writes binary masks, overlays,
 * a scored PLY per query and `scores.json` under the stage's output directory.
 */
export const textQuerier = defineStage<
  TextQuerierOptions,
  { frame: 'Frame'; memory: 'SemanticMemory2D'; map: 'SemanticMap3D' },
  Record<string, never>
>({
  name: 'text',
  kind: 'querier',
  version: VERSION,
  package: '@plaf/query',
  description: 'Scores text queries against mask features and pool rows (cosine), writing masks, overlays, scored PLYs and scores.json.',
  options,
  inputs: { frame: 'Frame', memory: 'SemanticMemory2D', map: 'SemanticMap3D' },
  outputs: {},
  async create(opts, ctx) {
    const encoder = await ctx.instantiate('text-encoder', opts.encoder, opts.encoder_options)
    const t0 = performance.now()
    const embeddings = opts.queries.length > 0 ? await embedQueries(ctx, opts.encoder, encoder, opts.queries) : null
    const encodeMs = performance.now() - t0
    const slugs = uniqueSlugs(opts.queries)
    const stats: FrameStats[] = opts.queries.map(() => ({ masks: 0, masks_above_threshold: 0, pixels: 0, pixels_above_threshold: 0, best: null, gather_ms: 0 }))
    let frames = 0
    let frameScoringMs = 0
    return {
      async run({ frame, memory }, rc) {
        if (!embeddings) return {}
        const t1 = performance.now()
        const scores = await scoreMemory(memory, embeddings, ctx.tensor, frame.id)
        const scoringMs = performance.now() - t1
        frames++
        frameScoringMs += scoringMs
        const rows = scores.shape[1]
        const masks = scores.valid.reduce((a, b) => a + b, 0)
        let gatherMs = 0
        for (let q = 0; q < slugs.length; q++) {
          const s = scores.data.subarray(q * rows, q * rows + rows)
          const out = writeFrameOutputs(join(ctx.outDir, slugs[q]), frame, memory, s, scores.valid, opts.threshold, opts.write_overlays)
          const st = stats[q]
          st.masks += masks
          st.masks_above_threshold += out.masks
          st.pixels += memory.ids.data.length
          st.pixels_above_threshold += out.pixels
          st.gather_ms += out.gatherMs
          gatherMs += out.gatherMs
          for (let r = 0; r < rows; r++) {
            if (scores.valid[r] && (st.best === null || s[r] > st.best.score)) st.best = { frame: frame.id, row: r, score: s[r] }
          }
        }
        rc.metric('query_ms', scoringMs + gatherMs, 'ms')
        rc.metric('masks_scored', rows - 1)
        return {}
      },
      async finish(inputs, rc) {
        const map = inputs.map as SemanticMap3D | undefined
        const perQuery = opts.queries.map((text, q) => ({
          text,
          slug: slugs[q],
          frames_2d: { ...stats[q], gather_ms: round3(stats[q].gather_ms), files: frames > 0 ? `${slugs[q]}/<frame>.mask.png` : null },
          map: null as null | (QueryScores3D & { gather_ms: number; file: string }),
        }))
        let poolMs = 0
        if (embeddings && map) {
          const t1 = performance.now()
          const pool = await scorePool(map, embeddings, ctx.tensor)
          poolMs = performance.now() - t1
          const [, m] = pool.shape
          const invalid = m - pool.valid.reduce((a, b) => a + b, 0)
          const top = m > 0 ? await ctx.tensor.topk(pool.data, slugs.length, m, Math.min(m, 10 + invalid)) : null
          const k = top ? top.indices.length / slugs.length : 0
          let gatherTotal = 0
          for (let q = 0; q < slugs.length; q++) {
            const t2 = performance.now()
            const points = gatherScores(pool, q, map.refs)
            let above = 0
            for (let i = 0; i < points.length; i++) if (pool.valid[map.refs[i]] && points[i] >= opts.threshold) above++
            const gatherMs = performance.now() - t2
            gatherTotal += gatherMs
            const s = pool.data.subarray(q * m, q * m + m)
            writeMapPly(join(ctx.outDir, `${slugs[q]}.ply`), map, s, pool.valid, opts.queries[q])
            const best: Array<{ row: number; score: number }> = []
            for (let j = 0; j < k && best.length < 10; j++) {
              const row = top!.indices[q * k + j]
              if (pool.valid[row]) best.push({ row, score: top!.values[q * k + j] })
            }
            perQuery[q].map = {
              points: map.refs.length, pool_rows: m, points_above_threshold: above, top_pool_rows: best,
              gather_ms: round3(gatherMs), file: `${slugs[q]}.ply`,
            }
          }
          rc.metric('query_ms', poolMs + gatherTotal, 'ms')
          rc.metric('points_scored', map.refs.length)
        }
        const scores = {
          encoder: opts.encoder,
          space: embeddings?.space ?? null,
          threshold: opts.threshold,
          frames,
          timings_ms: { encode_queries: round3(encodeMs), frames_2d_scoring: round3(frameScoringMs), pool_scoring: round3(poolMs) },
          queries: perQuery,
        }
        writeJsonAtomic(join(ctx.outDir, 'scores.json'), scores satisfies QueryScores)
        return {}
      },
      dispose: () => encoder.dispose?.(),
    }
  },
})

