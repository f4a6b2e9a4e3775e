import type { RunReport, StageReport } from './report.js'

/** What report.md shows of one querier stage: the parts of its `scores.json` it reads (all optional but `queries`). */
export interface ReportQuerier {
  /** Stage key: also the querier's directory in the run, so links are `<key>/<file>`. */
  key: string
  plugin: string
  mode?: string
  threshold?: number | 'auto'
  queries: {
    text: string
    frames_2d?: {
      masks: number; masks_above_threshold: number; pixels: number; pixels_above_threshold: number
      best?: { frame: string; score: number } | null
      /** Contact sheet, relative to the querier's directory. */
      contact_sheet?: string | null
    } | null
    map?: {
      points: number; points_above_threshold: number; pool_rows: number
      top_pool_rows?: { row: number; score: number }[]
      /** Rendered snapshot of the scored map, relative to the querier's directory. */
      snapshot?: string | null
    } | null
  }[]
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US')
/**
 * A metric value for a table: whole numbers with thousands separators, others with two decimals
 * from 1 up and three significant digits below 1, so a small ratio never reads 0.00 (0.000259
 * stays 0.000259, 1.2e-7 reads 1.20e-7).
 */
export const figure = (n: number): string => (Number.isInteger(n) ? n.toLocaleString('en-US') : !Number.isFinite(n) || Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3))
const num = (n: number): string => (Number.isInteger(n) ? int(n) : Math.abs(n) >= 100 ? n.toFixed(0) : n.toPrecision(3))
const pct = (x: number): string => `${(100 * x).toPrecision(3)} %`
const bytes = (b: number): string => (b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : b >= 1e3 ? `${(b / 1e3).toFixed(1)} kB` : `${b} B`)
/** A table cell: pipes and line breaks would break the row. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ')
/** A link target: spaces and parentheses would end it early. */
const href = (p: string): string => p.split('/').map(encodeURIComponent).join('/')

/** Median and nearest-rank 95th percentile (the smallest value ≥ 95 % of the values) of a non-empty list. */
/** `large / small` as "N× smaller": one decimal below 10× (38.8 % is "2.6× smaller", not "3×"), whole above. */
export function timesSmaller(large: number, small: number): string {
  const r = large / Math.max(small, 1)
  return `${r < 10 ? r.toFixed(1) : r.toFixed(0)}× smaller`
}

/** The element type a `feature_bytes` metric (b: 4, 2 or 1 bytes a feature element) stands for, or null (absent in older reports). */
export function featureDtypeName(b: number | undefined): 'float32' | 'float16' | 'int8' | null {
  return b === 4 ? 'float32' : b === 2 ? 'float16' : b === 1 ? 'int8' : null
}

export function medianP95(values: number[]): { median: number; p95: number; min: number; max: number } {
  const s = [...values].sort((a, b) => a - b)
  const n = s.length
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
  return { median, p95: s[Math.max(0, Math.ceil(0.95 * n) - 1)], min: s[0], max: s[n - 1] }
}

const byKind = (r: RunReport, kind: string): [string, StageReport][] => Object.entries(r.stages).filter(([, s]) => s.kind === kind)

/** Sum of a per-frame metric over the given frames. */
const sumOver = (s: StageReport, frames: string[], metric: string): number => frames.reduce((t, f) => t + (s.frame_metrics[f]?.[metric] ?? 0), 0)

/** `## Storage`: bytes of each codec, per frame, against dense float32, and compact against dense on the same frames. */
export function storageSection(r: RunReport): string[] {
  const s2 = byKind(r, 'storage2d')
  const s3 = byKind(r, 'storage3d')
  const lifters = byKind(r, 'lifter').filter(([, s]) => s.metrics.pool_rows !== undefined && s.metrics.masks_seen !== undefined)
  if (!s2.length && !s3.length && !lifters.length) return []
  const out = ['## Storage', '']
  if (s2.length) {
    out.push('| 2D codec | plugin | frames | bytes | bytes per frame (median) | vs dense float32 |', '|---|---|---:|---:|---:|---:|')
    for (const [key, s] of s2) {
      const frames = Object.keys(s.frame_metrics)
      const per = frames.length ? medianP95(frames.map((f) => s.frame_metrics[f].bytes ?? 0)).median : 0
      const dense = s.metrics.dense_float32_bytes
      out.push(`| ${key} | ${s.plugin} ${s.version} | ${int(s.metrics.frames ?? frames.length)} | ${bytes(s.metrics.bytes ?? 0)} | ${bytes(per)} | ${dense ? pct((s.metrics.bytes ?? 0) / dense) : '-'} |`)
    }
    out.push('')
    // every pair of 2D codecs on the frames both stored: the smaller against the larger
    for (let i = 0; i < s2.length; i++) {
      for (let j = i + 1; j < s2.length; j++) {
        const [ka, a] = s2[i]
        const [kb, b] = s2[j]
        const common = Object.keys(a.frame_metrics).filter((f) => b.frame_metrics[f]?.bytes !== undefined && a.frame_metrics[f]?.bytes !== undefined)
        if (!common.length) continue
        const [small, large] = [[ka, sumOver(a, common, 'bytes')], [kb, sumOver(b, common, 'bytes')]].sort((x, y) => (x[1] as number) - (y[1] as number)) as [string, number][]
        if (!large[1]) continue
        // the dtypes on both sides (feature_bytes, from each codec's finish), when both reported it
        const dt = (k: string) => featureDtypeName(s2.find(([key]) => key === k)?.[1].metrics.feature_bytes)
        const [ds, dl] = [dt(small[0]), dt(large[0])]
        const dtypes = ds && dl ? `, ${ds} vs ${dl}` : ''
        out.push(`- ${small[0]} / ${large[0]} on the same ${common.length} frame${common.length === 1 ? '' : 's'}: ${pct(small[1] / large[1])} (${timesSmaller(large[1], small[1])}${dtypes})`)
      }
    }
  }
  for (const [key, s] of s3) {
    const m = s.metrics
    const line = [`- 3D map (${key}, ${s.plugin} ${s.version}): ${int(m.points ?? 0)} points, pool of ${int(m.pool_rows ?? 0)} rows`]
    if (m.points && m.pool_rows) line.push(` (${num(m.points / m.pool_rows)} points per row)`)
    line.push(`, ${bytes(m.bytes ?? 0)}`)
    const pool = featureDtypeName(m.feature_bytes)
    if (m.dense_bytes) {
      // dense_file_bytes: the baseline file was written and this is its size on disk; else computed exactly (points × D × 4 + .npy header)
      const which = m.dense_file_bytes ? 'written and measured on disk' : 'points × D × 4 B + .npy header, computed, not written'
      const dtypes = pool ? `, ${pool} pool vs float32 dense` : ''
      line.push(`; dense per-point float32 baseline ${bytes(m.dense_bytes)} (${which}): ${pct((m.bytes ?? 0) / m.dense_bytes)} of it (${timesSmaller(m.dense_bytes, m.bytes ?? 0)}${dtypes})`)
    }
    out.push(line.join(''))
    // like for like: the dense per-point layout at the pool's dtype; the map's bytes include xyz and
    // rgb a point, its refs + pool (semantic_bytes) are what the paper's eq. (9) counts
    if (pool && m.dense_pool_dtype_bytes) {
      const d = m.dense_pool_dtype_bytes
      const per = pool === 'int8' ? 'points × D × 1 B + a float32 scale a point + .npy headers' : `points × D × ${m.feature_bytes} B + .npy header`
      const sem = m.semantic_bytes === undefined ? '' : `; its refs + pool (the semantic part, ${bytes(m.semantic_bytes)}) ${pct(m.semantic_bytes / d)} (${timesSmaller(d, m.semantic_bytes)})`
      out.push(`- 3D map (${key}) against dense per-point ${pool}, the pool's dtype on both sides: dense ${bytes(d)} (${per}, computed, not written); the map (xyz, rgb, ref a point + pool) ${pct((m.bytes ?? 0) / d)} of it (${timesSmaller(d, m.bytes ?? 0)})${sem}`)
    }
  }
  // pool rows against the masks that gave points (the lifter's masks_seen): what fusion saved, and rows that lead no voxel
  for (const [key, s] of lifters) {
    const { pool_rows: rows, masks_seen: seen } = s.metrics
    out.push(`- pool rows vs masks seen (${key}, ${s.plugin} ${s.version}): ${int(rows)} pool rows for ${int(seen)} masks seen${seen ? ` (${pct(rows / seen)})` : ''}`)
  }
  out.push('')
  return out
}

/** `## Queries`: hit counts and best scores per query, then each query's contact sheet and map snapshot. */
export function queriesSection(queriers: ReportQuerier[]): string[] {
  const out: string[] = []
  for (const q of queriers) {
    if (!q.queries.length) continue
    const t = q.threshold === undefined ? '' : q.threshold === 'auto' ? ', threshold auto (Otsu per frame and query)' : `, selected at ${q.mode ?? 'cosine'} ≥ ${q.threshold}`
    out.push(`## Queries (${q.key}: ${q.plugin}${q.mode ? `, ${q.mode}` : ''}${t})`, '')
    out.push('| query | 3D points selected | best 3D | 2D masks selected | 2D pixels selected | best 2D (frame) |', '|---|---:|---:|---:|---:|---|')
    for (const x of q.queries) {
      const m = x.map
      const f = x.frames_2d
      const best3 = m?.top_pool_rows?.[0]?.score
      out.push([
        '', cell(x.text),
        m ? `${int(m.points_above_threshold)} of ${int(m.points)} (${pct(m.points ? m.points_above_threshold / m.points : 0)})` : '-',
        best3 === undefined ? '-' : best3.toFixed(2),
        f ? `${int(f.masks_above_threshold)} of ${int(f.masks)}` : '-',
        f ? `${pct(f.pixels ? f.pixels_above_threshold / f.pixels : 0)}` : '-',
        f?.best ? `${f.best.score.toFixed(2)} (${cell(f.best.frame)})` : '-', '',
      ].join(' | ').trim())
    }
    out.push('')
    for (const x of q.queries) {
      const pics: string[] = []
      if (x.frames_2d?.contact_sheet) pics.push(`![contact sheet of "${cell(x.text)}"](${href(`${q.key}/${x.frames_2d.contact_sheet}`)})`)
      if (x.map?.snapshot) pics.push(`![3D map scored for "${cell(x.text)}"](${href(`${q.key}/${x.map.snapshot}`)})`)
      if (pics.length) out.push(`### "${x.text.replace(/[\r\n]+/g, ' ')}"`, '', ...pics.flatMap((p) => [p, '']))
    }
  }
  return out
}

/** `## Skipped frames`: frames left out or only partly used, with the stage and the reason. */
export function skippedSection(r: RunReport): string[] {
  const frameNotes = r.notes.filter((n) => n.frame !== undefined && n.severity !== 'info')
  const missing = r.frames.total - r.frames.processed
  if (!frameNotes.length && !missing) return ['## Skipped frames', '', 'none: every frame went through every stage without a warning', '']
  const out = ['## Skipped frames', '']
  if (missing > 0) out.push(`- ${missing} of ${r.frames.total} input frames were not processed`)
  const shown = frameNotes.slice(0, 50)
  for (const n of shown) out.push(`- frame ${n.frame}${n.stage ? ` (${n.stage})` : ''}: ${n.message.replace(/[\r\n]+/g, ' ')} \`${n.code}\``)
  if (frameNotes.length > shown.length) out.push(`- … ${frameNotes.length - shown.length} more in report.json (notes)`)
  out.push('')
  return out
}

/** `## Per-frame figures`: each stage's per-frame metrics summarised over the frames (median, p95, min, max). */
export function perFrameSection(r: RunReport): string[] {
  const rows: string[] = []
  for (const [key, s] of Object.entries(r.stages)) {
    const frames = Object.values(s.frame_metrics)
    const names = [...new Set(frames.flatMap((m) => Object.keys(m)))]
    for (const name of names) {
      const v = frames.map((m) => m[name]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x))
      if (!v.length) continue
      const st = medianP95(v)
      rows.push(`| ${key} | ${cell(name)} | ${v.length} | ${num(st.median)} | ${num(st.p95)} | ${num(st.min)} | ${num(st.max)} |`)
    }
  }
  if (!rows.length) return []
  return ['## Per-frame figures', '', '| stage | metric | frames | median | p95 | min | max |', '|---|---|---:|---:|---:|---:|---:|', ...rows, '']
}
