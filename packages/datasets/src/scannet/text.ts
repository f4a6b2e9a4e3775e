import { fail } from '@plaf/core'

/**
 * ScanNet's small text files: 4×4 matrices (`pose/<i>.txt`, `intrinsic/*.txt`, written by numpy
 * `savetxt(fmt='%f')`), `<scene>.txt` metadata (`key = value` lines) and the labels TSV.
 */

/** The 4×4 identity. */
export const IDENTITY4: Readonly<Float64Array> = Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/**
 * Parses one numeric token the way numpy writes them. `parseFloat('-inf')` is NaN and
 * `Number('inf')` is NaN too, so `inf`/`-inf`/`infinity`/`nan` are matched explicitly.
 * Returns undefined for anything that is not a number.
 */
export function parseNumberToken(token: string): number | undefined {
  if (FLOAT.test(token)) return Number(token)
  const t = token.toLowerCase()
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity
  if (t === '-inf' || t === '-infinity') return -Infinity
  if (t === 'nan' || t === '+nan' || t === '-nan') return NaN
  return undefined
}

/**
 * Parses a whitespace-separated 4×4 matrix (row-major); with `allow3x3`, a 3×3 one is accepted and
 * embedded in a 4×4 identity (some exporters write 3×3 intrinsics). Throws PLAF_INPUT_INVALID
 * naming the file and frame.
 */
export function parseMatrix(text: string, file: string, frame?: string, allow3x3 = false): Float64Array {
  const tokens = text.trim().split(/\s+/).filter((t) => t.length > 0)
  const n = tokens.length === 9 && allow3x3 ? 3 : 4
  if (tokens.length !== n * n) {
    fail('PLAF_INPUT_INVALID', `${file}: expected a 4×4 matrix (16 numbers), found ${tokens.length} values`, { file, frame, expected: '16 numbers', actual: String(tokens.length) })
  }
  const m = Float64Array.from(IDENTITY4)
  tokens.forEach((tok, i) => {
    const v = parseNumberToken(tok)
    const r = Math.floor(i / n), c = i % n
    if (v === undefined) fail('PLAF_INPUT_INVALID', `${file}: "${tok}" is not a number (row ${r + 1}, column ${c + 1})`, { file, frame, actual: tok })
    m[4 * r + c] = v
  })
  return m
}

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan'
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf'
  return v.toFixed(6)
}

/** Formats a 4×4 matrix as numpy `savetxt(fmt='%f')` does: 4 lines of 4 six-decimal numbers. */
export function formatMatrix(m: ArrayLike<number>): string {
  let s = ''
  for (let r = 0; r < 4; r++) s += [0, 1, 2, 3].map((c) => formatNumber(m[4 * r + c])).join(' ') + '\n'
  return s
}

/** A 4×4 pinhole matrix [[fx,0,cx,0],[0,fy,cy,0],[0,0,1,0],[0,0,0,1]]. */
export function intrinsicMatrix(k: { fx: number; fy: number; cx: number; cy: number }): Float64Array {
  return Float64Array.from([k.fx, 0, k.cx, 0, 0, k.fy, k.cy, 0, 0, 0, 1, 0, 0, 0, 0, 1])
}

/** Parses `<scene>.txt` metadata: `key = value` per line; other lines are ignored. */
export function parseMetadata(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([^=\s]+)\s*=\s*(.*?)\s*$/.exec(line)
    if (m) out[m[1]] = m[2]
  }
  return out
}

/** Formats metadata as ScanNet does (`key = value`, one per line, in the given order). */
export function formatMetadata(entries: Record<string, string | number>): string {
  return Object.entries(entries).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n'
}

/** One row of `scannetv2-labels.combined.tsv`, the columns PLAF uses. */
export interface LabelsTsvRow {
  id: number
  rawCategory: string
  category: string
  nyu40id: number
  nyu40class: string
}

/** Parses the labels TSV with a plain tab split (trailing empty columns are common). */
export function parseLabelsTsv(text: string, file = 'scannetv2-labels.combined.tsv'): LabelsTsvRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0)
  const header = (lines[0] ?? '').split('\t')
  const col = (name: string) => {
    const i = header.indexOf(name)
    if (i < 0) fail('PLAF_INPUT_INVALID', `${file}: header has no "${name}" column`, { file })
    return i
  }
  const [id, raw, cat, nyu, nyuClass] = ['id', 'raw_category', 'category', 'nyu40id', 'nyu40class'].map(col)
  return lines.slice(1).map((line) => {
    const f = line.split('\t')
    return { id: Number(f[id]), rawCategory: f[raw], category: f[cat], nyu40id: Number(f[nyu]), nyu40class: f[nyuClass] }
  })
}
