import type { CaseName } from './config.js'

/** Largest absolute difference of two equally long arrays (NaN counts as Infinity): shared with the tests. */
export { maxAbsDiff } from '@plaf/core/testing'

/** A cell of a printed table. */
export type Cell = string | number | null

/** A table printed to stdout and kept in the JSON (so docs can quote it as printed). */
export interface BenchTable {
  title: string
  columns: string[]
  rows: Cell[][]
}

/** What one case writes to `bench/results/<name>.json`. */
export interface CaseReport {
  name: CaseName
  started_at: string
  duration_ms: number
  /** Sizes and run counts actually used. */
  params: Record<string, unknown>
  /** The case's headline figures, when it has them (`backbone`: medians per frame in ms; `masker`: one entry per grid). */
  summary?: Record<string, number> | Record<string, number>[]
  /** Every number measured, machine-readable. */
  measurements: Record<string, unknown>
  /** Exactness checks; `passed` is false when any failed. */
  checks: { passed: boolean; details: string[] }
  /** The official Python path's figures this case is compared with (DESIGN §9), for reference. */
  official: Record<string, string>
  tables: BenchTable[]
  notes: string[]
}

/** Bytes as a short human string (decimal units: 1 MB = 10⁶ B, like the paper). */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '–'
  const abs = Math.abs(bytes)
  if (abs >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`
  if (abs >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`
  if (abs >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`
  return `${bytes} B`
}

/** Milliseconds with a precision that suits their size. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '–'
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`
  if (ms >= 10) return `${ms.toFixed(0)} ms`
  return `${ms.toFixed(2)} ms`
}

/** A ratio like `123×` (or `0.076 %` for fractions when `percent`). */
export function formatRatio(r: number | null, percent = false): string {
  if (r === null || !Number.isFinite(r)) return '–'
  if (percent) return `${(r * 100).toPrecision(3)} %`
  return r >= 100 ? `${r.toFixed(0)}×` : `${r.toPrecision(3)}×`
}

/** A number in scientific notation for differences. */
export function formatDiff(x: number | null): string {
  return x === null ? '–' : x.toExponential(1)
}

/** Renders a table as GitHub Markdown (readable in a terminal too). */
export function formatTable(t: BenchTable): string {
  const cells = t.rows.map((r) => r.map((c) => (c === null ? '–' : String(c))))
  const widths = t.columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]?.length ?? 0)))
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`
  return [`${t.title}`, '', line(t.columns), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n')
}

/** Number of positions where two arrays differ. */
export function countDiffering(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`)
  let n = 0
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++
  return n
}
