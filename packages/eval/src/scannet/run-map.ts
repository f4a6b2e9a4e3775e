import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  PlafError, checkPort, createModelAccess, createRunContext, createStandaloneContext, diagnostic, fail, hasErrors, hubSettings, partialRun, readJsonFile, recordedRandomWeights, resolvePipeline,
  type Diagnostic, type PartialRun, type Registry, type ResolvedPipeline, type SemanticMap3D, type SemanticMemory2D, type TextEmbeddings,
} from '@plaf/core'

/** What a report says about the run the predictions came from: pipeline, plugins, models and hashes. */
export interface RunManifestSummary {
  dir: string
  pipeline: string
  config_hash: string | null
  /** Stage key → `plugin@version`. */
  plugins: Record<string, string>
  /** The manifest's `models` (name, version, file hashes) as the run recorded them. */
  models: unknown[]
  /** The text encoder that embeds class prompts, and its options. */
  text_encoder: { plugin: string; options: Record<string, unknown> }
  /** The storage3d stage whose map was read (`plaf eval scannet`); `-` when none was (scannet2d). */
  storage3d: string
  /** The storage2d stage whose 2D memories were read (`plaf eval scannet2d`). */
  storage2d?: string
  /** The input the run read, as its manifest records it (identity: the input plugin's content hash). */
  input: { plugin: string | null; identity: string | null; describe: string | null }
}

/** A finished run opened for evaluation: its pipeline, manifest and report, its stored values, and its text encoder. */
export interface EvalRun {
  runDir: string
  pipeline: ResolvedPipeline
  manifest: RunManifestSummary
  /** The run's `report.json` (stage metrics: bytes, ms per call; wall time, frames). */
  report: RunReportLike
  /** Embeds groups of prompts with the run's querier encoder: one unit row per group, the normalised mean of its prompts' unit embeddings. */
  embed(groups: readonly (readonly string[])[]): Promise<TextEmbeddings>
  /** Opens the first storage2d codec that reads a stored frame back; `read` gives null for a frame it did not store. */
  memories(firstFrame: string): Promise<{ stage: string; read(frame: string): Promise<SemanticMemory2D | null>; dispose(): Promise<void> }>
  /**
   * Whether `sceneDir` is the input the run was made from: the run's input plugin is opened on it
   * (its `scene` option replaced, the others as the run had them) and its identity compared with
   * the manifest's. A PLAF_INPUT_INVALID warning when they differ (or when the scene cannot be
   * opened as the run's input and its path is not the run's), null when they agree or the run's
   * input has no `scene` option or recorded no identity.
   */
  inputCheck(sceneDir: string, flag?: string): Promise<Diagnostic | null>
  /**
   * What the evaluation must say about the run before its scores: PLAF_RANDOM_WEIGHTS for each
   * contract model with random weights its manifest records, and, when a partial run was allowed
   * ({@link OpenEvalRunOptions.allowPartial}), that it holds only some of the input's frames.
   */
  warnings: Diagnostic[]
}

/** Options of {@link openEvalRun}. */
export interface OpenEvalRunOptions {
  /**
   * A run holding only part of its input (a shard, a merge that left shards out) is refused
   * unless this is set; then it is opened with a warning. `plaf eval scannet2d --allow-partial`.
   */
  allowPartial?: boolean
  /** The flag that sets `allowPartial`, offered in the refusal's hint (none: no way around it but merging). */
  allowFlag?: string
  /** What to do instead, in place of `plaf merge` first ({@link PartialRun.merge}): for 2D memories, which a merge does not carry. */
  partialHint?: string
  /** What scoring a partial run would get wrong, in the refusal (default: a 3D map scored against the whole scene). */
  partialWhy?: string
}

/** A finished run's 3D map, read back through its storage3d codec, and how to embed texts in its space. */
export interface RunMap extends EvalRun {
  map: SemanticMap3D
}

/** The fields of `report.json` the evaluation reads. */
export interface RunReportLike {
  wall_ms?: number
  frames?: { processed?: number }
  stages?: Record<string, { plugin?: string; kind?: string; ms_mean?: number; ms_total?: number; calls?: number; metrics?: Record<string, number> }>
}

/**
 * The unit-norm mean of unit rows per group (a prompt ensemble): `data` holds the rows of all
 * groups one after another (N×D), `sizes[k]` rows for group k. Returns K×D.
 */
export function ensembleMean(data: Float32Array, d: number, sizes: readonly number[]): Float32Array {
  const out = new Float32Array(sizes.length * d)
  let at = 0
  sizes.forEach((t, k) => {
    const o = out.subarray(k * d, (k + 1) * d)
    for (let j = 0; j < t; j++, at++) {
      const row = data.subarray(at * d, (at + 1) * d)
      let s = 0
      for (let i = 0; i < d; i++) s += row[i] * row[i]
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0
      for (let i = 0; i < d; i++) o[i] += row[i] * inv
    }
    let s = 0
    for (let i = 0; i < d; i++) s += o[i] * o[i]
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0
    for (let i = 0; i < d; i++) o[i] *= inv
  })
  return out
}

/** What to do instead of evaluating a partial run: make the whole run with plaf merge, then evaluate that. */
function evalPartialHint(p: PartialRun): string {
  return `${p.merge}, then evaluate ${p.kind === 'shard' ? 'the merged run (--run <merged dir>)' : 'that run'}`
}

/**
 * The refusal (or, with `severity: 'warning'`, the note) that a run holds only part of its input
 * (core's {@link partialRun}). `hint`: what to do instead ({@link evalPartialHint} by default);
 * `why`: what scoring it would get wrong (default: for a 3D map against the whole scene).
 */
export function partialRunDiagnostic(runDir: string, p: PartialRun, hint: string, flag: string, severity: 'error' | 'warning', allow?: string, why?: string): Diagnostic {
  const scored = severity === 'error'
    ? (why ?? `its map lacks what only the other ${p.total - p.frames} frames saw, and scoring it against the whole scene would count those surfaces as misses`)
    : `scored as asked${allow ? ` (${allow})` : ''}: the scores cover only those frames, not the whole run`
  return diagnostic('PLAF_INPUT_INVALID', `${runDir} is ${p.what}: it holds ${p.frames} of the input's ${p.total} frames; ${scored}`, {
    severity, file: p.file, source: flag, path: 'run', expected: `a run of all ${p.total} frames`, actual: `${p.frames} of ${p.total} frames`,
    hint: severity === 'error' && allow ? `${hint}; or ${allow} to score only its ${p.frames} frames` : hint,
  })
}

/**
 * Opens a finished run (`config.resolved.yaml`, `manifest.json`, `report.json`) and reads its 3D
 * map back through the first storage3d codec that can `read()`. Errors name the file that is
 * missing (PLAF_FILE_NOT_FOUND) or say why the run has no map (PLAF_RUN_NOT_QUERYABLE).
 */
export async function readRunMap(runDir: string, registry: Registry, flag = `--run ${runDir}`): Promise<RunMap> {
  // a shard's map lacks the other shards' frames: never scored as the scene's (plaf merge first)
  const run = await openEvalRun(runDir, registry, flag)
  const dir = run.runDir
  const p = run.pipeline
  let map: SemanticMap3D | undefined
  for (const s of p.stages.filter((x) => x.plugin.kind === 'storage3d')) {
    const inst = await s.plugin.create(structuredClone(s.options), run.ctxFor(s.key))
    try {
      if (!inst.read) continue
      const stored = await inst.read()
      map = Object.values(stored ?? {}).find((v) => checkPort('SemanticMap3D', v) === null) as SemanticMap3D | undefined
      if (map) {
        run.manifest.storage3d = s.key
        break
      }
    } finally {
      await inst.dispose?.()
    }
  }
  if (!map) {
    throw new PlafError(diagnostic('PLAF_RUN_NOT_QUERYABLE', `${runDir} has no 3D map to evaluate: no storage3d stage of its pipeline can read one back`, {
      file: join(dir, 'config.resolved.yaml'), source: flag, hint: 'add a lifter and a storage3d stage (e.g. index-reference) to the pipeline',
    }))
  }
  return { ...run, map }
}

/**
 * Opens a finished run for evaluation (see {@link EvalRun}); errors name the missing file or what
 * the run lacks. A run holding only part of its input's frames (core's {@link partialRun}) is a
 * PLAF_INPUT_INVALID error naming shard.json (or the manifest) and the `plaf merge` to run first,
 * unless `opts.allowPartial`.
 */
export async function openEvalRun(runDir: string, registry: Registry, flag = `--run ${runDir}`, opts: OpenEvalRunOptions = {}): Promise<EvalRun & { ctxFor(stage: string): ReturnType<typeof createStandaloneContext> }> {
  const dir = resolve(runDir)
  if (!existsSync(dir)) fail('PLAF_FILE_NOT_FOUND', `run directory ${runDir} does not exist`, { file: dir, source: flag, path: 'run' })
  for (const f of ['config.resolved.yaml', 'manifest.json', 'report.json']) {
    if (!existsSync(join(dir, f))) {
      fail('PLAF_FILE_NOT_FOUND', `${runDir} is not a finished run: ${f} is missing`, { file: join(dir, f), source: flag, path: 'run', hint: 'give the directory plaf run wrote (or a sweep\'s output directory)' })
    }
  }
  const manifest = readJsonFile(join(dir, 'manifest.json'))
  const report = readJsonFile(join(dir, 'report.json')) as RunReportLike
  const partial = partialRun(dir, manifest)
  const partialHint = partial ? (opts.partialHint ?? evalPartialHint(partial)) : ''
  if (partial && !opts.allowPartial) throw new PlafError(partialRunDiagnostic(runDir, partial, partialHint, flag, 'error', opts.allowFlag, opts.partialWhy))
  const warnings = recordedRandomWeights(manifest.models, join(dir, 'manifest.json'))
  if (partial) warnings.push(partialRunDiagnostic(runDir, partial, partialHint, flag, 'warning', opts.allowFlag))
  const r = await resolvePipeline(join(dir, 'config.resolved.yaml'), registry)
  if (!r.pipeline || hasErrors(r.diagnostics)) throw new PlafError(r.diagnostics.filter((d) => d.severity === 'error'))
  const p: ResolvedPipeline = { ...r.pipeline, baseDir: manifest.pipeline?.base_dir ?? r.pipeline.baseDir }
  const models = createModelAccess(hubSettings({ runtime: p.runtime }))
  const ctxFor = (stage: string) => createStandaloneContext({ stage, runDir: dir, baseDir: p.baseDir, plugins: p.registry.list(), models })
  const querier = p.stages.find((s) => s.plugin.kind === 'querier')
  const encoderName = querier?.options.encoder
  if (typeof encoderName !== 'string') {
    throw new PlafError(diagnostic('PLAF_RUN_NOT_QUERYABLE', `${runDir} has no querier stage, so which text encoder embeds the class names is unknown`, {
      file: join(dir, 'config.resolved.yaml'), source: flag, hint: 'add a querier stage (use: text, with an encoder) to the pipeline',
    }))
  }
  const encoderOptions = (querier!.options.encoder_options ?? {}) as Record<string, unknown>
  const plugins: Record<string, string> = {}
  for (const [key, v] of Object.entries((manifest.plugins ?? {}) as Record<string, { plugin: string; version: string }>)) plugins[key] = `${v.plugin}@${v.version}`
  return {
    runDir: dir,
    pipeline: p,
    report,
    ctxFor,
    warnings,
    manifest: {
      dir, pipeline: p.name, config_hash: manifest.pipeline?.config_hash ?? null, plugins, models: Array.isArray(manifest.models) ? manifest.models : [],
      text_encoder: { plugin: encoderName, options: encoderOptions }, storage3d: '',
      input: { plugin: manifest.input?.plugin ?? null, identity: manifest.input?.identity ?? null, describe: manifest.input?.describe ?? null },
    },
    async inputCheck(sceneDir, flag = `--scene ${sceneDir}`) {
      const recorded = manifest.input?.identity as string | undefined
      const runScene = p.input.options.scene
      const scene = resolve(sceneDir)
      if (!recorded || typeof runScene !== 'string') {
        // nothing ties the run to a scene folder (a generated input such as synthetic-room, or an input with no identity)
        const made = `${p.input.use} input${manifest.input?.describe ? ` (${manifest.input.describe})` : ''}`
        const why = !recorded ? 'its manifest records no input identity' : `that input names no scene folder (no "scene" option)`
        return diagnostic('PLAF_INPUT_INVALID', `${runDir} was made from ${made}; ${why}, so nothing shows it was made from ${scene}: the scores may compare a map with a scene it was not built from`, {
          severity: 'warning', file: join(dir, 'manifest.json'), source: flag, path: 'scene', expected: `a run whose input is ${scene}`, actual: made,
          hint: `evaluate a run made from the scan: input: { use: scannet, with: { scene: ${scene} } }`,
        })
      }
      const was = resolve(p.baseDir, runScene)
      const what = `${manifest.input?.describe ?? was}`
      const hint = `give the scene the run was made from (--scene ${was}), or run the pipeline on ${scene} (--set input.with.scene=${scene}) and evaluate that run; the identity hashes the input's files, so the same scan in another layout (a .sens file against exported frames) differs too: then this warning does not apply`
      let identity: string
      try {
        const src = await p.input.plugin.create({ ...structuredClone(p.input.options), scene }, ctxFor('input'))
        identity = src.identity
        await src.dispose?.()
      } catch (e) {
        if (scene === was) return null
        const why = e instanceof PlafError ? e.diagnostics[0]?.message : (e as Error).message
        return diagnostic('PLAF_INPUT_INVALID', `${runDir} was made from ${what}, not from ${scene}, and ${scene} cannot be opened as the run's ${p.input.use} input to compare their contents (${why}): the scores may compare a map with another scene`, {
          severity: 'warning', file: join(dir, 'manifest.json'), source: flag, path: 'scene', expected: was, actual: scene, hint,
        })
      }
      if (identity === recorded) return null
      return diagnostic('PLAF_INPUT_INVALID', `${runDir} was not made from ${scene}: the run's manifest records input ${recorded.slice(0, 12)}… (${what}), ${scene} is input ${identity.slice(0, 12)}…; the scores compare a map with a scene it was not built from`, {
        severity: 'warning', file: join(dir, 'manifest.json'), source: flag, path: 'scene', hint,
      })
    },
    async embed(groups) {
      const ctx = ctxFor('eval')
      const encoder = await ctx.instantiate('text-encoder', encoderName, encoderOptions)
      try {
        const prompts = groups.flat()
        let out: Record<string, unknown>
        try {
          out = await encoder.run({ text: { texts: prompts } }, createRunContext())
        } catch (e) {
          if (!(e instanceof PlafError)) throw e
          // the run's encoder cannot embed a class text (e.g. the colour lexicon and "wall"): say how eval gets around it
          const hint = `the class texts go through the run's encoder ${encoderName}; --prompts <file.json> queries classes with texts it can embed`
          throw new PlafError(e.diagnostics.map((d) => ({ ...d, hint: d.hint ? `${d.hint}; ${hint}` : hint })), { cause: e })
        }
        const e = Object.values(out).find((v) => checkPort('TextEmbeddings', v) === null) as TextEmbeddings | undefined
        if (!e || e.shape[0] !== prompts.length) fail('PLAF_PLUGIN_INVALID', `text encoder "${encoderName}" returned no TextEmbeddings for ${prompts.length} prompts`, { plugin: encoderName })
        const d = e.shape[1]
        return { texts: groups.map((g) => g.join(' | ')), data: ensembleMean(e.data, d, groups.map((g) => g.length)), shape: [groups.length, d], space: e.space }
      } finally {
        await encoder.dispose?.()
      }
    },
    async memories(firstFrame) {
      for (const s of p.stages.filter((x) => x.plugin.kind === 'storage2d')) {
        const inst = await s.plugin.create(structuredClone(s.options), ctxFor(s.key))
        const read = async (frame: string): Promise<SemanticMemory2D | null> => {
          const stored = await inst.read!({ id: frame })
          return (Object.values(stored ?? {}).find((v) => checkPort('SemanticMemory2D', v) === null) as SemanticMemory2D | undefined) ?? null
        }
        // a codec that stored nothing readable (the dense baseline with keep: false) fails or gives no memory here
        if (inst.read && (await read(firstFrame).catch(() => null))) return { stage: s.key, read, dispose: async () => { await inst.dispose?.() } }
        await inst.dispose?.()
      }
      throw new PlafError(diagnostic('PLAF_RUN_NOT_QUERYABLE', `${runDir} has no 2D memories to evaluate: no storage2d stage of its pipeline reads frame ${firstFrame} back`, {
        file: join(dir, 'config.resolved.yaml'), source: flag, hint: 'keep a storage2d stage that stores every frame (e.g. mask-indexed)',
      }))
    },
  }
}
