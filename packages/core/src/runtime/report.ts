import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Diagnostic } from '../diagnostics.js'
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js'
import { QUERY_SCORES_FILE } from './query-scores.js'
import { figure, perFrameSection, queriesSection, skippedSection, storageSection, type ReportQuerier } from './report-sections.js'

/** Figures of one stage over a run. */
export interface StageReport {
  plugin: string
  kind: string
  version: string
  calls: number
  /**
   * Wall time of the stage's computed calls, from each call to its result, in ms (`ms_mean`: per
   * call). With `runtime.frames_in_flight` > 1 it includes other stages' work that ran on the main
   * thread while the call awaited (another frame's stages), so it overstates what the stage costs;
   * `own_ms_*` does not.
   */
  ms_total: number
  ms_mean: number
  /**
   * The stage's own main-thread time in ms (`own_ms_mean`: per call): its code's synchronous part
   * and every continuation of the call (after each await), without other stages' work run
   * meanwhile and without waiting; work in worker threads or native thread pools (onnxruntime's
   * inference) is not in it (see `ms_*`, and measure such stages with frames_in_flight 1).
   * Absent in reports written before this field existed (as are `cpu_ms` and `frames_in_flight`).
   */
  own_ms_total?: number
  own_ms_mean?: number
  cache_hits: number
  cache_misses: number
  /** Highest process RSS seen right after this stage ran, in MiB. */
  peak_rss_mib: number
  /** Summed metrics reported by the plugin (rc.metric). */
  metrics: Record<string, number>
  /** The same metrics per frame id, for like-for-like ratios. */
  frame_metrics: Record<string, Record<string, number>>
}

/** report.json. */
export interface RunReport {
  name: string
  run_dir: string
  complete: boolean
  frames: { total: number; processed: number; resumed_from: number }
  wall_ms: number
  /** CPU time of the whole process over the run (user + system, every thread: model threads too), in ms. */
  cpu_ms?: number
  /** `runtime.frames_in_flight` of the run: with more than 1, stages' wall times (`ms_*`) overlap. */
  frames_in_flight?: number
  peak_rss_mib: number
  tensor_backend: string
  stages: Record<string, StageReport>
  warnings: Record<string, number>
  notes: Diagnostic[]
}

/** How much of a run came from the stage cache, summed over its stages. */
export interface CacheUse {
  /** Stage calls replayed from the cache (the sum of `cache_hits`). */
  reused: number
  /** Every stage call of the run: computed (the sum of `calls`) plus reused. */
  calls: number
  /** Cache lookups: hits plus misses (frame calls of cacheable stages, with the cache on). */
  lookups: number
}

/** Sums a report's per-stage cache hits, misses and calls. */
export function cacheUse(r: Pick<RunReport, 'stages'>): CacheUse {
  const u: CacheUse = { reused: 0, calls: 0, lookups: 0 }
  for (const s of Object.values(r.stages)) {
    u.reused += s.cache_hits
    u.calls += s.calls + s.cache_hits
    u.lookups += s.cache_hits + s.cache_misses
  }
  return u
}

/** `24 of 40 stage calls reused (24 of 36 cache lookups hit)`: what the run summary and report.md say. */
export function describeCacheUse(u: CacheUse): string {
  return `${u.reused} of ${u.calls} stage calls reused (${u.lookups ? `${u.reused} of ${u.lookups} cache lookups hit` : 'no cache lookups'})`
}

/**
 * What the stage times mean, for report.md (`framesInFlight` left out: the same text whatever the
 * setting, so reports of runs that differ only in it stay comparable) and the run summary.
 */
export function stageTimesNote(framesInFlight?: number): string {
  const wall = framesInFlight === undefined
    ? 'with runtime.frames_in_flight above 1 it includes other stages\' work that ran while the call awaited'
    : framesInFlight > 1
      ? `with ${framesInFlight} frames in flight (runtime.frames_in_flight) it includes other stages' work that ran while the call awaited`
      : 'one frame at a time here (runtime.frames_in_flight 1), so besides the stage\'s work only its own waiting is in it'
  return `Stage times: ms/call wall is from each call to its result; ${wall}. Own ms/call is the stage's own main-thread JavaScript (after each await too), the figure to compare plugins by; work in worker or native threads (e.g. onnxruntime inference) is in wall only, so time such stages with frames_in_flight 1.`
}

/** A metric in the stage table: three significant digits below 1, so a ratio of 0.000259 never reads 0.00. */
const fmt = figure

/**
 * report.md: the run's figures for a person (opened on GitHub, the pictures show): the summary,
 * storage sizes and ratios, the 3D map's points and pool, each querier's hit counts with its
 * contact sheets and map snapshots (`queriers`, read from their scores.json), skipped frames with
 * reasons, per-frame metrics summarised (median, p95), and the stage table.
 */
export function reportMarkdown(r: RunReport, queriers: ReportQuerier[] = []): string {
  const lines = [
    `# Run ${r.name}`,
    '',
    `- frames: ${r.frames.processed} of ${r.frames.total}${r.frames.resumed_from ? ` (resumed after ${r.frames.resumed_from})` : ''}`,
    `- wall time: ${(r.wall_ms / 1000).toFixed(2)} s${r.cpu_ms === undefined ? '' : `, CPU ${(r.cpu_ms / 1000).toFixed(2)} s`}, peak RSS ${r.peak_rss_mib.toFixed(0)} MiB, tensor backend ${r.tensor_backend}`,
    `- cache: ${describeCacheUse(cacheUse(r))}`,
    `- warnings: ${Object.entries(r.warnings).map(([k, v]) => `${k} ×${v}`).join(', ') || 'none'}`,
    ...r.notes.filter((n) => n.severity === 'info').map((n) => `- note: ${n.message}`),
    '',
    ...storageSection(r),
    ...queriesSection(queriers),
    ...skippedSection(r),
    ...perFrameSection(r),
    '## Stages',
    '',
    stageTimesNote(),
    '',
    '| stage | plugin | calls | total ms (wall) | ms/call wall | own ms/call | cache hits | peak RSS MiB | metrics |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
  ]
  for (const [key, s] of Object.entries(r.stages)) {
    const m = Object.entries(s.metrics).map(([k, v]) => `${k}=${fmt(v)}`).join(', ')
    lines.push(`| ${key} | ${s.plugin} ${s.version} | ${s.calls} | ${s.ms_total.toFixed(1)} | ${s.ms_mean.toFixed(1)} | ${s.own_ms_mean === undefined ? '' : s.own_ms_mean.toFixed(1)} | ${s.cache_hits}/${s.cache_hits + s.cache_misses} | ${s.peak_rss_mib.toFixed(0)} | ${m} |`)
  }
  return lines.join('\n') + '\n'
}

/**
 * The queriers' scores.json as report.md shows them: each querier stage's file in its directory
 * (`<runDir>/<key>/scores.json`), when it is there and parses; pictures it names that are missing
 * on disk are left out.
 */
export function readReportQueriers(runDir: string, report: Pick<RunReport, 'stages'>): ReportQuerier[] {
  const out: ReportQuerier[] = []
  for (const [key, s] of Object.entries(report.stages)) {
    if (s.kind !== 'querier') continue
    const file = join(runDir, key, QUERY_SCORES_FILE)
    if (!existsSync(file)) continue
    let v: ReportQuerier
    try {
      v = JSON.parse(readFileSync(file, 'utf8'))
    } catch {
      continue // a querier's broken file is its own problem; the report still shows the rest
    }
    if (!Array.isArray(v?.queries)) continue
    const there = (p: string | null | undefined) => (typeof p === 'string' && existsSync(join(runDir, key, p)) ? p : null)
    out.push({
      key, plugin: s.plugin, mode: v.mode, threshold: v.threshold,
      queries: v.queries.filter((q) => typeof q?.text === 'string').map((q) => ({
        text: q.text,
        frames_2d: q.frames_2d ? { ...q.frames_2d, contact_sheet: there(q.frames_2d.contact_sheet) } : null,
        map: q.map ? { ...q.map, snapshot: there(q.map.snapshot) } : null,
      })),
    })
  }
  return out
}

/** Writes report.json and report.md (atomically); their presence means the run completed. */
export function writeReport(runDir: string, report: RunReport): void {
  writeJsonAtomic(join(runDir, 'report.json'), report)
  writeFileAtomic(join(runDir, 'report.md'), reportMarkdown(report, readReportQueriers(runDir, report)))
}
