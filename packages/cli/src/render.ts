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

const rel = (f: string): string => {
  const r = relative(process.cwd(), f)
  return r.startsWith('..') ? f : r
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
    out.push(`${gutter} | ${text}`)
    out.push(`${' '.repeat(gutter.length)} | ${' '.repeat(Math.max((d.column ?? 1) - 1, 0))}^`)
  }
  const extra: string[] = []
  if (d.expected) extra.push(`expected ${d.expected}`)
  if (d.actual) extra.push(`got ${d.actual}`)
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
