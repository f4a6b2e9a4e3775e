import { join, resolve } from 'node:path'
import {
  checkPort, defineStage, encodeNpy, fail, writeFileAtomic, writeJsonAtomic, type OptionsSchema, type PluginContext, type PluginNote, type QueryScores,
  type SemanticMap3D, type StageInstance, type TextEmbeddings,
} from '@plaf/core'
import { ContactSheet } from './contact-sheet.js'
import { queryFrame, type FrameStats } from './frame-query.js'
import { LERF_NEGATIVES, LERF_TEMPERATURE, type ScoreMode } from './kernels/scoring.js'
import { applyMode, negativesError, softmaxOfOne, type TextSets } from './modes.js'
import { meshFileProblem, readReferenceMesh } from './map-outputs.js'
import { queryMap, type MapQueryEntry, type MapQueryResult, type MapQuerySettings } from './map-query.js'
import { thresholdLabel } from './pictures.js'
import { scoreMemory, type ScoringTime } from './score.js'
import { uniqueSlugs } from './slug.js'
import { VERSION } from './version.js'

/** Options of the `text` querier (the YAML `with:` block). */
export interface TextQuerierOptions {
  encoder: string
  encoder_options: Record<string, unknown>
  queries: string[]
  mode: ScoreMode
  negatives: string[]
  temperature: number
  threshold: number | 'auto'
  labels: string[]
  top_k: number
  write_masks: boolean
  write_overlays: boolean
  region_voxel: number
  top_regions: number
  mesh: string | null
  mesh_max_distance: number
}

const options: OptionsSchema<TextQuerierOptions> = {
  type: 'object',
  additionalProperties: false,
  required: ['encoder'],
  properties: {
    encoder: { type: 'string', minLength: 1, plafPlugin: 'text-encoder', description: 'The text-encoder plugin that embeds the queries; it must share the backbone\'s embedding space.' },
    encoder_options: { type: 'object', default: {}, description: 'The `with:` block passed to the text encoder.' },
    queries: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, default: [], description: 'Text queries, each embedded once, raw (no prompt templates, as the official code).' },
    mode: {
      type: 'string', enum: ['cosine', 'softmax', 'relevancy'], default: 'cosine',
      description: 'Score of a mask or point: cosine (raw); softmax over the queries (labels: over the labels) at temperature τ; relevancy (LERF): min over the negatives of exp(c_q/τ) / (exp(c_q/τ) + exp(c_neg/τ)).',
    },
    negatives: { type: 'array', items: { type: 'string', minLength: 1 }, default: [...LERF_NEGATIVES], description: 'Canonical negative phrases of the relevancy mode (LERF\'s by default).' },
    temperature: { type: 'number', exclusiveMinimum: 0, default: LERF_TEMPERATURE, description: 'Softmax temperature τ of the softmax and relevancy modes (LERF: 0.1, i.e. softmax of 10 × cosines).' },
    threshold: {
      default: 0.5,
      anyOf: [{ type: 'number', minimum: -1, maximum: 1 }, { type: 'string', enum: ['auto'] }],
      description: 'Score at or above which a mask or point is selected (in the mode\'s units), or auto: Otsu\'s threshold of the score histogram, per frame and query in 2D (masks weighted by their pixels) and per query in 3D (pool rows weighted by their points); in relevancy mode auto is at least 0.5, the break-even below which a negative phrase wins.',
    },
    labels: {
      type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, default: [],
      description: 'Label texts for open-vocabulary segmentation: each frame gets labels/<frame>.png, each mask the 1-based index of its best-scoring label, 0 (background) when it has no mask or its best score is below the threshold.',
    },
    top_k: { type: 'integer', minimum: 1, default: 10, description: 'Masks listed per query and frame in <frame>.top.json, best first.' },
    write_masks: { type: 'boolean', default: true, description: 'Write a binary mask PNG per frame and query (<query>/<frame>.mask.png).' },
    write_overlays: {
      type: 'boolean', default: true,
      description: 'Write pictures: an overlay PNG per frame and query (hits tinted and outlined, the rest dimmed, query and threshold written on it), a contact sheet per query (<query>/contact-sheet.png) and a top-down snapshot of the scored 3D map per query (<query>.map.png).',
    },
    region_voxel: {
      type: 'number', exclusiveMinimum: 0, default: 0.05,
      description: 'Voxel edge in metres for the 3D regions: points at or above the threshold are one region when their voxels touch (26-neighbourhood); listed in <query>.regions.json.',
    },
    top_regions: { type: 'integer', minimum: 1, default: 5, description: 'Regions listed per query in <query>.regions.json, largest first.' },
    mesh: {
      type: ['string', 'null'], format: 'path', minLength: 1, default: null,
      description: 'A reference mesh or point cloud (PLY with vertex x, y, z; a relative path resolves against the file that sets it; plaf validate checks that it is a readable file) to carry the 3D scores and labels to: each vertex takes those of its nearest map point within mesh_max_distance (mesh/<query>.ply, mesh/labels.ply).',
    },
    mesh_max_distance: {
      type: 'number', exclusiveMinimum: 0, default: 0.05,
      description: 'Distance cut-off in metres for mesh: a vertex with no map point strictly closer gets score NaN and label 0 (no label).',
    },
  },
}

const round3 = (ms: number) => Math.round(ms * 1000) / 1000

async function embedTexts(ctx: PluginContext, encoderName: string, encoder: StageInstance, texts: string[]): Promise<TextEmbeddings> {
  const out = await encoder.run({ text: { texts } }, { metric: () => {}, warn: (n) => ctx.warn(n) })
  const emb = Object.values(out).find((v) => checkPort('TextEmbeddings', v) === null) as TextEmbeddings | undefined
  if (!emb) fail('PLAF_PLUGIN_INVALID', `text encoder "${encoderName}" returned no TextEmbeddings`, { plugin: encoderName })
  if (emb.shape[0] !== texts.length) {
    fail('PLAF_PLUGIN_INVALID', `text encoder "${encoderName}" returned ${emb.shape[0]} embeddings for ${texts.length} texts`, { plugin: encoderName })
  }
  return emb
}

/**
 * `text`: open-vocabulary text queries over the 2D memories (per frame) and the 3D map (at the end).
 * One cosine per mask or pool row and text, a score mode on top, then a gather per pixel or point;
 * writes binary masks, overlays, top-mask lists, label images, a scored PLY per query, the text
 * embeddings (`text.npy`, `texts.json`) and `scores.json` under the stage's output directory.
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
  description: 'Scores text queries against mask features and pool rows (cosine, softmax or LERF relevancy), writing masks, overlays, top masks, label images, scored and labelled PLYs, 3D regions (where each query is), optionally scores and labels on a reference mesh, and scores.json.',
  options,
  inputs: { frame: 'Frame', memory: 'SemanticMemory2D', map: 'SemanticMap3D' },
  outputs: {},
  // only the overlays and contact sheets draw on the frame's image; masks, top masks and labels need its id
  readsFramePixels: (opts) => opts.write_overlays,
  check(opts, ctx) {
    const notes: PluginNote[] = []
    const one = softmaxOfOne(opts.mode, opts.queries, opts.labels)
    if (one) notes.push(one)
    // the same file create reads (path options arrive absolute from the resolver), located at `mesh:`
    const problem = opts.mesh === null ? undefined : meshFileProblem(resolve(ctx.baseDir, opts.mesh))
    if (problem) notes.push({ code: problem.code, message: problem.message, path: 'mesh', hint: 'give a PLY with vertex x, y, z (e.g. the scene\'s <scene>_vh_clean_2.ply); a relative path resolves against the pipeline file that sets mesh' })
    return notes
  },
  async create(opts, ctx) {
    const one = softmaxOfOne(opts.mode, opts.queries, opts.labels)
    if (one) fail(one.code, one.message, one)
    const encoder = await ctx.instantiate('text-encoder', opts.encoder, opts.encoder_options)
    const negatives = opts.mode === 'relevancy' ? opts.negatives : []
    const sets: TextSets = { queries: opts.queries.length, labels: opts.labels.length, negatives: negatives.length }
    const texts = [...opts.queries, ...opts.labels, ...negatives]
    const t0 = performance.now()
    const embeddings = sets.queries + sets.labels > 0
      ? await embedTexts(ctx, opts.encoder, encoder, texts).catch((e: unknown) => { throw negativesError(e, negatives, [...opts.queries, ...opts.labels]) })
      : null
    const encodeMs = performance.now() - t0
    const slugs = uniqueSlugs(opts.queries)
    const stats: FrameStats[] = opts.queries.map(() => ({ masks: 0, masks_above_threshold: 0, pixels: 0, pixels_above_threshold: 0, best: null, gather_ms: 0 }))
    const labelPixels = new Float64Array(sets.labels + 1)
    const sheets = opts.write_overlays ? opts.queries.map(() => new ContactSheet()) : undefined
    const settings = {
      outDir: ctx.outDir, queries: opts.queries, slugs, labels: opts.labels, threshold: opts.threshold,
      masks: opts.write_masks, overlays: opts.write_overlays, sheets, topK: opts.top_k, mode: opts.mode,
    }
    // Read at config time, so a bad mesh fails before any frame is scored.
    const mesh = opts.mesh === null ? null : readReferenceMesh(resolve(ctx.baseDir, opts.mesh))
    const mapSettings: MapQuerySettings = {
      outDir: ctx.outDir, queries: opts.queries, slugs, labels: opts.labels, mode: opts.mode, temperature: opts.temperature, threshold: opts.threshold,
      snapshots: opts.write_overlays, regionVoxel: opts.region_voxel, topRegions: opts.top_regions, mesh, meshMaxDistance: opts.mesh_max_distance,
    }
    let frames = 0
    let frameScoringMs = 0
    return {
      async run({ frame, memory }, rc) {
        if (!embeddings) return {}
        // the querier's own time (ScoringTime): not the other stages' work that runs while the product is awaited
        const time: ScoringTime = { ownMs: 0 }
        const cos = await scoreMemory(memory, embeddings, ctx.tensor, frame.id, time)
        const t1 = performance.now()
        const scores = applyMode(cos, sets, opts.mode, opts.temperature)
        const scoringMs = time.ownMs + performance.now() - t1
        frames++
        frameScoringMs += scoringMs
        const out = await queryFrame(settings, frame, memory, cos.data, cos.valid, scores, stats)
        if (out.labelPixels) for (let k = 0; k < out.labelPixels.length; k++) labelPixels[k] += out.labelPixels[k]
        rc.metric('query_ms', scoringMs + out.gatherMs, 'ms')
        rc.metric('masks_scored', cos.shape[1] - 1)
        return {}
      },
      async finish(inputs, rc) {
        const map = inputs.map as SemanticMap3D | undefined
        const perQuery = opts.queries.map((text, q) => ({
          text,
          slug: slugs[q],
          frames_2d: {
            ...stats[q], gather_ms: round3(stats[q].gather_ms), files: frames > 0 ? `${slugs[q]}/<frame>.{${opts.write_masks ? 'mask.png,' : ''}${opts.write_overlays ? 'overlay.png,' : ''}top.json}` : null,
            contact_sheet: null as string | null,
          },
          map: null as MapQueryEntry | null,
        }))
        let poolMs = 0
        let map3d: MapQueryResult | null = null
        if (embeddings && map && sets.queries + sets.labels > 0) {
          map3d = await queryMap(mapSettings, map, embeddings, sets, ctx.tensor)
          poolMs = map3d.poolMs
          map3d.perQuery.forEach((entry, q) => (perQuery[q].map = entry))
          rc.metric('query_ms', map3d.poolMs + map3d.gatherMs, 'ms')
          rc.metric('points_scored', map.refs.length)
        }
        if (sheets && frames > 0) {
          for (let q = 0; q < slugs.length; q++) {
            const sheet = sheets[q]
            const st = stats[q]
            const file = `${slugs[q]}/contact-sheet.png`
            const shown = sheet.shown.length < sheet.frames ? `${sheet.shown.length} of ${sheet.frames} frames shown, evenly spaced` : `${sheet.frames} frames`
            const threshold = opts.threshold === 'auto' ? `${opts.mode}: auto (Otsu per frame)` : thresholdLabel(opts.mode, opts.threshold, false)
            const written = await sheet.write(join(ctx.outDir, file), [
              { text: `"${opts.queries[q]}" · ${shown}`, bold: true },
              { text: `hit: ${threshold} · ${st.masks_above_threshold} of ${st.masks} masks · ${st.pixels ? ((100 * st.pixels_above_threshold) / st.pixels).toFixed(1) : '0.0'} % of pixels`, swatch: true },
            ])
            if (written) perQuery[q].frames_2d.contact_sheet = file
          }
        }
        if (embeddings) {
          writeFileAtomic(join(ctx.outDir, 'text.npy'), encodeNpy({ data: embeddings.data, shape: embeddings.shape, dtype: '<f4' }), { fsync: false })
          const roles = texts.map((_, i) => (i < sets.queries ? 'query' : i < sets.queries + sets.labels ? 'label' : 'negative'))
          writeJsonAtomic(join(ctx.outDir, 'texts.json'), { texts, roles, encoder: opts.encoder, space: embeddings.space, mode: opts.mode, temperature: opts.temperature }, { fsync: false })
        }
        if (sets.labels > 0) {
          writeJsonAtomic(join(ctx.outDir, 'labels', 'labels.json'), {
            labels: ['background', ...opts.labels], mode: opts.mode, threshold: opts.threshold, frames, pixels: Array.from(labelPixels),
            background: 'a pixel is 0 when it has no mask or its mask\'s best label score is below the threshold (auto: Otsu of the best scores per frame)',
          })
        }
        const scores = {
          encoder: opts.encoder,
          space: embeddings?.space ?? null,
          mode: opts.mode,
          temperature: opts.temperature,
          negatives,
          labels: opts.labels,
          threshold: opts.threshold,
          frames,
          text_embeddings: embeddings ? { file: 'text.npy', texts: 'texts.json' } : null,
          labels_3d: map3d?.labels ?? null,
          mesh: map3d?.mesh ?? null,
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
