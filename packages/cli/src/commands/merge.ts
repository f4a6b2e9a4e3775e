/**
 * `plaf merge <partial dirs…> --out DIR`: fuses the partial maps of `plaf run --shard i/n` runs
 * into one map with the lifter's own association rule, and writes it with the partials' index-reference
 * options. Shards keep their masks (shard.json `masks`): the merge replays them frame by frame in
 * the order of the whole sequence (replayPartials), which gives the unsharded map. Partials without
 * that sidecar enter as whole maps (MapBuilder.addMap: each partial map enters as one frame whose
 * masks are its pool rows and whose samples are its points, weighted by their observation counts).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { performance } from 'node:perf_hooks'
import {
  PlafError, createReferenceBackend, decodeNpy, diagnostic, firstDifference, hasErrors, prepareRunDir, resolvePipeline, settleFailedRun, writeFileAtomic, writeJsonAtomic, writeProgress,
  type Diagnostic, type ResolvedPipeline, type RunReport, type StageReport,
} from '@plaf/core'
import { MapBuilder, replayPartials, type BackprojectLifterOptions, type MaskObservations, type PartialObservations } from '@plaf/lifter'
import { open3D, writeIndexReferenceMap, type IndexReferenceOptions } from '@plaf/storage'
import { builtinRegistry } from '../builtins.js'
import { EXIT, printDiagnostics, type Io } from '../io.js'
import { userErrors } from '../user-errors.js'
import { decodeMasks, SHARD_FILE, type MaskFiles, type ShardRecord } from './shard.js'

/** Options of `plaf merge`. */
export interface MergeCommandOptions {
  out?: string
  /** Clear an --out directory that holds another run first (refused otherwise, as plaf run). */
  overwrite?: boolean
  json?: boolean
}

/** One partial run, opened. */
interface PartialRun {
  dir: string
  configFile: string
  pipeline: ResolvedPipeline
  lifter: { key: string; options: BackprojectLifterOptions }
  storage: { key: string; options: IndexReferenceOptions }
  shard: ShardRecord | null
  masksSeen: number | null
  /** The directory with symbolic links resolved: what makes two arguments the same run. */
  realDir: string
  /** The input frame positions the run processed: a shard's, a merged run's shards', every frame of an unsharded run. */
  frames: number[]
}

const invalid = (message: string, extra: Partial<Diagnostic>): PlafError => new PlafError(diagnostic('PLAF_INPUT_INVALID', message, extra))

async function openPartial(dir: string): Promise<PartialRun> {
  const configFile = join(dir, 'config.resolved.yaml')
  if (!existsSync(dir)) throw new PlafError(diagnostic('PLAF_FILE_NOT_FOUND', `partial run ${dir} does not exist`, { file: dir }))
  if (!existsSync(configFile)) {
    throw new PlafError(diagnostic('PLAF_FILE_NOT_FOUND', `${dir} is not a run directory: config.resolved.yaml is missing`, { file: configFile, hint: 'give the directories plaf run --shard i/n wrote' }))
  }
  const reportFile = join(dir, 'report.json')
  if (!existsSync(reportFile)) {
    throw new PlafError(diagnostic('PLAF_FILE_NOT_FOUND', `${dir} is not a finished run: report.json is missing`, { file: reportFile, hint: 'finish the shard with plaf run <pipeline> --shard i/n --resume --out <dir>' }))
  }
  const r = await resolvePipeline(configFile, builtinRegistry(), { checkSweep: false })
  if (!r.pipeline || hasErrors(r.diagnostics)) throw new PlafError(r.diagnostics.filter((d) => d.severity === 'error'))
  const p = r.pipeline
  const lifter = p.stages.find((s) => s.use === 'backproject')
  const storage = p.stages.find((s) => s.use === 'index-reference')
  if (!lifter || !storage) {
    throw invalid(`${dir}: the run has no ${lifter ? 'index-reference storage3d' : 'backproject lifter'} stage, so it stored no mergeable map`, { file: configFile, expected: 'a backproject lifter and an index-reference storage3d stage' })
  }
  const read = (f: string): unknown => {
    try {
      return JSON.parse(readFileSync(f, 'utf8'))
    } catch (e) {
      throw invalid(`${f} is not valid JSON: ${(e as Error).message}`, { file: f })
    }
  }
  const shardFile = join(dir, SHARD_FILE)
  const shard = existsSync(shardFile) ? (read(shardFile) as ShardRecord) : null
  const report = read(reportFile) as { stages?: Record<string, { metrics?: Record<string, number> }>; frames?: { total?: number; processed?: number } }
  const masksSeen = report.stages?.[lifter.key]?.metrics?.masks_seen ?? null
  const manifestFile = join(dir, 'manifest.json')
  const merged = existsSync(manifestFile) ? (read(manifestFile) as { merged?: MergedRecord }).merged : undefined
  const all = (n: number) => Array.from({ length: n }, (_, i) => i)
  const whole = all(report.frames?.total ?? report.frames?.processed ?? 0)
  // an earlier merge's output holds its shards' frames (all of them when a partial was not sharded)
  const frames = shard ? shard.frames : merged?.shards?.every((x) => Array.isArray(x.frames)) ? merged.shards.flatMap((x) => x.frames!) : whole
  return {
    dir, configFile, pipeline: p, shard, masksSeen, realDir: realPath(dir), frames,
    lifter: { key: lifter.key, options: lifter.options as unknown as BackprojectLifterOptions },
    storage: { key: storage.key, options: storage.options as unknown as IndexReferenceOptions },
  }
}

/** Checks that the partials are shards of one run: same configuration (output aside), same sharding, no shard twice. */
function checkCompatible(parts: PartialRun[]): Diagnostic[] {
  const notes: Diagnostic[] = []
  const [first] = parts
  // runtime (threads, cache, progress) and output may differ between workers; everything that shapes the map may not
  const comparable = (p: PartialRun) => ({ ...p.pipeline.config, output: undefined, runtime: undefined })
  const seen = new Map<number, string>()
  const real = new Map<string, string>()
  for (const p of parts) {
    const dup = real.get(p.realDir)
    if (dup !== undefined) {
      const again = p.shard ? `: it is shard ${p.shard.shard}/${p.shard.of} again` : ''
      throw invalid(`${p.dir} is given twice${dup === p.dir ? '' : ` (also as ${dup}; both are ${p.realDir})`}${again}; its frames would be merged twice`, { file: p.dir, hint: 'give each partial run once' })
    }
    real.set(p.realDir, p.dir)
  }
  for (const p of parts) {
    const at = firstDifference(comparable(first), comparable(p))?.path
    if (at !== undefined) {
      throw invalid(`${p.dir} is a run of a different pipeline than ${first.dir}: ${at} differs`, { file: p.configFile, path: at, hint: 'merge only the shards of one plaf run … --shard i/n' })
    }
    if (!p.shard || !first.shard) continue
    const s0 = first.shard
    if (s0.of !== p.shard.of || s0.chunk !== p.shard.chunk || s0.input_identity !== p.shard.input_identity) {
      throw invalid(`${p.dir} was sharded differently from ${first.dir} (${p.shard.shard}/${p.shard.of}, chunks of ${p.shard.chunk})`, { file: join(p.dir, SHARD_FILE) })
    }
    const dup = seen.get(p.shard.shard)
    if (dup) throw invalid(`${p.dir} is shard ${p.shard.shard}/${p.shard.of} again (also ${dup})`, { file: join(p.dir, SHARD_FILE) })
    seen.set(p.shard.shard, p.dir)
  }
  // A frame in two partials would enter the map twice: a shard beside the unsharded run of the same
  // pipeline, or beside a merged run that holds it, is refused like the same shard twice.
  const at = new Map<number, string>()
  for (const p of parts) {
    for (const f of p.frames) {
      const other = at.get(f)
      if (other !== undefined) {
        throw invalid(`frame position ${f} is in both ${other} and ${p.dir}${p.shard ? '' : ' (a run that was not sharded holds every frame)'}: its masks would be merged twice`, {
          file: p.dir, hint: 'merge the shards of one sharded run, each once; an unsharded run needs no merge',
        })
      }
      at.set(f, p.dir)
    }
  }
  const of = first.shard?.of
  if (of !== undefined && seen.size < of) {
    const missing = Array.from({ length: of }, (_, i) => i).filter((i) => !seen.has(i))
    notes.push({ code: 'PLAF_INPUT_INVALID', severity: 'warning', message: `shards ${missing.map((i) => `${i}/${of}`).join(', ')} are not among the partials: the merged map lacks their frames` })
  }
  return notes
}

/** What the merged run directory's manifest.json adds to a run's: the shards it was merged from. */
export interface MergedRecord {
  /** Each partial: its directory, shard (`i/n`, null for a run that was not sharded) and the frame positions it processed. */
  shards: Array<{ dir: string; shard: string | null; frames: number[] | null }>
  replayed: boolean
  /** What the merged run stores: only the 3D map (the 2D memories stay in the shard directories). */
  stores: ['3d']
}

const bytesUnder = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? bytesUnder(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0)

/**
 * Makes the merge's output a run directory `plaf query`, `plaf view` and `plaf eval scannet --run`
 * open: manifest.json (the first partial's, with the whole input's identity and frame count and
 * `merged`: the shards) and report.json (the lifter's and 3D map's figures; every 2D codec with
 * `frames: 0`, since the 2D memories are not merged: they stay in the shard directories).
 */
function writeRunFiles(out: string, parts: PartialRun[], rows: Array<{ points: number; pool_rows: number }>, summary: { points: number; pool_rows: number; dense_bytes: number | null; masks_seen: number | null; replayed: boolean }, ms: number, cpuMs: number, storageFigures: Record<string, number> = {}): void {
  const read = (f: string): Record<string, unknown> | null => (existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>) : null)
  const first = parts[0]
  const manifest = read(join(first.dir, 'manifest.json')) ?? {}
  const input = { ...(manifest.input as Record<string, unknown> | undefined) }
  const rec = first.shard
  if (rec) {
    input.identity = rec.input_identity
    input.frames = rec.frames_total
  }
  if (typeof input.describe === 'string') input.describe = input.describe.replace(/ \(shard \d+\/\d+, chunks of .*\)$/, '')
  input.describe = `${String(input.describe ?? 'input')} (merged from ${parts.length} partial map${parts.length === 1 ? '' : 's'})`
  const merged: MergedRecord = { shards: parts.map((p) => ({ dir: p.dir, shard: p.shard ? `${p.shard.shard}/${p.shard.of}` : null, frames: p.shard?.frames ?? null })), replayed: summary.replayed, stores: ['3d'] }
  writeJsonAtomic(join(out, 'manifest.json'), { ...manifest, input, merged })
  const reports = parts.map((p) => read(join(p.dir, 'report.json')) as Partial<RunReport> | null)
  const base = reports[0] ?? {}
  const stages: Record<string, StageReport> = {}
  for (const st of first.pipeline.stages) {
    const metrics: Record<string, number> = {}
    if (st.plugin.kind === 'storage2d') Object.assign(metrics, { frames: 0, bytes: 0 })
    if (st.key === first.lifter.key) Object.assign(metrics, { points: summary.points, pool_rows: summary.pool_rows }, summary.masks_seen === null ? {} : { masks_seen: summary.masks_seen })
    if (st.key === first.storage.key) {
      Object.assign(metrics, { points: summary.points, pool_rows: summary.pool_rows, bytes: bytesUnder(join(out, st.key)) }, summary.dense_bytes === null ? {} : { dense_bytes: summary.dense_bytes }, storageFigures)
    }
    stages[st.key] = {
      plugin: st.use, kind: st.plugin.kind, version: base.stages?.[st.key]?.version ?? '', calls: 0, ms_total: 0, ms_mean: 0, own_ms_total: 0, own_ms_mean: 0, cache_hits: 0, cache_misses: 0, peak_rss_mib: 0, metrics, frame_metrics: {},
    } as StageReport
  }
  const processed = reports.reduce((n, r) => n + (r?.frames?.processed ?? 0), 0)
  const report: RunReport = {
    name: first.pipeline.name, run_dir: out, complete: true,
    frames: { total: rec?.frames_total ?? processed, processed, resumed_from: 0 },
    wall_ms: ms, cpu_ms: cpuMs, frames_in_flight: 1, peak_rss_mib: process.memoryUsage().rss / 2 ** 20, tensor_backend: 'reference', stages, warnings: {}, notes: [],
  }
  writeJsonAtomic(join(out, 'report.json'), report)
}

/** `p` with symbolic links resolved: the real path of its deepest existing ancestor, plus the rest as given. */
export function realPath(p: string): string {
  const abs = resolve(p)
  try {
    return realpathSync.native(abs)
  } catch {
    const parent = dirname(abs)
    return parent === abs ? abs : join(realPath(parent), basename(abs))
  }
}

/** Whether `inner` is `outer` or inside it (both real, absolute paths). */
const within = (inner: string, outer: string): boolean => {
  const r = relative(outer, inner)
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r))
}

/**
 * --out must be none of the partials, lie in none and hold none: the merge writes (and clears) its
 * output directory, so an input there would be destroyed or mixed into the result (PLAF_INVALID_OPTION).
 */
export function checkOutApart(out: string, dirs: string[]): void {
  const o = realPath(out)
  for (const d of dirs) {
    const r = realPath(d)
    const how = o === r ? 'is' : within(o, r) ? 'lies inside' : within(r, o) ? 'contains' : null
    if (!how) continue
    throw new PlafError(diagnostic('PLAF_INVALID_OPTION', `--out ${out} ${how} the partial run ${d}${how === 'is' ? '' : ` (${r})`}: the merge writes its output directory and would destroy that input`, {
      path: 'out', source: `--out ${out}`, file: d, hint: 'give --out a new directory outside every partial run, e.g. runs/merged',
    }))
  }
}

/** `plaf merge <dirs…> --out DIR`. */
export async function mergeCommand(dirs: string[], o: MergeCommandOptions, io: Io): Promise<number> {
  if (!o.out) {
    printDiagnostics(io, [diagnostic('PLAF_INVALID_OPTION', 'plaf merge needs --out <dir> for the merged map', { path: 'out', source: 'plaf merge', expected: '--out <dir>' })], o.json)
    return EXIT.user
  }
  const out = resolve(o.out)
  return userErrors(io, o.json, async () => {
    const t0 = performance.now()
    const cpu0 = process.cpuUsage()
    checkOutApart(o.out!, dirs)
    const parts: PartialRun[] = []
    for (const d of dirs) parts.push(await openPartial(resolve(d)))
    const notes = checkCompatible(parts)
    // Shard order, whatever the command line's: entries are then associated in the order the
    // unsharded run met their first chunks (shard 0's first), and the result does not depend on argument order.
    if (parts.every((p) => p.shard)) parts.sort((a, b) => a.shard!.shard - b.shard!.shard)
    printDiagnostics(io, notes, o.json)
    // The output is a run directory under plaf run's rules: locked while the merge writes, an earlier
    // merge of the same pipeline's partials is replaced, any other run is refused unless --overwrite
    // (PLAF_RUN_DIR_USED), and whatever that run left is cleared: results are never a mixture of two runs.
    const identity = { merge: { ...parts[0].pipeline.config, output: undefined, runtime: undefined } }
    const runDir = prepareRunDir({ ...parts[0].pipeline, config: identity } as unknown as ResolvedPipeline, { outDir: out, overwrite: o.overwrite })
    try {
      printDiagnostics(io, runDir.notes, o.json)
      await mergeInto(out, parts, io, o, t0, cpu0)
      writeProgress(runDir, parts.length, null, true)
    } catch (e) {
      throw settleFailedRun(runDir, e)
    } finally {
      runDir.lock.release()
    }
  })
}

/** Fuses the opened partials and writes the merged run into `out` (a prepared run directory). */
async function mergeInto(out: string, parts: PartialRun[], io: Io, o: MergeCommandOptions, t0: number, cpu0: NodeJS.CpuUsage): Promise<void> {
  {
    const lo = parts[0].lifter.options
    const tensor = createReferenceBackend()
    const builder = new MapBuilder({
      voxelSize: lo.voxel_size, fusion: lo.fusion, poolMergeThreshold: lo.pool_merge_threshold,
      fusionOverlap: lo.fusion_overlap, fusionCosine: lo.fusion_cosine, tensor,
    })
    const rows: Array<{ dir: string; shard: string | null; masks: number | null; points: number; pool_rows: number; masks_seen: number | null }> = []
    let dim = -1
    let dimFrom = ''
    // With every partial's mask sidecar the merge replays masks; otherwise it fuses whole maps.
    const replay = parts.every((p) => p.shard?.masks)
    const opened = parts.map((p) => {
      const mapDir = join(p.dir, p.storage.key)
      const { map, counts } = open3D(mapDir)
      const d = map.pool.shape[1]
      // a shard that got no frame (more shards than chunks) has an empty pool of no dimension
      if (map.pool.shape[0] > 0) {
        if (dim >= 0 && d !== dim) throw invalid(`${mapDir}: its pool has ${d}-dimensional rows but ${dimFrom}'s has ${dim}`, { file: join(mapDir, 'map.json'), expected: String(dim), actual: String(d) })
        dim = d
        dimFrom = p.dir
      }
      let masks: MaskObservations | null = null
      let where = join(mapDir, 'map.ply')
      if (replay) {
        const f = p.shard!.masks!
        const files = Object.fromEntries((Object.keys(f) as Array<keyof MaskFiles>).map((k) => [k, join(p.dir, f[k])])) as Record<keyof MaskFiles, string>
        masks = decodeMasks(files, (file) => decodeNpy(readFileSync(file), file))
        where = files.masks
        if (masks.keys.length !== map.refs.length * 3) throw invalid(`${files.keys}: ${masks.keys.length / 3} voxel keys for the ${map.refs.length} points of ${mapDir}`, { file: files.keys })
        if (masks.frames.length && masks.features.length / masks.frames.length !== d) throw invalid(`${files.features}: ${masks.features.length / masks.frames.length}-dimensional features but the pool of ${mapDir} has ${d}`, { file: files.features })
      }
      io.err(`merge: ${p.dir}: ${map.refs.length} points, ${map.pool.shape[0]} pool rows${masks ? `, ${masks.frames.length} masks` : ''}`)
      rows.push({ dir: p.dir, shard: p.shard ? `${p.shard.shard}/${p.shard.of}` : null, masks: masks ? masks.frames.length : null, points: map.refs.length, pool_rows: map.pool.shape[0], masks_seen: p.masksSeen })
      return { p, map, counts, masks, where }
    })
    if (replay) {
      const obs: PartialObservations[] = opened.map((o) => ({ masks: o.masks!, positions: o.masks!.frameIds.map(Number), space: o.map.space, where: o.where }))
      let last = 0
      await replayPartials(builder, obs, (done, total) => {
        if (done === total || Date.now() - last > 2000) {
          last = Date.now()
          io.err(`merge: replayed ${done}/${total} frames`)
        }
      })
      for (const o of opened) {
        // each point's observations are its samples in the sidecar (exact whether or not the map stored counts)
        const n = o.map.refs.length
        const counts = new Uint32Array(n)
        const pairs = o.masks!.pairs
        for (let k = 0; k < pairs.length; k += 3) {
          if (pairs[k + 1] >= n) throw invalid(`${o.where}: a sample group is for point ${pairs[k + 1]} but the map has ${n} points`, { file: o.where })
          counts[pairs[k + 1]] += pairs[k + 2]
        }
        builder.addGeometry(o.map.positions, o.map.colors, counts, o.masks!.keys, o.where)
      }
    } else {
      for (const o of opened) {
        if (o.map.refs.length > 0) await builder.addMap(o.map, o.counts, o.where)
        if (o.p.masksSeen !== null) builder.countMasks(o.p.masksSeen)
      }
    }
    const merged = builder.finish()
    await tensor.dispose()
    const so = parts[0].storage.options
    const mapDir = join(out, parts[0].storage.key)
    mkdirSync(mapDir, { recursive: true })
    // the dense per-point size is computed, never written (as in a run with keep_dense_baseline false)
    const man = writeIndexReferenceMap(mapDir, merged, { ...so, dense_baseline: false, keep_dense_baseline: false, counts: true }, merged.counts)
    writeFileAtomic(join(out, 'config.resolved.yaml'), readFileSync(parts[0].configFile, 'utf8'))
    const summary = {
      format: 'plaf-merge', version: 1, fusion: lo.fusion, partials: rows, map: join(out, parts[0].storage.key),
      points: merged.refs.length, pool_rows: merged.pool.shape[0], dense_bytes: man.storage.measured.dense_bytes, masks_seen: replay || rows.every((r) => r.masks_seen !== null) ? builder.masksSeen : null, replayed: replay,
    }
    writeJsonAtomic(join(out, 'merge.json'), summary)
    // the like-for-like figures a run's index-reference stage reports (dense per-point at the pool's dtype)
    const ms = man.storage.measured
    const storageFigures = { semantic_bytes: ms.semantic_bytes, feature_bytes: man.storage.paper.feature_bytes, ...(ms.dense_pool_dtype_bytes === undefined ? {} : { dense_pool_dtype_bytes: ms.dense_pool_dtype_bytes }) }
    writeRunFiles(out, parts, rows, summary, performance.now() - t0, ((u) => (u.user + u.system) / 1000)(process.cpuUsage(cpu0)), storageFigures)
    io.out(o.json ? JSON.stringify(summary, null, 2) : `merged ${parts.length} partial maps (fusion ${lo.fusion}) into ${summary.map}: ${summary.points} points, ${summary.pool_rows} pool rows`)
  }
}
