import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { selectTensorBackend } from '../backends/select.js'
import { type Diagnostic, PlafError, diagnostic, hasErrors } from '../diagnostics.js'
import { validateOptions } from '../options.js'
import { optionDiagnostics } from '../pipeline/option-errors.js'
import type { Origin } from '../pipeline/provenance.js'
import { type ResolvedPipeline, type ResolvedStage, resolvePipeline } from '../pipeline/resolve.js'
import type { Frame } from '../ports.js'
import type { PluginContext, PluginNote, RunContext } from '../plugin.js'
import type { Registry } from '../registry.js'
import { createStandaloneContext } from './context.js'
import { createModelAccess, hubSettings } from '../models/model-access.js'
import { pickFrames } from './query-frames.js'
import { readQueryScores } from './query-scores.js'
import type { RunReport } from './report.js'
import { type StoredReader, asStage, isNotStored, notQueryable, openStoredReader, storedInputs } from './stored-reader.js'
import { wrapError } from './stats.js'

/** Options of {@link openRun}. */
export interface OpenRunOptions {
  /** Stage key of the querier to use; default: the run's first `querier` stage. */
  querier?: string
  /** Stage key of the `storage2d` stage to read 2D memories from; default: the most compact readable one. */
  storage2d?: string
  /** Stage key of the `storage3d` stage to read the 3D map from; default: the most compact readable one. */
  storage3d?: string
}

/** Options of {@link RunHandle.query}. */
export interface RunQueryOptions {
  /** Querier options to change for this query (`{ threshold: 0.3 }`), checked against its schema. */
  with?: Record<string, unknown>
  /**
   * Where each `with` option (and `queries`, the texts) came from, by dotted option path, for
   * located errors: `{ threshold: '--threshold 1.5' }`. See `optionDiagnostics`.
   */
  flags?: Record<string, string | Origin>
  /** Text that locates options without a flag of their own, e.g. `plaf query runs/demo`. */
  source?: string
  /** Output directory of the querier; default `<runDir>/queries`. */
  out?: string
  /**
   * Score only these frames (ids as the input names them; an all-digit id also matches the same
   * number with other leading zeros, so `10` finds `000010`). An id the input does not have is
   * PLAF_INVALID_OVERRIDE naming it, located at `flags.frames` (else `source`), before any output.
   */
  frames?: readonly string[]
  /**
   * A stored frame that cannot be read (a damaged or missing file) is an error by default; with
   * `skipDamaged` it is left out, listed in `framesDamaged` and warned about (PLAF_FRAME_SKIPPED).
   */
  skipDamaged?: boolean
}

/** One query text's hits at the threshold. */
export interface QueryHit {
  text: string
  /** Over every frame whose 2D memory was read; null when the run has no readable 2D memory. */
  frames2d: {
    masks: number
    masksSelected: number
    pixels: number
    pixelsSelected: number
    /** Highest mask score (raw cosine) and its frame; null when no frame had a mask. */
    best: number | null
    bestFrame: string | null
  } | null
  /** Over the 3D map; null when the run has no readable 3D map. */
  map3d: { points: number; pointsSelected: number; poolRows: number; best: number | null } | null
}

/** What {@link RunHandle.query} returns: hit counts and best scores per text, timings, paths. */
export interface QueryResult {
  texts: string[]
  /** Score at or above which a mask or point counts as selected, or `auto` (chosen per frame and query by the querier). */
  threshold: number | 'auto'
  /** The querier's score mode (`cosine` when it names none). */
  mode: string
  /** The querier's output directory and the `scores.json` it wrote there. */
  out: string
  scoresFile: string
  /** Frames whose stored 2D memory was scored. */
  frames: number
  /** Frames of the input that the 2D codec had not stored (e.g. skipped during the run). */
  framesNotStored: string[]
  /** Stored frames left out because they could not be read (only with `skipDamaged`), and why. */
  framesDamaged: { frame: string; reason: string }[]
  queries: QueryHit[]
  /** Wall time in ms: all of it, the frame walk (read + score), the 3D part, and the querier's own figures. */
  timings: { totalMs: number; frames2dMs: number; map3dMs: number; querier: Record<string, number> }
  /** Warnings raised while querying, stamped with stage and plugin. */
  notes: Diagnostic[]
}

/** A finished run opened for querying; see {@link openRun}. */
export interface RunHandle {
  readonly runDir: string
  /** The run's pipeline, resolved again from its `config.resolved.yaml`. */
  readonly pipeline: ResolvedPipeline
  /** Stage keys in use: the querier, and the codecs read back (null when none can be read). */
  readonly stages: { querier: string; storage2d: string | null; storage3d: string | null }
  /** The tensor backend opened for scoring (the run's `runtime.tensor_backend`). */
  readonly tensorBackend: { name: string; device: string }
  /** Warnings from resolving the run's configuration. */
  readonly diagnostics: Diagnostic[]
  /** Scores `texts` against the stored 2D memories and 3D map; reuses the opened codecs. */
  query(texts: readonly string[], options?: RunQueryOptions): Promise<QueryResult>
  /** Disposes the codecs and the tensor backend. */
  close(): Promise<void>
}

const FRAME_FIELDS = ['index', 'rgb', 'depth', 'pose', 'colorIntrinsics', 'depthIntrinsics', 'labels'] as const

/**
 * A frame known by its id only, for a querier that declared (`readsFramePixels` false) that it
 * reads no pixels: reading any other field throws PLAF_INTERNAL naming the stage and frame,
 * instead of handing it a made-up image.
 */
function idOnlyFrame(id: string, stage: string): Frame {
  const frame = { id } as Frame
  for (const field of FRAME_FIELDS) {
    Object.defineProperty(frame, field, {
      enumerable: false,
      get(): never {
        throw new PlafError(diagnostic('PLAF_INTERNAL', `stage ${stage} read frame ${id}'s ${field}, but its plugin declared (readsFramePixels: false) that it reads no pixels, so the input was not read`, { stage, frame: id }))
      },
    })
  }
  return frame
}

/** The files of a finished run, checked; throws PLAF_FILE_NOT_FOUND naming what is missing. */
function checkFinished(dir: string): { configFile: string; manifest: { pipeline?: { base_dir?: string } }; report: RunReport } {
  if (!existsSync(dir)) throw new PlafError(diagnostic('PLAF_FILE_NOT_FOUND', `run directory ${dir} does not exist`, { file: dir }))
  const configFile = join(dir, 'config.resolved.yaml')
  const missing = ['config.resolved.yaml', 'manifest.json'].filter((f) => !existsSync(join(dir, f)))
  if (missing.length) {
    throw new PlafError(diagnostic('PLAF_FILE_NOT_FOUND', `${dir} is not a run directory: ${missing.join(' and ')} missing`, {
      file: join(dir, missing[0]), hint: 'give the directory plaf run wrote (it holds config.resolved.yaml, manifest.json and report.json)',
    }))
  }
  const reportFile = join(dir, 'report.json')
  if (!existsSync(reportFile)) {
    throw new PlafError(diagnostic('PLAF_FILE_NOT_FOUND', `${dir} is not a finished run: report.json is missing (the run was interrupted or is still running)`, {
      file: reportFile, hint: 'finish it with plaf run <pipeline> --resume --out <run dir>',
    }))
  }
  const json = (f: string) => {
    try {
      return JSON.parse(readFileSync(join(dir, f), 'utf8'))
    } catch (e) {
      throw new PlafError(diagnostic('PLAF_INPUT_INVALID', `${join(dir, f)} is not valid JSON: ${(e as Error).message}`, { file: join(dir, f), cause: e }))
    }
  }
  return { configFile, manifest: json('manifest.json'), report: json('report.json') }
}

/**
 * Runs the input's validate-time `check` before a query that reads frame pixels (pictures):
 * an input that is gone is PLAF_FILE_NOT_FOUND saying the pictures need it and naming it.
 */
async function inputReadable(p: ResolvedPipeline, querier: ResolvedStage, configFile: string): Promise<void> {
  let notes: PluginNote[] = []
  try {
    notes = (await p.input.plugin.check?.(structuredClone(p.input.options), { baseDir: p.baseDir })) ?? []
  } catch (e) {
    if (!(e instanceof PlafError)) throw e
    notes = e.diagnostics
  }
  const errors = notes.filter((n) => (n.severity ?? 'error') === 'error')
  if (!errors.length) return
  throw new PlafError(errors.map(({ message, hint: _, ...n }) => diagnostic(n.code, `drawing pictures (mask and overlay images, contact sheets) reads the run's input frames, and its input (${p.input.use}) cannot be read: ${message}`, {
    ...n, severity: 'error', file: configFile, path: `input.with${n.path ? `.${n.path}` : ''}`, line: undefined, column: undefined, stage: querier.key, plugin: p.input.use,
    hint: `put the input back where the run found it, or query without pictures (plaf query without --images; write_masks and write_overlays false): scores, top masks and 3D outputs need only the run directory`,
  })))
}

function pickQuerier(p: ResolvedPipeline, named: string | undefined, configFile: string): ResolvedStage {
  const queriers = p.stages.filter((s) => s.plugin.kind === 'querier')
  const q = named === undefined ? queriers[0] : queriers.find((s) => s.key === named)
  if (q) return q
  if (named !== undefined) {
    throw notQueryable(`the run has no querier stage "${named}"`, { file: configFile, actual: named, expected: queriers.map((s) => s.key).join(', ') || 'a querier stage' })
  }
  throw notQueryable('the run has no querier stage, so which text encoder embeds the queries is unknown', {
    file: configFile, hint: 'add a querier stage (e.g. use: text with an encoder) to the pipeline and run it again',
  })
}

/**
 * Opens a finished run (a directory `runPipeline` completed: `config.resolved.yaml`,
 * `manifest.json`, `report.json`) to query it with new texts without recomputing any feature.
 * The configuration is resolved again against `registry` (plus the plugins it lists). The run's
 * querier is created per {@link RunHandle.query} call with the texts as its `queries` option; it
 * walks the frame ids the run's report lists for the 2D codec when its `readsFramePixels` answers
 * false for the options (no image decoded, and the input need not exist any more: a run whose scene
 * moved, or a run directory copied elsewhere, is queried from the run directory alone); a querier
 * that draws pictures walks the input's frames again (the input's files must still be where the
 * run found them: the input's `check` runs first, and its error says the pictures need it), gets
 * each frame's stored 2D memory from a `storage2d` codec's `read(frame)` and the 3D map from a
 * `storage3d` codec's `read()`, and writes `scores.json` (see `QueryScores`) and its other outputs.
 *
 * A codec is used only if its instance can `read` and it stores a port type the querier takes.
 * Among those, the stage named in `options` wins; otherwise the one that stored the most frames,
 * then the fewest bytes per frame, as each codec reported in `report.json` (its `frames` and
 * `bytes` metrics), then pipeline order.
 *
 * Throws PlafError: PLAF_FILE_NOT_FOUND for a directory that is not a finished run, the resolver's
 * diagnostics for a configuration that no longer resolves, PLAF_RUN_NOT_QUERYABLE for a run
 * without a querier or a named stage that is missing or cannot be read back.
 */
export async function openRun(runDir: string, registry: Registry, options: OpenRunOptions = {}): Promise<RunHandle> {
  const dir = resolve(runDir)
  const { configFile, manifest, report } = checkFinished(dir)
  // The input's own check (its files exist) is left to the query that reads frames: querying the
  // stored memories needs no input, so a run whose scene moved (or a copied run dir) opens.
  const r = await resolvePipeline(configFile, registry, { checkInput: false })
  if (!r.pipeline || hasErrors(r.diagnostics)) throw new PlafError(r.diagnostics.filter((d) => d.severity === 'error'))
  const p: ResolvedPipeline = { ...r.pipeline, baseDir: manifest.pipeline?.base_dir ?? r.pipeline.baseDir }
  const querier = pickQuerier(p, options.querier, configFile)
  const { backend } = await selectTensorBackend(p.runtime.tensor_backend, {
    device: p.runtime.device === 'webgpu' ? 'auto' : p.runtime.device,
    threads: p.runtime.threads || undefined,
  })
  const models = createModelAccess(hubSettings({ runtime: p.runtime }))
  const ctxFor = (stage: string, outDir?: string) => {
    const c = createStandaloneContext({ stage, runDir: dir, baseDir: p.baseDir, tensor: backend, plugins: p.registry.list(), models })
    return outDir ? { ...c, outDir } : c
  }
  const readers: StoredReader[] = []
  try {
    for (const kind of ['storage2d', 'storage3d'] as const) {
      const reader = await openStoredReader(p, kind, options[kind], querier, report, (s) => ctxFor(s.key), configFile)
      // a 2D codec that reported storing no frame (a `plaf merge` run: 3D only) is not read, unless named
      if (reader && kind === 'storage2d' && options.storage2d === undefined && report.stages?.[reader.stage.key]?.metrics?.frames === 0) {
        await reader.inst.dispose?.()
        continue
      }
      if (reader) readers.push(reader)
    }
  } catch (e) {
    for (const x of readers) await x.inst.dispose?.()
    await backend.dispose()
    throw e
  }
  const s2 = readers.find((x) => x.stage.plugin.kind === 'storage2d')
  const s3 = readers.find((x) => x.stage.plugin.kind === 'storage3d')
  let closed = false

  async function query(texts: readonly string[], o: RunQueryOptions = {}): Promise<QueryResult> {
    if (closed) throw new PlafError(diagnostic('PLAF_INTERNAL', `query() after close() on the run handle of ${dir}`))
    const labels = o.with?.labels
    if (!texts.length && !(Array.isArray(labels) && labels.length)) {
      throw new PlafError(diagnostic('PLAF_MISSING_OPTION', 'queries: at least one text (or label) is needed', {
        path: 'queries', stage: querier.key, plugin: querier.use, expected: 'at least one text', actual: 'none', source: o.source,
      }))
    }
    const given = { ...querier.options, ...o.with, queries: [...texts] }
    const checked = validateOptions(querier.plugin, given)
    if (!checked.ok) throw new PlafError(optionDiagnostics(querier.plugin, checked.errors, { value: given, flags: o.flags, source: o.source, stage: querier.key }))
    const out = resolve(o.out ?? join(dir, 'queries'))
    const notes: Diagnostic[] = []
    const note = (n: PluginNote, stage: string, plugin: string, frame?: string) =>
      notes.push(diagnostic(n.code, n.message, { severity: 'warning', ...n, stage: n.stage ?? stage, plugin: n.plugin ?? plugin, frame: n.frame ?? frame }))
    const rc = (frame?: Frame): RunContext => ({
      // index read lazily: an id-only frame (the stored walk) has none
      frame: frame && { id: frame.id, get index() { return frame.index } }, metric: () => {}, warn: (n) => note(n, querier.key, querier.use, frame?.id),
    })
    const contexts: { ctx: PluginContext & { notes: PluginNote[] }; stage: string; plugin: string }[] = []
    const t0 = performance.now()
    const qctx = ctxFor(querier.key, out)
    contexts.push({ ctx: qctx, stage: querier.key, plugin: querier.use })
    let frames = 0
    const framesNotStored: string[] = []
    const framesDamaged: { frame: string; reason: string }[] = []
    let frames2dMs = 0
    let map3dMs = 0
    try {
      const q = await asStage(querier, undefined, () => querier.plugin.create(checked.value, qctx))
      try {
        const t1 = performance.now()
        if (s2 && querier.mode === 'frame') {
          const stored = Object.keys(report.stages?.[s2.stage.key]?.frame_metrics ?? {})
          // A querier that reads no pixels with these options walks the frames the run stored, by
          // id, in the run's order: the input's images are not decoded (most of a query's frame walk).
          const byId = stored.length > 0 && querier.plugin.readsFramePixels?.(checked.value) === false
          let source: { frames(): AsyncIterable<Frame>; dispose?(): unknown }
          if (byId) {
            source = { async *frames() { for (const id of stored) yield idOnlyFrame(id, querier.key) } }
          } else {
            await inputReadable(p, querier, configFile)
            const ictx = ctxFor('input')
            contexts.push({ ctx: ictx, stage: 'input', plugin: p.input.use })
            source = await p.input.plugin.create(structuredClone(p.input.options), ictx)
          }
          try {
            const wanted = o.frames ? await pickFrames(stored, source, o.frames, o.flags?.frames ?? o.source) : null
            for await (const frame of source.frames()) {
              if (wanted && !wanted.has(frame.id)) continue
              let damaged = false
              const stored = await s2.inst.read({ id: frame.id }).catch((e: unknown) => {
                if (isNotStored(e, frame.id)) return null
                const err = wrapError(e, s2.stage, frame.id)
                if (!o.skipDamaged) throw err
                const d = err.diagnostics[0]!
                framesDamaged.push({ frame: frame.id, reason: d.message })
                note({ code: 'PLAF_FRAME_SKIPPED', severity: 'warning', message: `frame ${frame.id} left out of the query (--skip-damaged): ${d.message}`, file: d.file, frame: frame.id }, s2.stage.key, s2.stage.use)
                damaged = true
                return null
              })
              if (!stored) {
                if (!damaged) framesNotStored.push(frame.id)
                continue
              }
              const inputs = storedInputs(querier, 'frame', s2, stored, frame)
              await asStage(querier, frame.id, () => q.run(inputs, rc(frame)))
              frames++
            }
          } finally {
            await source.dispose?.()
          }
        }
        const t2 = performance.now()
        frames2dMs = t2 - t1
        const scene = s3 ? storedInputs(querier, 'scene', s3, await asStage(s3.stage, undefined, () => s3.inst.read())) : {}
        if (querier.mode === 'scene') await asStage(querier, undefined, () => q.run(scene, rc()))
        else if (q.finish) await asStage(querier, undefined, () => q.finish!(scene, rc()))
        map3dMs = performance.now() - t2
      } finally {
        await q.dispose?.()
      }
    } finally {
      for (const c of contexts) for (const n of c.ctx.notes) note(n, c.stage, c.plugin)
    }
    const scores = readQueryScores(out, texts, querier.use)
    return {
      texts: [...texts],
      threshold: scores.threshold,
      mode: scores.mode ?? 'cosine',
      out,
      scoresFile: join(out, 'scores.json'),
      frames,
      framesNotStored,
      framesDamaged,
      queries: scores.queries.map((s) => ({
        text: s.text,
        frames2d: s2 && s.frames_2d ? {
          masks: s.frames_2d.masks, masksSelected: s.frames_2d.masks_above_threshold,
          pixels: s.frames_2d.pixels, pixelsSelected: s.frames_2d.pixels_above_threshold,
          best: s.frames_2d.best?.score ?? null, bestFrame: s.frames_2d.best?.frame ?? null,
        } : null,
        map3d: s3 && s.map ? {
          points: s.map.points, pointsSelected: s.map.points_above_threshold, poolRows: s.map.pool_rows, best: s.map.top_pool_rows[0]?.score ?? null,
        } : null,
      })),
      timings: { totalMs: performance.now() - t0, frames2dMs, map3dMs, querier: scores.timings_ms },
      notes,
    }
  }

  return {
    runDir: dir,
    pipeline: p,
    stages: { querier: querier.key, storage2d: s2?.stage.key ?? null, storage3d: s3?.stage.key ?? null },
    tensorBackend: { name: backend.name, device: backend.device },
    diagnostics: r.diagnostics,
    query,
    async close() {
      if (closed) return
      closed = true
      for (const x of readers) await x.inst.dispose?.()
      await backend.dispose()
    },
  }
}
