/** Decimals shown at most: below 10⁻⁶ a figure of a run summary is 0 in practice. */
const MAX_DECIMALS = 6
/** Significant digits a fractional figure is shown with (enough to compare variants). */
const SIGNIFICANT = 3

/** Fewest decimals that show `v` as it is (to a relative 1e-9: 0.1 + 0.2 needs 1), capped. */
function exactDecimals(v: number): number {
  for (let d = 0; d < MAX_DECIMALS; d++) if (Math.abs(Number(v.toFixed(d)) - v) <= 1e-9 * Math.max(1, Math.abs(v))) return d
  return MAX_DECIMALS
}

/** Decimals for SIGNIFICANT digits of `v` (0.00182 → 5, 90.4 → 1, 1234.5 → 0), capped. */
function significantDecimals(v: number): number {
  if (v === 0) return 0
  return Math.min(MAX_DECIMALS, Math.max(0, SIGNIFICANT - 1 - Math.floor(Math.log10(Math.abs(v)))))
}

/**
 * The cells of one column: numbers with the same number of decimals down the column (the most
 * any of its values needs for three significant digits, never more than it holds: 0.41 and 0.6
 * give 0.41 and 0.60, 0.1 + 0.2 gives 0.3), anything else as text; whether it is numeric.
 */
export function formatColumn(values: readonly unknown[]): { cells: string[]; numeric: boolean } {
  const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  const decimals = nums.reduce((d, v) => Math.max(d, Math.min(exactDecimals(v), significantDecimals(v))), 0)
  const cells = values.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(decimals) : v === undefined || v === null ? '' : String(v)))
  return { cells, numeric: nums.length > 0 && nums.length === values.filter((v) => v !== undefined && v !== null && v !== '').length }
}

/** The Markdown table of a sweep's summary rows: one column per key, numbers formatted per column and right-aligned. */
export function sweepTable(rows: readonly Record<string, unknown>[]): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const formatted = cols.map((c) => formatColumn(rows.map((r) => r[c])))
  return [
    `| ${cols.join(' | ')} |`,
    `|${formatted.map((f) => (f.numeric ? '---:' : '---')).join('|')}|`,
    ...rows.map((_, i) => `| ${formatted.map((f) => f.cells[i]).join(' | ')} |`),
  ].join('\n') + '\n'
}
