import { readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import {
  PlafError, checkPort, createModelAccess, createReferenceBackend, createStandaloneContext, diagnostic, encodePng, hubSettings, openRun,
  type Frame, type Registry, type ResolvedPipeline, type ResolvedStage, type SemanticMap3D, type SemanticMemory2D, type StageInstance, type TextEmbeddings,
} from '@plaf/core'
import { unitRows, type UnitRows } from './score.js'
import type { FrameInfo, ViewerInfo } from './wire.js'

/** What the viewer shows of a finished run: the 3D map, the text encoder, and frames on demand. */
export interface ViewerData {
  /** The run directory (absolute); only files inside it are served under `/run/`. */
  runDir: string
  info: ViewerInfo
  map: { positions: Float32Array; colors: Uint8Array; refs: Uint32Array }
  /** The pool rows scaled to unit length (scores are cosines). */
  pool: UnitRows
  /** Embeds texts with the run's text encoder: Q×D. */
  embed(texts: string[]): Promise<Float32Array>
  /** The frame's colour image as PNG, and its stored 2D memory (null when the run did not store it). */
  frame(id: string): Promise<{ png: Uint8Array; memory: (SemanticMemory2D & { table: UnitRows }) | null }>
  /** Resolves when the camera path is complete (the input walked once). */
  framesDone: Promise<void>
  close(): Promise<void>
}

const portValue = <T>(type: 'SemanticMap3D' | 'SemanticMemory2D' | 'TextEmbeddings', out: Record<string, unknown>): T | undefined =>
  Object.values(out).find((v) => checkPort(type, v) === null) as T | undefined

const stageOf = (p: ResolvedPipeline, key: string | null): ResolvedStage | undefined => (key === null ? undefined : p.stages.find((s) => s.key === key))

/**
 * Opens a finished run for the viewer. `openRun` checks the run (a missing or unfinished run
 * directory is PLAF_FILE_NOT_FOUND naming it) and picks the querier and the codecs to read, as
 * `plaf query` does; the viewer then reads the 3D map once, keeps the querier's text encoder open
 * to embed queries, and walks the input once in the background for the camera path.
 */
export async function openViewerData(runDir: string, registry: Registry): Promise<ViewerData> {
  const handle = await openRun(runDir, registry)
  const p = handle.pipeline
  const { querier: querierKey, storage2d: s2Key, storage3d: s3Key } = handle.stages
  const dir = handle.runDir
  await handle.close()
  const querier = stageOf(p, querierKey)!
  const s3 = stageOf(p, s3Key)
  if (!s3) {
    throw new PlafError(diagnostic('PLAF_RUN_NOT_QUERYABLE', `${dir} has no readable 3D map: plaf view shows a run's 3D map (its pipeline needs a lifter and a storage3d stage)`, { file: dir }))
  }
  const s2 = stageOf(p, s2Key)
  const tensor = createReferenceBackend()
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
    const pool = unitRows(map.pool.data, rows, d)
    const qo = querier.options as { encoder: string; encoder_options?: Record<string, unknown>; threshold?: unknown; mode?: string; queries?: string[]; labels?: string[] }
    const encoder = await ctxFor(querier.key).instantiate('text-encoder', qo.encoder, qo.encoder_options ?? {})
    open.push(encoder)
    const memReader = s2 ? await create(s2) : null
    const embed = async (texts: string[]): Promise<Float32Array> => {
      const out = (await encoder.run({ text: { texts } }, { metric: () => {}, warn: () => {} })) as Record<string, unknown>
      const e = portValue<TextEmbeddings>('TextEmbeddings', out)
      if (!e || e.shape[0] !== texts.length || e.shape[1] !== d) {
        throw new PlafError(diagnostic('PLAF_PLUGIN_INVALID', `text encoder "${qo.encoder}" returned no ${texts.length}×${d} TextEmbeddings`, { plugin: qo.encoder }))
      }
      return e.data
    }
    const frames: FrameInfo[] = []
    // The frames the 2D codec stored, as the run's report lists them (what openRun reads too).
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { stages?: Record<string, { frame_metrics?: Record<string, unknown> }> }
    const storedIds = new Set(s2 && memReader ? Object.keys(report.stages?.[s2.key]?.frame_metrics ?? {}) : [])
    const position = new Map<string, number>()
    const info: ViewerInfo = {
      run: basename(dir), points: map.refs.length, pointsShown: map.refs.length, poolRows: rows, space: map.space, encoder: qo.encoder,
      threshold: typeof qo.threshold === 'number' && (qo.mode ?? 'cosine') === 'cosine' ? qo.threshold : 0.5,
      queries: qo.queries ?? [], labels: qo.labels ?? [], exported: false, frames, framesComplete: false,
    }
    const stored = async (id: string): Promise<SemanticMemory2D | null> => {
      if (!memReader) return null
      try {
        return portValue<SemanticMemory2D>('SemanticMemory2D', (await memReader.read!({ id })) as Record<string, unknown>) ?? null
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
      const png = encodePng({ width: w, height: h, channels: 3, data: f.rgb.data }, { fast: true })
      const m = await stored(id)
      return { png, memory: m ? { ...m, table: unitRows(m.features.data, m.features.shape[0], m.features.shape[1]) } : null }
    }
    return {
      runDir: dir, info, map: { positions: map.positions, colors: map.colors, refs: map.refs }, pool, embed, frame, framesDone,
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
