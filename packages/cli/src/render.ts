import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import type { Diagnostic } from '@plaf/core'

const lineCache = new Map<string, string[]>()

function sourceLine(file: string, line: number): string | undefined {
  let lines = lineCache.get(file)
  if (!lines) {
    try {
      lines = readFileSync(file, 'utf8').split(/\r?\n/)
    } catch {
      return undefined
    }
    lineCache.set(file, lines)
  }
  return lines[line - 1]
}

/** A file shown relative to the working directory when inside it; a URL (anything with a scheme: `http://…`, `file:…`) as is. */
export const rel = (f: string): string => {
  if (/^[a-z][a-z0-9+.-]+:/i.test(f)) return f
  const r = relative(process.cwd(), f)
  return r.startsWith('..') ? f : r
}

/** Columns of a source line a code frame shows at most; longer lines are cut around the column. */
export const CODE_FRAME_WIDTH = 100
/** Characters of an expected/actual value shown at most. */
const VALUE_WIDTH = 200

/**
 * The part of a source line a code frame shows: the whole line when it fits, else a window of
 * CODE_FRAME_WIDTH characters around the 0-based `column`, with `…` where it was cut, and the
 * caret's position in what is shown.
 */
export function sourceWindow(text: string, column: number): { shown: string; caret: number } {
  if (text.length <= CODE_FRAME_WIDTH) return { shown: text, caret: column }
  const col = Math.min(column, text.length)
  let start = Math.max(0, col - Math.floor(CODE_FRAME_WIDTH / 2))
  const end = Math.min(text.length, start + CODE_FRAME_WIDTH)
  start = Math.max(0, end - CODE_FRAME_WIDTH)
  const head = start > 0 ? '…' : ''
  return { shown: `${head}${text.slice(start, end)}${end < text.length ? '…' : ''}`, caret: col - start + head.length }
}

/** A long expected/got value cut to VALUE_WIDTH characters at a word boundary (no word cut in half), with its length. */
export function clip(v: string): string {
  if (v.length <= VALUE_WIDTH) return v
  const space = v.lastIndexOf(' ', VALUE_WIDTH)
  const cut = space > VALUE_WIDTH / 2 ? v.slice(0, space).replace(/[,;:(]+$/, '') : v.slice(0, VALUE_WIDTH)
  return `${cut} … (${v.length} characters)`
}

/**
 * Formats one diagnostic the way compilers do:
 *   file:line:col severity message  CODE
 *      7 |   masker: { use: grid, with: { cell_size: 6.5 } }
 *        |                                          ^
 *      expected …, got …; hint
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${rel(d.file)}${d.line ? `:${d.line}:${d.column ?? 1}` : ''}` : d.source ? d.source : 'plaf'
  const out = [`${where} ${d.severity} ${d.message}  ${d.code}`]
  let text: string | undefined
  let lineNo = ''
  if (d.file && d.line) {
    text = sourceLine(d.file, d.line)
    lineNo = String(d.line)
  } else if (d.source) {
    text = d.source
  }
  if (text !== undefined) {
    const gutter = ' '.repeat(Math.max(4 - lineNo.length, 1)) + lineNo
    const { shown, caret } = sourceWindow(text, Math.max((d.column ?? 1) - 1, 0))
    out.push(`${gutter} | ${shown}`)
    out.push(`${' '.repeat(gutter.length)} | ${' '.repeat(caret)}^`)
  }
  const extra: string[] = []
  if (d.expected) extra.push(`expected ${clip(d.expected)}`)
  if (d.actual) extra.push(`got ${clip(d.actual)}`)
  if (d.frame && !d.message.includes(d.frame)) extra.push(`frame ${d.frame}`)
  if (d.hint) extra.push(d.hint)
  if (extra.length) out.push(`     ${extra.join('; ')}`)
  return out.join('\n')
}

/** Formats a list, errors first, with a count line. */
export function formatDiagnostics(list: readonly Diagnostic[]): string {
  const sorted = [...list].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1))
  const errors = list.filter((d) => d.severity === 'error').length
  const warnings = list.filter((d) => d.severity === 'warning').length
  return [...sorted.map(formatDiagnostic), `${errors} error(s), ${warnings} warning(s)`].join('\n\n')
}
