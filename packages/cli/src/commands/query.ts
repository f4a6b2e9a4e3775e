import { lstatSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { PlafError, diagnostic, openRun, runModelWarnings, writeJsonAtomic, type QueryHit, type QueryResult } from '@plaf/core'
import { RELEVANCY_BREAK_EVEN, RELEVANCY_FLOOR_REASON, meshFileProblem } from '@plaf/query'
import { builtinRegistry } from '../builtins.js'
import { flagValue } from '../flags.js'
import { EXIT, printDiagnostics, type Io } from '../io.js'
import { formatDiagnostic } from '../render.js'
import { QUERY_MANIFEST, checkQueryOut, commitQueryOut, recoverQueryOut, stageQueryOut } from './query-out.js'

export { QUERY_MANIFEST } from './query-out.js'

/** Options of `plaf query`: flag values as typed (the querier's schema checks them). */
export interface QueryOptions {
  text: string[]
  /** Comma-separated label texts (`--labels chair,table`). */
  labels?: string
  /** Comma-separated negative phrases for `--mode relevancy`. */
  negatives?: string
  /** Comma-separated frame ids (`--frames 0,10,20`). */
  frames?: string
  mode?: string
  out?: string
  threshold?: string
  /** Leave out stored frames that cannot be read, with a counted warning, instead of failing. */
  skipDamaged?: boolean
  /** Also write the pictures (mask and overlay PNGs, contact sheets, map snapshots); by default only scores, top masks and PLYs. */
  images?: boolean
  /** A reference mesh PLY (relative to the working directory) to carry 3D scores and labels to. */
  mesh?: string
  /** Delete what a query output directory holds that no earlier plaf query recorded writing (refused otherwise). */
  overwrite?: boolean
  /** Distance cut-off in metres for `mesh`, as typed. */
  meshMaxDistance?: string
  /** Regions listed per query in <query>.regions.json (the querier's top_regions), as typed. */
  topRegions?: string
  json?: boolean
}

/** A comma-separated flag value as its trimmed, non-empty items. */
const list = (v: string): string[] => v.split(',').map((x) => x.trim()).filter(Boolean)

const int = (n: number): string => n.toLocaleString('en-US')
const score = (s: number | null): string => (s === null ? '-' : s.toFixed(2))

/**
 * The per-query table: 3D points and 2D masks and pixels selected at the threshold, with the best
 * score of each, counts right-aligned: `  red   3D 2,523 of 77,997 points, best 1.00   2D …`.
 */
export function queryTable(r: QueryResult): string[] {
  const width = (f: (q: QueryHit) => string) => Math.max(0, ...r.queries.map((q) => f(q).length))
  const name = width((q) => q.text)
  const points = width((q) => (q.map3d ? int(q.map3d.pointsSelected) : ''))
  const masks = width((q) => (q.frames2d ? int(q.frames2d.masksSelected) : ''))
  const pixels = width((q) => (q.frames2d ? int(q.frames2d.pixelsSelected) : ''))
  return r.queries.map((q) => {
    const parts = [q.text.padEnd(name)]
    const m = q.map3d
    if (m) parts.push(`3D ${int(m.pointsSelected).padStart(points)} of ${int(m.points)} points, best ${score(m.best)}`)
    const f = q.frames2d
    if (f) {
      parts.push(`2D ${int(f.masksSelected).padStart(masks)} of ${int(f.masks)} masks, ${int(f.pixelsSelected).padStart(pixels)} of ${int(f.pixels)} pixels, best ${score(f.best)}`)
    }
    return `  ${parts.join('   ')}`
  })
}

/**
 * "Where": the largest 3D region of each query from the querier's scores.json (`map.top_region`),
 * `  chair   where: 1,234 points around (1.20, 0.45, 0.30) m, box 0.60 × 0.50 × 0.80 m`.
 */
export function whereLines(scoresFile: string): string[] {
  type Region = { points: number; bbox: number[]; centroid: number[] }
  const s = JSON.parse(readFileSync(scoresFile, 'utf8')) as { queries: { text: string; map: { top_region?: Region | null; regions_file?: string } | null }[] }
  const qs = s.queries.filter((q) => q.map && 'top_region' in q.map)
  if (!qs.length) return []
  const name = Math.max(...qs.map((q) => q.text.length))
  const f = (v: number) => v.toFixed(2)
  // the cap the querier listed regions under (top_regions), from a regions file
  const file = qs[0].map!.regions_file
  let cap: number | null = null
  try {
    const r = file ? (JSON.parse(readFileSync(join(dirname(scoresFile), file), 'utf8')) as { top_regions?: unknown }) : null
    cap = typeof r?.top_regions === 'number' ? r.top_regions : null
  } catch {
    cap = null
  }
  const listed = cap === null ? 'the largest regions' : `the ${cap} largest region${cap === 1 ? '' : 's'}`
  return [`\nwhere in 3D (largest region at the threshold; ${listed} in <query>.regions.json, --top-regions N for more):`, ...qs.map((q) => {
    const r = q.map!.top_region
    if (!r) return `  ${q.text.padEnd(name)}   no point at or above the threshold`
    const b = r.bbox
    return `  ${q.text.padEnd(name)}   ${int(r.points)} points around (${r.centroid.map(f).join(', ')}) m, box ${f(b[3] - b[0])} × ${f(b[4] - b[1])} × ${f(b[5] - b[2])} m`
  })]
}

/**
 * How much of a reference mesh (`--mesh`) the map covers, from scores.json `mesh`:
 * `mesh: 8,120 of 10,000 mesh vertices had a map point within 0.05 m (the rest NaN)`; null without a mesh.
 */
export function meshCoverage(scoresFile: string): string | null {
  const m = (JSON.parse(readFileSync(scoresFile, 'utf8')) as { mesh?: { vertices: number; vertices_matched: number; max_distance: number } | null }).mesh
  if (!m) return null
  return `mesh: ${int(m.vertices_matched)} of ${int(m.vertices)} mesh vertices had a map point within ${m.max_distance} m (the rest NaN)`
}

/** The partial runs a `plaf merge` output was merged from (its manifest's `merged.shards`), or null for another run. */
function mergedShards(runDir: string): string[] | null {
  try {
    const m = JSON.parse(readFileSync(join(resolve(runDir), 'manifest.json'), 'utf8')) as { merged?: { shards?: { dir: string }[] } }
    return m.merged?.shards?.map((x) => x.dir) ?? null
  } catch {
    return null
  }
}

/**
 * One label's counts in `plaf query --labels --json` (`labelCounts`): its value in the label
 * images and `map-labels.npy` (0: background), the 3D points and the 2D pixels over the frames
 * whose best label it is at the threshold; null where the run has no 3D map or no 2D memory.
 */
export interface LabelCount {
  label: string
  value: number
  points: number | null
  pixels: number | null
}

/** Per label value (background first), from `labels/labels.json` (pixels) and `scores.json` `labels_3d` (points). */
export function labelCounts(out: string, scoresFile: string): LabelCount[] {
  const read = (f: string): unknown => {
    try {
      return JSON.parse(readFileSync(f, 'utf8'))
    } catch {
      return null
    }
  }
  const l2 = read(join(out, 'labels', 'labels.json')) as { labels: string[]; pixels: number[]; frames?: number } | null
  // no frame had a 2D memory (a merged run keeps only the map): no pixel counts, not "0 of 0"
  const pixels = l2 && l2.frames !== 0 ? l2.pixels : undefined
  const l3 = (read(scoresFile) as { labels?: string[]; labels_3d?: { points: number[] } | null } | null)
  const names = ['background', ...(l3?.labels ?? l2?.labels.slice(1) ?? [])]
  return names.map((label, value) => ({ label, value, points: l3?.labels_3d?.points?.[value] ?? null, pixels: pixels?.[value] ?? null }))
}

/**
 * Per label (`--labels`), the pixels over the frames (`labels/labels.json`) and the 3D points
 * (`scores.json` `labels_3d`) whose best label it is at the threshold, background last:
 * `  red          3D 2,523 of 8,157 points   2D 1,600 of 38,400 pixels`.
 */
export function labelLines(out: string, scoresFile: string): string[] {
  const counts = labelCounts(out, scoresFile)
  const names = counts.map((c) => c.label)
  const points = counts.every((c) => c.points !== null) ? counts.map((c) => c.points!) : undefined
  const pixels = counts.every((c) => c.pixels !== null) ? counts.map((c) => c.pixels!) : undefined
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0)
  const order = [...names.keys()].slice(1).concat(0)
  const name = Math.max(...names.map((x) => x.length))
  const w3 = points ? Math.max(...points.map((p) => int(p).length)) : 0
  const w2 = pixels ? Math.max(...pixels.map((p) => int(p).length)) : 0
  return order.map((i) => {
    const parts = [names[i].padEnd(name)]
    if (points) parts.push(`3D ${int(points[i]).padStart(w3)} of ${int(sum(points))} points`)
    if (pixels) parts.push(`2D ${int(pixels[i]).padStart(w2)} of ${int(sum(pixels))} pixels`)
    return `  ${parts.join('   ')}`
  })
}

/** Throws PLAF_FILE_NOT_FOUND / PLAF_INPUT_INVALID naming `--mesh` when the file is missing, a directory, or cannot be opened. */
function meshReadable(mesh: string): void {
  const file = resolve(mesh)
  const problem = meshFileProblem(file)
  if (problem) {
    throw new PlafError(diagnostic(problem.code, problem.message, {
      source: `--mesh ${mesh}`, path: 'mesh', file, hint: 'give the reference mesh PLY (e.g. the scene\'s <scene>_vh_clean_2.ply), relative to the working directory', cause: problem.cause,
    }))
  }
}

/** `p` with symbolic links resolved when it exists (as is otherwise). */
function realOut(p: string): string {
  try {
    return lstatSync(p).isSymbolicLink() ? realpathSync(p) : p
  } catch {
    return p
  }
}

/** `text` with the staging directory's path put back to the output directory's. */
const unstage = (text: string, staged: string, out: string): string => text.split(staged).join(out)

/** A query's error with paths in its staging directory named as the output directory (where the user looks). */
function relocateError(e: unknown, staged: string, out: string): unknown {
  if (!(e instanceof PlafError)) return e
  return new PlafError(e.diagnostics.map((d) => ({ ...d, message: unstage(d.message, staged, out), ...(d.file ? { file: unstage(d.file, staged, out) } : {}) })), { cause: e })
}

/** The query result with its paths moved from the staging directory to the output directory. */
function relocateResult(r: QueryResult, staged: string, out: string): QueryResult {
  return {
    ...r, out, scoresFile: unstage(r.scoresFile, staged, out),
    notes: r.notes.map((d) => ({ ...d, message: unstage(d.message, staged, out), ...(d.file ? { file: unstage(d.file, staged, out) } : {}) })),
  }
}

/**
 * `plaf query <run-dir> --text T…`: opens the finished run with `openRun` (no backbone, masker or
 * aggregator runs), scores the texts against its stored 2D memories and 3D map, and prints per
 * query how many points, masks and pixels reach the threshold and the best score (`--json`: the
 * whole `QueryResult`). Outputs go to `<run-dir>/queries` (or --out); pictures (mask and overlay
 * PNGs, contact sheets, map snapshots) only with `--images`. The query is written to a hidden sibling
 * of the output directory and replaces the previous query there only once it has succeeded.
 */
export async function queryCommand(runDir: string, o: QueryOptions, io: Io): Promise<number> {
  // `--labels ""` is a list mistake (below), not a missing flag
  if (!o.text.length && o.labels === undefined) {
    throw new PlafError(diagnostic('PLAF_INVALID_OVERRIDE', 'plaf query needs at least one --text or --labels', { source: `plaf query ${runDir}` }))
  }
  for (const [flag, v] of [['--labels', o.labels], ['--negatives', o.negatives], ['--frames', o.frames]] as const) {
    if (v !== undefined && !list(v).length) {
      throw new PlafError(diagnostic('PLAF_INVALID_OVERRIDE', `${flag} needs a comma-separated list, got ${JSON.stringify(v)}`, { source: `${flag} ${v}`, path: flag.slice(2), expected: 'e.g. chair,table', actual: v }))
    }
  }
  if (o.labels !== undefined) {
    const seen = new Set<string>()
    const dup = list(o.labels).find((l) => seen.has(l) || !seen.add(l))
    if (dup !== undefined) {
      // the argmax would give every mask and point to the first of the two: the second gets nothing
      throw new PlafError(diagnostic('PLAF_INVALID_OVERRIDE', `--labels names "${dup}" twice: each mask and point takes its best label, so the second "${dup}" would get nothing`, {
        source: `--labels ${o.labels}`, path: 'labels', actual: o.labels, hint: 'give each label once',
      }))
    }
  }
  // checked before anything is read or written, so the message names the flag
  if (o.mesh !== undefined) meshReadable(o.mesh)
  // a symbolic link to the directory the queries go to: the swap happens there (the link stays)
  const outDir = realOut(resolve(o.out ?? join(runDir, 'queries')))
  // a query killed half-way before: its staged outputs go; a previous query it had moved aside comes back
  printDiagnostics(io, recoverQueryOut(outDir), o.json)
  const run = await openRun(runDir, builtinRegistry())
  try {
    printDiagnostics(io, run.diagnostics)
    const runMesh = (run.pipeline.stages.find((st) => st.key === run.stages.querier)?.options as { mesh?: unknown } | undefined)?.mesh
    if (o.meshMaxDistance !== undefined && o.mesh === undefined && (runMesh === null || runMesh === undefined)) {
      throw new PlafError(diagnostic('PLAF_INVALID_OVERRIDE', `--mesh-max-distance applies to --mesh, and neither --mesh nor the run's querier names a mesh: the distance would be ignored`, {
        source: `--mesh-max-distance ${o.meshMaxDistance}`, path: 'mesh_max_distance', hint: 'add --mesh <file.ply> (the reference mesh to carry the scores to), or leave out --mesh-max-distance',
      }))
    }
    if (o.mesh !== undefined && !run.stages.storage3d) {
      throw new PlafError(diagnostic('PLAF_INVALID_OVERRIDE', `--mesh needs a run with a readable 3D map, and ${runDir} has none (no storage3d stage that can read back)`, {
        source: `--mesh ${o.mesh}`, path: 'mesh', file: o.mesh,
      }))
    }
    // The command-line text each option came from, so its errors point at the flag.
    const flags: Record<string, string> = Object.fromEntries(o.text.map((t, i) => [`queries.${i}`, `--text ${t}`]))
    // pictures cost seconds on a finished run: only when asked (the run's own setting then applies)
    const options: Record<string, unknown> = o.images ? {} : { write_masks: false, write_overlays: false }
    if (o.threshold !== undefined) {
      options.threshold = flagValue(o.threshold)
      flags.threshold = `--threshold ${o.threshold}`
    }
    if (o.mode !== undefined) {
      options.mode = o.mode
      flags.mode = `--mode ${o.mode}`
    }
    if (o.labels !== undefined) {
      options.labels = list(o.labels)
      flags.labels = `--labels ${o.labels}`
      list(o.labels).forEach((l, i) => (flags[`labels.${i}`] = `--labels ${o.labels}`))
    }
    if (o.negatives !== undefined) {
      options.negatives = list(o.negatives)
      flags.negatives = `--negatives ${o.negatives}`
      list(o.negatives).forEach((l, i) => (flags[`negatives.${i}`] = `--negatives ${o.negatives}`))
    }
    if (o.mesh !== undefined) {
      options.mesh = resolve(o.mesh)
      flags.mesh = `--mesh ${o.mesh}`
    }
    if (o.meshMaxDistance !== undefined) {
      options.mesh_max_distance = flagValue(o.meshMaxDistance)
      flags.mesh_max_distance = `--mesh-max-distance ${o.meshMaxDistance}`
    }
    if (o.topRegions !== undefined) {
      options.top_regions = flagValue(o.topRegions)
      flags.top_regions = `--top-regions ${o.topRegions}`
    }
    if (o.frames !== undefined) flags.frames = `--frames ${o.frames}`
    const frames = o.frames === undefined ? undefined : list(o.frames)
    // One query per output directory. What it holds is checked first (touching nothing); the new
    // query is written to a hidden sibling directory and swapped in only once it has succeeded, so
    // a mistake found late (an unknown frame, a damaged stored frame), a model error or a kill
    // leaves the previous query as it was.
    const plan = checkQueryOut(outDir, runDir, o.overwrite ?? false, run.stages.querier)
    // a run made with random-weight contract models: its scores mean nothing, said on stderr, in --json's notes and in query.json
    const modelWarnings = runModelWarnings(runDir)
    const record = { tool: 'plaf query', run: resolve(runDir), texts: o.text, labels: o.labels === undefined ? [] : list(o.labels), ...(modelWarnings.length ? { warnings: modelWarnings } : {}) }
    const staged = stageQueryOut(outDir)
    let r: QueryResult
    try {
      r = await run.query(o.text, { with: options, flags, source: `plaf query ${runDir}`, out: staged, frames, skipDamaged: o.skipDamaged })
      writeJsonAtomic(join(staged, QUERY_MANIFEST), {
        ...record, files: readdirSync(staged).filter((f) => f !== QUERY_MANIFEST && !(f.startsWith('.') && f.endsWith('.tmp'))).sort(), complete: true,
      })
      commitQueryOut(plan, staged)
    } catch (e) {
      rmSync(staged, { recursive: true, force: true })
      throw relocateError(e, staged, outDir)
    }
    r = relocateResult(r, staged, outDir)
    if (modelWarnings.length) r = { ...r, notes: [...modelWarnings, ...r.notes] }
    printDiagnostics(io, plan.notes, o.json)
    const seen = new Map<string, number>()
    for (const d of r.notes) {
      const n = (seen.get(d.code) ?? 0) + 1
      seen.set(d.code, n)
      if (n <= 3) io.err(formatDiagnostic(d))
      else if (n === 4) io.err(`(further ${d.code} warnings not shown; --json lists them all)`)
    }
    // relevancy's auto threshold never goes below the break-even 0.5 (autoThreshold in @plaf/query)
    const floored = r.mode === 'relevancy' && r.threshold === 'auto'
    const floor = floored ? `, ${RELEVANCY_FLOOR_REASON}` : ''
    if (o.json) {
      // with --labels, the per-label counts the text output prints; in relevancy with auto, the floor (fields added to QueryResult's)
      const extra = { ...(o.labels === undefined ? {} : { labelCounts: labelCounts(r.out, r.scoresFile) }), ...(floored ? { thresholdFloor: { value: RELEVANCY_BREAK_EVEN, reason: RELEVANCY_FLOOR_REASON } } : {}) }
      io.out(JSON.stringify({ ...r, ...extra }, null, 2))
      return EXIT.ok
    }
    const { storage2d, storage3d } = run.stages
    const what = [storage2d ? `${r.frames} stored frames (${storage2d})` : '', storage3d ? `the 3D map (${storage3d})` : ''].filter(Boolean).join(' and ')
    const labels = o.labels === undefined ? [] : list(o.labels)
    const asked = [r.texts.length ? `${r.texts.length} text${r.texts.length === 1 ? '' : 's'}` : '', labels.length ? `${labels.length} label${labels.length === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ')
    io.out(`queried ${asked} on ${what || 'nothing stored'} in ${r.timings.totalMs.toFixed(0)} ms (no features recomputed)`)
    const merged = mergedShards(runDir)
    if (merged && !storage2d) io.out(`${resolve(runDir)} is a merged run (plaf merge of ${merged.length} partial runs): it holds the 3D map only; each shard's 2D memories stay in its own directory (plaf query <shard dir> for 2D hits): ${merged.join(', ')}`)
    if (r.framesNotStored.length) io.out(`${r.framesNotStored.length} input frames were not stored by ${storage2d} and are left out: ${r.framesNotStored.join(', ')}`)
    if (r.framesDamaged.length) io.out(`${r.framesDamaged.length} stored frame${r.framesDamaged.length === 1 ? '' : 's'} could not be read and ${r.framesDamaged.length === 1 ? 'is' : 'are'} left out (--skip-damaged): ${r.framesDamaged.map((d) => d.frame).join(', ')}`)
    if (r.texts.length) {
      io.out(`\ntext queries (${r.mode} ≥ ${r.threshold === 'auto' ? `auto: Otsu per frame and query${floor}` : r.threshold}):`)
      for (const line of queryTable(r)) io.out(line)
    }
    if (storage3d && r.texts.length) for (const line of whereLines(r.scoresFile)) io.out(line)
    const coverage = meshCoverage(r.scoresFile)
    if (coverage) io.out(`\n${coverage}`)
    if (labels.length) {
      io.out(`\nlabels (${r.mode} ≥ ${r.threshold === 'auto' ? `auto: Otsu${floor}` : r.threshold}; each mask and point its best label, background below the threshold or without a feature):`)
      for (const line of labelLines(r.out, r.scoresFile)) io.out(line)
    }
    const rel = relative(process.cwd(), r.out)
    const shown = rel && !rel.startsWith('..') ? rel : r.out
    // only what this query wrote: per-query files with texts, label files with labels
    const pictures = o.images ? 'mask, overlay, top.json; per query: contact sheet, map snapshot' : 'top.json (--images: also masks, overlays, contact sheets, map snapshots)'
    const files2d = [r.texts.length && storage2d ? `per query and frame: ${pictures}` : '', labels.length && storage2d ? 'labels/<frame>.png, labels/labels.json' : ''].filter(Boolean)
    io.out(`\noutputs: ${shown} (scores.json, text.npy + texts.json${files2d.map((x) => `; ${x}`).join('')})`)
    const files3d = [
      r.texts.length ? 'per query <query>.ply (score), <query>.regions.json; map-scores.npy' : '', labels.length ? 'labels/map.ply, labels/map-labels.npy' : '',
      o.mesh ? `mesh/scores.npy${r.texts.length ? ', mesh/<query>.ply' : ''}${labels.length ? ', mesh/labels.ply, mesh/labels.npy' : ''}` : '',
    ].filter(Boolean)
    if (storage3d) io.out(`  3D: ${files3d.join('; ')}`)
    return EXIT.ok
  } finally {
    await run.close()
  }
}
