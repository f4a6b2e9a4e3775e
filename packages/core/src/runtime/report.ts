import { join } from 'node:path'
import type { Diagnostic } from '../diagnostics.js'
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js'

/** Figures of one stage over a run. */
export interface StageReport {
  plugin: string
  kind: string
  version: string
  calls: number
  ms_total: number
  ms_mean: number
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
  peak_rss_mib: number
  tensor_backend: string
  stages: Record<string, StageReport>
  warnings: Record<string, number>
  notes: Diagnostic[]
}

const fmt = (n: number): string => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(2))

/** report.md: the same figures as a table a person reads. */
export function reportMarkdown(r: RunReport): string {
  const lines = [
    `# Run ${r.name}`,
    '',
    `- frames: ${r.frames.processed} of ${r.frames.total}${r.frames.resumed_from ? ` (resumed after ${r.frames.resumed_from})` : ''}`,
    `- wall time: ${(r.wall_ms / 1000).toFixed(2)} s, peak RSS ${r.peak_rss_mib.toFixed(0)} MiB, tensor backend ${r.tensor_backend}`,
    `- warnings: ${Object.entries(r.warnings).map(([k, v]) => `${k} ×${v}`).join(', ') || 'none'}`,
    '',
    '| stage | plugin | calls | total ms | mean ms | cache hits | peak RSS MiB | metrics |',
    '|---|---|---:|---:|---:|---:|---:|---|',
  ]
  for (const [key, s] of Object.entries(r.stages)) {
    const m = Object.entries(s.metrics).map(([k, v]) => `${k}=${fmt(v)}`).join(', ')
    lines.push(`| ${key} | ${s.plugin} ${s.version} | ${s.calls} | ${s.ms_total.toFixed(1)} | ${s.ms_mean.toFixed(1)} | ${s.cache_hits}/${s.cache_hits + s.cache_misses} | ${s.peak_rss_mib.toFixed(0)} | ${m} |`)
  }
  return lines.join('\n') + '\n'
}

/** Writes report.json and report.md (atomically); their presence means the run completed. */
export function writeReport(runDir: string, report: RunReport): void {
  writeJsonAtomic(join(runDir, 'report.json'), report)
  writeFileAtomic(join(runDir, 'report.md'), reportMarkdown(report))
}
