import { existsSync, readFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import {
  PlafError, checkPort, createModelAccess, createStandaloneContext, diagnostic, hubSettings, openRun, resolvePipeline, runModelWarnings, selectTensorBackend,
  type Frame, type Registry, type ResolvedPipeline, type ResolvedStage, type SemanticMap3D, type SemanticMemory2D, type StageInstance, type TensorBackend,
  type TextEmbeddings,
} from '@plaf/core'
import { LERF_NEGATIVES, LERF_TEMPERATURE, pointsPerRow, prepareMap, rowBoxes, type PreparedMap } from '@plaf/query'
import { scoreTexts } from './score.js'
import type { FrameInfo, ScoreKind, ScoreMode, ViewerInfo, ViewerScoring, ViewerWarning } from './wire.js'

/** What the viewer shows of a finished run: the 3D map, the text encoder, and frames on demand. */
export interface ViewerData {
  /** The run directory (absolute); only files inside it are served under `/run/`. */
  runDir: string
  info: ViewerInfo
  map: SemanticMap3D
  /** The pool's row norms, computed once (`@plaf/query`'s `prepareMap`). */
  prepared: PreparedMap
  /** The tensor backend scores are computed on: the run's `runtime.tensor_backend`, as `plaf query` picks it. */
  tensor: TensorBackend
  /** Embeds texts with the run's text encoder. */
  embed(texts: string[]): Promise<TextEmbeddings>
  /** The frame's colour image (RGB, 8 bits) and its stored 2D memory (null when the run did not store it). */
  frame(id: string): Promise<{ image: { width: number; height: number; data: Uint8Array }; memory: SemanticMemory2D | null }>
  /** Resolves when the camera path is complete (the input walked once). */
  framesDone: Promise<void>
  close(): Promise<void>
}

/** Scores texts over the map's pool (rows weighted by their points for the auto threshold). */
export function poolScores(data: ViewerData, texts: string[], kind: ScoreKind, mode: ScoreMode): ReturnType<typeof scoreTexts> {
  const table = { data: data.map.pool.data, rows: data.map.pool.shape[0], norms: data.prepared.norms, weights: (valid: Uint8Array) => pointsPerRow(data.map.refs, valid) }
  return scoreTexts(table, texts, kind, mode, data.info.scoring, data.embed, data.tensor)
}

/** Scores texts over a frame's mask table (masks weighted by their pixels for the auto threshold, as the querier's 2D part). */
export function frameScores(data: ViewerData, memory: SemanticMemory2D, texts: string[], kind: ScoreKind, mode: ScoreMode): ReturnType<typeof scoreTexts> {
  const rows = memory.features.shape[0]
  const weights = (valid: Uint8Array) => {
    const px = rowBoxes(memory.ids.data, memory.ids.shape[1], rows).pixels
    return Float64Array.from(px, (n, r) => (valid[r] ? n : 0))
  }
  if (memory.space !== data.map.space) {
    throw new PlafError(diagnostic('PLAF_SPACE_MISMATCH', `the frame's 2D memory is in embedding space "${memory.space}" but the map in "${data.map.space}"`))
  }
  return scoreTexts({ data: memory.features.data, rows, weights }, texts, kind, mode, data.info.scoring, data.embed, data.tensor)
}

/**
 * The warnings the page shows about a run in its top banner (core's `runModelWarnings`, what `plaf
 * view` prints on stderr): PLAF_RANDOM_WEIGHTS per contract model with random weights its
 * manifest.json records, and PLAF_INPUT_INVALID when the run holds only part of its input's frames
 * (a `plaf run --shard i/n` directory, a `plaf merge` that left shards out: k of N frames, the
 * merge to run). Code, message and hint, with no local path (an exported page travels): the run is
 * named by its directory's name, as the page names it (`ViewerInfo.run`), and the file the warning
 * comes from is left out. Empty for a whole run without such models.
 */
export function viewerWarnings(runDir: string): ViewerWarning[] {
  return runModelWarnings(runDir, basename(resolve(runDir))).map((w) => ({ code: w.code, message: w.message, ...(w.hint ? { hint: w.hint } : {}) }))
}

/** What a run's pipeline lacks for plaf view: a stored 3D map, and (unless `hasQuerier`) a querier with its text encoder. */
function viewMisses(p: ResolvedPipeline, hasQuerier: boolean): string[] {
  const has = (kind: string) => p.stages.some((s) => s.plugin.kind === kind)
  const out: string[] = []
  if (!has('storage3d')) out.push(has('lifter') ? 'its pipeline lifts a 3D map but has no storage3d stage to keep it' : 'its pipeline has no lifter and no storage3d stage (a 2D-only run)')
  else out.push('its storage3d stage cannot read its map back')
  if (!hasQuerier && !has('querier')) out.push('it has no querier stage, so no text encoder to embed queries')
  return out
}

const portValue = <T>(type: 'SemanticMap3D' | 'SemanticMemory2D' | 'TextEmbeddings', out: Record<string, unknown>): T | undefined =>
  Object.values(out).find((v) => checkPort(type, v) === null) as T | undefined

const stageOf = (p: ResolvedPipeline, key: string | null): ResolvedStage | undefined => (key === null ? undefined : p.stages.find((s) => s.key === key))

/**
 * Opens a finished run for the viewer. `openRun` checks the run (a missing or unfinished run
 * directory is PLAF_FILE_NOT_FOUND naming it) and picks the querier and the codecs to read, as
 * `plaf query` does; the viewer then reads the 3D map once, keeps the querier's text encoder open
 * to embed queries, and walks the input once in the background for the camera path. `info.warnings`
 * holds what {@link viewerWarnings} finds (random-weight models, a run holding only part of its
 * input's frames), which the page shows in its top banner.
 */
export async function openViewerData(runDir: string, registry: Registry): Promise<ViewerData> {
  const handle = await openRun(runDir, registry).catch(async (e: unknown) => {
    // A run without a querier: say first what plaf view misses (often the 3D map too), then openRun's reason.
    if (!(e instanceof PlafError) || !e.diagnostics.some((d) => d.code === 'PLAF_RUN_NOT_QUERYABLE')) throw e
    const dir = resolve(runDir)
    const r = await resolvePipeline(join(dir, 'config.resolved.yaml'), registry).catch(() => null)
    if (!r?.pipeline) throw e
    throw new PlafError(diagnostic('PLAF_RUN_NOT_QUERYABLE', `${dir} cannot be shown: ${viewMisses(r.pipeline, false).join(', and ')}`, {
      file: dir, hint: r.pipeline.stages.some((s) => s.plugin.kind === 'storage2d') ? 'its 2D results are in its output folders; to see a run in plaf view, its pipeline needs a lifter, a storage3d and a querier stage (as pipelines/demo.yaml)' : 'its pipeline needs a lifter, a storage3d and a querier stage (as pipelines/demo.yaml)',
    }))
  })
  const p = handle.pipeline
  const { querier: querierKey, storage2d: s2Key, storage3d: s3Key } = handle.stages
  const dir = handle.runDir
  await handle.close()
  const querier = stageOf(p, querierKey)!
  const s3 = stageOf(p, s3Key)
  if (!s3) {
    throw new PlafError(diagnostic('PLAF_RUN_NOT_QUERYABLE', `${dir} has no 3D map to show: ${viewMisses(p, true).join(', and ')}. plaf view shows a run's 3D map`, {
      file: dir,
      hint: s2Key ? `query its 2D memories with plaf query ${dir} --text <text> --images (overlays and contact sheets per query)` : 'add a lifter and a storage3d stage to the pipeline and run it again',
    }))
  }
  const s2 = stageOf(p, s2Key)
  // The backend plaf query picks for this run, so the viewer's cosines are the querier's, bit for bit.
  const { backend: tensor } = await selectTensorBackend(p.runtime.tensor_backend, {
    device: p.runtime.device === 'webgpu' ? 'auto' : p.runtime.device,
    threads: p.runtime.threads || undefined,
  })
  const models = createModelAccess(hubSettings({ runtime: p.runtime }))
  const ctxFor = (stage: string) => createStandaloneContext({ stage, runDir: dir, baseDir: p.baseDir, tensor, plugins: p.registry.list(), models })
  const open: StageInstance[] = []
  const create = async (s: ResolvedStage) => {
    const inst = await s.plugin.create(structuredClone(s.options), ctxFor(s.key))
    open.push(inst)
    return inst
  }
  const closeAll = async () => {
    for (const i of open.splice(0)) await i.dispose?.()
    await tensor.dispose()
  }
  try {
    const mapReader = await create(s3)
    const map = portValue<SemanticMap3D>('SemanticMap3D', (await mapReader.read!()) as Record<string, unknown>)
    if (!map) throw new PlafError(diagnostic('PLAF_PORT_VALUE_INVALID', `stage ${s3.key} (${s3.use}) read back no valid SemanticMap3D`, { stage: s3.key, plugin: s3.use }))
    const [rows, d] = map.pool.shape
    const prepared = prepareMap(map, { product: 'tensor' }) // the norms are what the viewer uses: no product kernel (pool copy, helper thread)
    const qo = querier.options as {
      encoder: string; encoder_options?: Record<string, unknown>; threshold?: number | 'auto'; mode?: ScoreMode; temperature?: number; negatives?: string[]
      queries?: string[]; labels?: string[]
    }
    const encoder = await ctxFor(querier.key).instantiate('text-encoder', qo.encoder, qo.encoder_options ?? {})
    open.push(encoder)
    const memReader = s2 ? await create(s2) : null
    // A merged run (plaf merge) holds only the 3D map: its 2D memories stay in the shard run
    // directories its manifest names; they are read there, through the same 2D codec.
    const merged = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { merged?: { shards?: { dir: string }[] } }).merged
    const shardStage = !s2 && merged ? p.stages.find((s) => s.plugin.kind === 'storage2d') : undefined
    const shardReaders = new Map<string, StageInstance>()
    const shardsMissing: string[] = []
    for (const shard of shardStage ? merged?.shards ?? [] : []) {
      const shardDir = resolve(dir, shard.dir)
      const shardReport = join(shardDir, 'report.json')
      if (!existsSync(shardReport)) {
        shardsMissing.push(shardDir)
        continue
      }
      const ids = Object.keys((JSON.parse(readFileSync(shardReport, 'utf8')) as { stages?: Record<string, { frame_metrics?: Record<string, unknown> }> }).stages?.[shardStage!.key]?.frame_metrics ?? {})
      const inst = await shardStage!.plugin.create(structuredClone(shardStage!.options), createStandaloneContext({ stage: shardStage!.key, runDir: shardDir, baseDir: p.baseDir, tensor, plugins: p.registry.list(), models }))
      open.push(inst)
      if (!inst.read) continue
      for (const id of ids) shardReaders.set(id, inst)
    }
    const embed = async (texts: string[]): Promise<TextEmbeddings> => {
      const out = (await encoder.run({ text: { texts } }, { metric: () => {}, warn: () => {} })) as Record<string, unknown>
      const e = portValue<TextEmbeddings>('TextEmbeddings', out)
      if (!e || e.shape[0] !== texts.length || e.shape[1] !== d) {
        throw new PlafError(diagnostic('PLAF_PLUGIN_INVALID', `text encoder "${qo.encoder}" returned no ${texts.length}×${d} TextEmbeddings`, { plugin: qo.encoder }))
      }
      if (e.space !== map.space) {
        throw new PlafError(diagnostic('PLAF_SPACE_MISMATCH', `the map is in embedding space "${map.space}" but text encoder "${qo.encoder}" embeds into "${e.space}"`, { plugin: qo.encoder }))
      }
      return e
    }
    const frames: FrameInfo[] = []
    // The frames the 2D codec stored, as the run's report lists them (what openRun reads too).
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { stages?: Record<string, { frame_metrics?: Record<string, unknown> }> }
    const storedIds = new Set(s2 && memReader ? Object.keys(report.stages?.[s2.key]?.frame_metrics ?? {}) : shardReaders.keys())
    const position = new Map<string, number>()
    const scoring: ViewerScoring = {
      mode: qo.mode ?? 'cosine', threshold: qo.threshold ?? 0.5, temperature: qo.temperature ?? LERF_TEMPERATURE, negatives: qo.negatives ?? [...LERF_NEGATIVES], queries: qo.queries ?? [],
      thresholdFrom: 'run', modeFrom: 'run', querier: { mode: qo.mode ?? 'cosine', threshold: qo.threshold ?? 0.5 },
    }
    const info: ViewerInfo = {
      run: basename(dir), warnings: viewerWarnings(dir), points: map.refs.length, pointsShown: map.refs.length, poolRows: rows, space: map.space, encoder: qo.encoder, scoring,
      queries: qo.queries ?? [], labels: qo.labels ?? [], exported: false, frames, framesComplete: false,
      frames2d: shardStage && !shardReaders.size
        ? `a merged run (plaf merge) holds only the 3D map; its 2D memories stay in its shard directories${shardsMissing.length ? `, and ${shardsMissing.join(', ')} ${shardsMissing.length === 1 ? 'is' : 'are'} gone` : ', which stored no readable frame'}: frames show their image only`
        : shardStage && shardsMissing.length ? `a merged run: the 2D memories are read from its shard directories, but ${shardsMissing.join(', ')} ${shardsMissing.length === 1 ? 'is' : 'are'} gone: the frames of ${shardsMissing.length === 1 ? 'that shard' : 'those shards'} show their image only`
        : !s2 && !shardStage ? 'the run stored no 2D memories (its pipeline has no storage2d stage that can read them back): frames show their image only'
        : !s2 ? undefined
        : storedIds.size === 0 ? `the run's 2D codec (${s2.key}) stored no frame: frames show their image only` : undefined,
    }
    const stored = async (id: string): Promise<SemanticMemory2D | null> => {
      const reader = memReader ?? shardReaders.get(id)
      if (!reader) return null
      try {
        return portValue<SemanticMemory2D>('SemanticMemory2D', (await reader.read!({ id })) as Record<string, unknown>) ?? null
      } catch (e) {
        if (e instanceof PlafError && e.diagnostics.every((x) => x.code === 'PLAF_FILE_NOT_FOUND')) return null
        throw e
      }
    }
    // One walk over the input for the camera path; images are decoded again on demand (frames(from)).
    let closed = false
    const framesDone = (async () => {
      const source = await p.input.plugin.create(structuredClone(p.input.options), ctxFor('input'))
      try {
        let i = 0
        for await (const f of source.frames()) {
          if (closed) return
          position.set(f.id, i++)
          frames.push({ id: f.id, pose: f.pose ? Array.from(f.pose as ArrayLike<number>) : null, stored: storedIds.has(f.id) })
        }
      } finally {
        info.framesComplete = true
        await source.dispose?.()
      }
    })().catch((e: unknown) => {
      info.framesError = e instanceof Error ? e.message : String(e)
    })
    const frame = async (id: string) => {
      const at = position.get(id)
      if (at === undefined) throw new PlafError(diagnostic('PLAF_FILE_NOT_FOUND', `frame ${id} is not (yet) on the run's camera path`, { frame: id }))
      const source = await p.input.plugin.create(structuredClone(p.input.options), ctxFor('input'))
      let f: Frame | undefined
      try {
        for await (const x of source.frames(at)) {
          f = x
          break
        }
      } finally {
        await source.dispose?.()
      }
      if (!f || f.id !== id) throw new PlafError(diagnostic('PLAF_INPUT_INVALID', `the run's input no longer yields frame ${id} at position ${at}`, { frame: id }))
      const [h, w] = f.rgb.shape
      return { image: { width: w, height: h, data: f.rgb.data }, memory: await stored(id) }
    }
    return {
      runDir: dir, info, map, prepared, tensor, embed, frame, framesDone,
      async close() {
        closed = true
        await framesDone.catch(() => {})
        await closeAll()
      },
    }
  } catch (e) {
    await closeAll()
    throw e
  }
}
