import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PlafError, cacheUse, describeCacheUse, diagnostic, featureDtypeName, readQueryScores, timesSmaller, type QueryScores, type RunReport } from '@plaf/core'
import { GENERATOR_VERSION, SCENE_META_FILE, readSceneMeta, writeScene } from '@plaf/datasets'
import { EXIT, type Io } from '../io.js'
import type { ProgressMode } from '../progress.js'
import { runOnce } from './run.js'

/** Options of `plaf demo`. */
export interface DemoOptions {
  out: string
  scene: string
  set?: string[]
  progress?: ProgressMode
}

/** Seed and size of the demo scene (the synthetic-room defaults otherwise). */
export const DEMO_SCENE = { seed: 7, frames: 12 } as const

/**
 * The demo pipeline. Inside the clone (this file is packages/cli/{src,dist}/commands/demo.*) it is
 * the repository's pipelines/demo.yaml, so edits to it take effect at once; an installed package
 * runs the copy `npm pack` put into the package (`prepack`: scripts/pack-demo.mjs).
 */
export function findDemoPipeline(): string {
  const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))
  const inClone = join(repoRoot, 'pipelines', 'demo.yaml')
  if (existsSync(inClone) && isPlafRepo(repoRoot)) return inClone
  const packed = fileURLToPath(new URL('../../pipelines/demo.yaml', import.meta.url))
  if (existsSync(packed)) return packed
  throw new PlafError(diagnostic('PLAF_FILE_NOT_FOUND', `the demo pipeline is missing: neither ${packed} (packed into @plaf/cli) nor a PLAF-TS clone's pipelines/demo.yaml exists`, { file: packed }))
}

function isPlafRepo(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'plaf-ts'
  } catch {
    return false
  }
}

/**
 * The generator version of a scene `plaf make-scene`/`plaf demo` wrote with another generator than
 * this one, or null (no scene there, the current generator, or not a generated scene: a user's data
 * is never touched).
 */
export function staleGeneratedScene(dir: string): number | null {
  if (!existsSync(join(dir, SCENE_META_FILE))) return null
  try {
    const meta = readSceneMeta(dir)
    return meta.format === 'plaf-synthetic-scene' && meta.generator !== GENERATOR_VERSION ? meta.generator : null
  } catch {
    return null // unreadable metadata: not ours to judge, the run reports the scene's own problems
  }
}

/** Bytes and number of the files under `dir` (recursively; symlinks are not followed). */
export function directorySize(dir: string): { bytes: number; files: number } {
  let bytes = 0
  let files = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) {
      const sub = directorySize(p)
      bytes += sub.bytes
      files += sub.files
    } else if (e.isFile()) {
      bytes += statSync(p).size
      files++
    }
  }
  return { bytes, files }
}

const mb = (b: number): string => (b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : `${(b / 1e3).toFixed(1)} kB`)
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`
const pct = (x: number): string => `${(100 * x).toPrecision(3)} %`

/**
 * The 3D rows of the demo table from an index-reference stage's metrics. Every ratio names the
 * dtypes on both sides: first like for like (dense per-point at the pool's dtype,
 * dense_pool_dtype_bytes), then against the float32 dense per-point layout (dense_bytes, the
 * official one); the map's bytes include xyz and rgb a point, its refs + pool are what eq. (9) counts.
 */
export function map3dFigures(m: Record<string, number>): [string, string][] {
  const pool = featureDtypeName(m.feature_bytes)
  const rows: [string, string][] = [['3D map (PLY + pool)', `${mb(m.bytes)}${pool ? ` (xyz, rgb, ref a point + ${pool} pool)` : ''}`]]
  const d32 = m.dense_bytes
  const dp = m.dense_pool_dtype_bytes
  if (!d32) return rows
  const vs32 = `${pct(m.bytes / d32)} of dense float32 (${timesSmaller(d32, m.bytes)}${pool ? `, ${pool} pool vs float32 dense` : ''})`
  if (!pool || !dp || pool === 'float32') {
    // float32 pool (like for like already) or an older report without the pool's dtype
    rows.push(['3D dense per-point baseline', `${mb(d32)} float32 (N×D×4 B${pool === 'float32' ? ', the pool\'s dtype' : ''})`])
    rows.push(['3D index-reference / dense', pool === 'float32' ? `${pct(m.bytes / d32)} at float32 both sides (${timesSmaller(d32, m.bytes)})` : vs32])
  } else {
    rows.push(['3D dense per-point baseline', `${mb(dp)} ${pool} (the pool's dtype); ${mb(d32)} float32 (N×D×4 B, the official layout)`])
    rows.push(['3D index-reference / dense', `${pct(m.bytes / dp)} at ${pool} both sides (${timesSmaller(dp, m.bytes)}); ${vs32}`])
  }
  const den = pool && dp ? dp : d32
  if (m.semantic_bytes !== undefined) {
    rows.push(['3D refs + pool / dense', `${pct(m.semantic_bytes / den)} at ${pool ?? 'float32'} both sides (${timesSmaller(den, m.semantic_bytes)}): the semantic part (${mb(m.semantic_bytes)}), as eq. (9) counts`])
  }
  return rows
}

/** The figures the demo prints, all read from the run's report (measured, never assumed). */
export function demoFigures(r: RunReport): [string, string][] {
  const byPlugin = (name: string) => Object.values(r.stages).find((s) => s.plugin === name)
  const mi = byPlugin('mask-indexed')
  const dense = byPlugin('dense')
  const map = byPlugin('index-reference')
  const q = byPlugin('text')
  const rows: [string, string][] = [['frames', `${r.frames.processed} (${(r.wall_ms / 1000).toFixed(1)} s wall, peak RSS ${r.peak_rss_mib.toFixed(0)} MiB)`]]
  rows.push(['cache', describeCacheUse(cacheUse(r))])
  if (mi) {
    const frames = mi.metrics.frames ?? 0
    rows.push(['masks per frame', frames ? ((mi.metrics.rows - frames) / frames).toFixed(1) : '0'])
    rows.push(['2D memory (mask-indexed)', `${mb(mi.metrics.bytes)} for ${plural(frames, 'frame')}`])
    const denseFrames = Object.keys(dense?.frame_metrics ?? {})
    if (dense && denseFrames.length) {
      const same = denseFrames.reduce((s, f) => s + (mi.frame_metrics[f]?.bytes ?? 0), 0)
      const dn = dense.metrics.bytes
      // each side's dtype (feature_bytes, reported by the codecs' finish; absent in older reports)
      const dd = featureDtypeName(dense.metrics.feature_bytes)
      const md = featureDtypeName(mi.metrics.feature_bytes)
      rows.push(['2D dense per-pixel baseline', `${mb(dn)} for ${plural(denseFrames.length, 'frame')} (${mb(dn / denseFrames.length)}/frame)${dd ? `, ${dd} (H×W×D×${dense.metrics.feature_bytes} B)` : ''}`])
      rows.push(['2D mask-indexed / dense', `${pct(same / dn)} on the same ${plural(denseFrames.length, 'frame')} (${timesSmaller(dn, same)})${dd && md ? `, ${md} table vs dense ${dd}` : ''}`])
    }
  }
  if (map) {
    rows.push(['3D points', (map.metrics.points ?? 0).toLocaleString('en-US')])
    rows.push(['3D pool rows', (map.metrics.pool_rows ?? 0).toLocaleString('en-US')])
    rows.push(...map3dFigures(map.metrics))
  }
  if (q) rows.push(['query time', `${(q.metrics.query_ms ?? 0).toFixed(1)} ms total (${q.metrics.masks_scored ?? 0} masks, ${(q.metrics.points_scored ?? 0).toLocaleString('en-US')} points scored)`])
  return rows
}

/** `plaf demo`: scene (generated if missing) → pipelines/demo.yaml → colour queries → summary. */
export async function demoCommand(o: DemoOptions, io: Io): Promise<number> {
  const scene = resolve(o.scene)
  const stale = staleGeneratedScene(scene)
  if (stale) {
    // a scene an older generator wrote (other colours, other layout): the demo's queries expect this one's
    io.err(`regenerating the demo scene in ${scene}: it was written by scene generator ${stale}, this is ${GENERATOR_VERSION}`)
    rmSync(scene, { recursive: true, force: true })
  }
  if (!existsSync(join(scene, 'pose'))) {
    io.err(`generating the demo scene in ${scene} (${DEMO_SCENE.frames} frames)…`)
    await writeScene(scene, { ...DEMO_SCENE })
  }
  const pipeline = findDemoPipeline()
  // the demo's run directory is the demo's own: a rerun with other --set values replaces the last
  // demo run (overwrite), where plaf run would refuse to mix two configurations' outputs
  const res = await runOnce(pipeline, { set: [`input.with.scene=${scene}`, ...(o.set ?? [])], out: o.out, progress: o.progress, overwrite: true }, io, 'demo')
  if (typeof res === 'number') return res
  const rel = (p: string) => relative(process.cwd(), p) || '.'
  const rows = demoFigures(res.report)
  const size = directorySize(res.runDir)
  rows.push(['run directory', `${mb(size.bytes)} in ${plural(size.files, 'file')}`])
  const w = Math.max(...rows.map(([k]) => k.length))
  io.out(`\nPLAF demo: ${rel(pipeline)} on ${rel(scene)}\n`)
  for (const [k, v] of rows) io.out(`  ${k.padEnd(w)}  ${v}`)
  const stageKey = (plugin: string) => Object.entries(res.report.stages).find(([, s]) => s.plugin === plugin)?.[0]
  const stageDir = (plugin: string) => {
    const key = stageKey(plugin)
    return key ? rel(join(res.runDir, key)) : '-'
  }
  const querierKey = stageKey('text')
  const scoresFile = querierKey ? join(res.runDir, querierKey, 'scores.json') : ''
  if (querierKey && existsSync(scoresFile)) {
    // the texts come from the file itself; readQueryScores checks every field the table prints
    const texts = (JSON.parse(readFileSync(scoresFile, 'utf8')) as QueryScores).queries.map((q) => q.text)
    const scores = readQueryScores(join(res.runDir, querierKey), texts, 'text')
    io.out(`\n3D text queries (cosine ≥ ${scores.threshold}):`)
    const qw = Math.max(...scores.queries.map((q) => q.text.length))
    for (const q of scores.queries) {
      if (!q.map) continue
      const best = q.map.top_pool_rows[0]?.score ?? 0
      io.out(`  ${q.text.padEnd(qw)}  ${q.map.points_above_threshold.toLocaleString('en-US').padStart(7)} of ${q.map.points.toLocaleString('en-US')} points, best ${best.toFixed(2)}`)
    }
  }
  io.out(`\noutputs in ${rel(res.runDir)}:`)
  io.out(`  2D memory   ${stageDir('mask-indexed')}/  (<frame>.ids.png 16-bit id maps, <frame>.features.npy, <frame>.json manifests)`)
  io.out(`  3D map      ${stageDir('index-reference')}/map.ply + pool.npy + map.json`)
  io.out(`  queries     ${stageDir('text')}/  (<query>/<frame>.mask.png, .overlay.png, .top.json, <query>/contact-sheet.png, <query>.ply, <query>.map.png, text.npy, scores.json)`)
  io.out(`  report      ${rel(join(res.runDir, 'report.md'))}  (figures, hit counts, contact sheets and 3D map snapshots per query)`)
  io.out(`\nnext: npx plaf query ${rel(res.runDir)} --text cyan --text purple`)
  return EXIT.ok
}
