import { join } from 'node:path'
import { writeFileAtomic, writeJsonAtomic } from '@plaf/core'
import type { RunReportLike } from '../scannet/run-map.js'
import { pct } from './format.js'
import { storageSpec, writePlot } from './plots.js'
import { makeOutDir } from './write.js'

/** One variant of a sweep: its quality, storage and time. */
export interface SweepRow {
  variant: string
  miou: number | null
  fmiou: number | null
  macc: number | null
  /** Bytes of the 2D memories (sum over storage2d stages' `bytes`, the dense baseline left out) and of the 3D map (storage3d `bytes`). */
  bytes2d: number | null
  bytes3d: number | null
  /** Wall time of the run divided by the frames it processed (stage-cache hits included). */
  ms_per_frame: number | null
  frames: number | null
}

/** Storage and time of a run, from its report.json. */
export function runFigures(report: RunReportLike): Pick<SweepRow, 'bytes2d' | 'bytes3d' | 'ms_per_frame' | 'frames'> {
  let b2: number | null = null, b3: number | null = null
  for (const s of Object.values(report.stages ?? {})) {
    const bytes = s.metrics?.bytes
    if (typeof bytes !== 'number') continue
    // the dense baseline (plugin `dense`) is a reference size, not the variant's storage
    if (s.kind === 'storage2d' && s.plugin !== 'dense') b2 = (b2 ?? 0) + bytes
    if (s.kind === 'storage3d') b3 = (b3 ?? 0) + bytes
  }
  const frames = report.frames?.processed ?? null
  return { bytes2d: b2, bytes3d: b3, frames, ms_per_frame: frames && report.wall_ms !== undefined ? report.wall_ms / frames : null }
}

/** Bytes for people: `842 kB`, `1.16 MB`, `3.4 GB` (SI units). */
export function humanBytes(n: number | null): string {
  if (n === null) return '-'
  if (n < 1000) return `${n} B`
  const units = ['kB', 'MB', 'GB', 'TB']
  let v = n / 1000, u = 0
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++ }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`
}

/** Milliseconds for people: `12.3 ms`, `431 ms`, `2.41 s`, `3.2 min`. */
export function humanMs(ms: number | null): string {
  if (ms === null) return '-'
  if (ms < 100) return `${ms.toFixed(1)} ms`
  if (ms < 1000) return `${ms.toFixed(0)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`
  return `${(ms / 60_000).toFixed(1)} min`
}

/** The comparison table of a sweep, rounded for people. */
export function sweepMarkdown(rows: SweepRow[], metric: string): string {
  const lines = [`| variant | ${metric} mIoU % | fmIoU % | mAcc % | 2D memory | 3D map | time / frame |`, '|---|---:|---:|---:|---:|---:|---:|']
  for (const r of rows) lines.push(`| ${r.variant} | ${pct(r.miou)} | ${pct(r.fmiou)} | ${pct(r.macc)} | ${humanBytes(r.bytes2d)} | ${humanBytes(r.bytes3d)} | ${humanMs(r.ms_per_frame)} |`)
  return lines.join('\n') + '\n'
}

/**
 * Writes a sweep's comparison: `sweep.json`, `sweep.csv`, `sweep.md` (the table, each variant's
 * report linked) and the storage-vs-mIoU plots (3D map bytes and 2D memory bytes) as SVG + PNG.
 */
export async function writeSweepReport(dir: string, rows: SweepRow[], metric: string, protocol: object): Promise<string[]> {
  const abs = makeOutDir(dir)
  const files = ['sweep.json', 'sweep.csv', 'sweep.md']
  const plots: string[] = []
  if (rows.some((r) => r.bytes3d)) plots.push(...(await writePlot(abs, 'storage3d-vs-miou', storageSpec(rows.map((r) => ({ variant: r.variant, bytes: r.bytes3d ?? 0, miou: r.miou })), '3D map size against mIoU', '3D map (kB, log scale)'))))
  if (rows.some((r) => r.bytes2d)) plots.push(...(await writePlot(abs, 'storage2d-vs-miou', storageSpec(rows.map((r) => ({ variant: r.variant, bytes: r.bytes2d ?? 0, miou: r.miou })), '2D memory size against mIoU', '2D memories (kB, log scale)'))))
  writeJsonAtomic(join(abs, 'sweep.json'), { protocol, variants: rows })
  const cols = ['variant', 'miou', 'fmiou', 'macc', 'bytes2d', 'bytes3d', 'ms_per_frame', 'frames'] as const
  writeFileAtomic(join(abs, 'sweep.csv'), [cols.join(','), ...rows.map((r) => cols.map((c) => r[c] ?? '').join(','))].join('\n') + '\n')
  const md = [
    `# Sweep: ${metric}`, '', sweepMarkdown(rows, metric),
    'Time per frame is the run\'s wall time over its frames; variants that reused cached stages from an earlier variant look faster than a cold run.', '',
    ...plots.filter((p) => p.endsWith('.svg')).map((p) => `![${p}](${p})`), '',
    ...rows.map((r) => `- ${r.variant}: [report](${r.variant}/report.md)`), '',
  ]
  writeFileAtomic(join(abs, 'sweep.md'), md.join('\n'))
  return [...files, ...plots]
}
