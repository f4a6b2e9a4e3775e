import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml'
import { type Diagnostic, diagnostic } from '../diagnostics.js'
import type { Origin, Provenance } from './provenance.js'
import { escapeSegment } from './provenance.js'

/** A parsed YAML file: plain value, per-node origins and syntax diagnostics. */
export interface YamlSource {
  file: string
  text: string
  value: unknown
  provenance: Provenance
  diagnostics: Diagnostic[]
}

/** Parses YAML text, recording the origin of every node under its JSON pointer. */
export function parseYamlSource(file: string, text: string): YamlSource {
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true, merge: true })
  const diagnostics: Diagnostic[] = []
  // After the first syntax error the parser's further errors are cascades: report the first only.
  for (const e of [...doc.errors.slice(0, 1), ...doc.warnings]) {
    const pos = e.linePos?.[0]
    const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
    diagnostics.push(
      diagnostic('PLAF_YAML_SYNTAX', `YAML ${e.code === 'DUPLICATE_KEY' ? 'duplicate key' : 'syntax error'}: ${message}`, {
        severity: doc.errors.includes(e as never) ? 'error' : 'warning',
        file,
        line: pos?.line,
        column: pos?.col,
        actual: e.code,
      }),
    )
  }
  const provenance: Provenance = new Map()
  const at = (n: Node | null | undefined): Pick<Origin, 'line' | 'column'> => {
    const off = n?.range?.[0] ?? 0
    const p = lc.linePos(off)
    return { line: p.line, column: p.col }
  }
  const walk = (node: unknown, ptr: string, key?: Node | null): void => {
    if (!node || typeof node !== 'object') return
    const n = node as Node
    const pos = at(n)
    const kpos = key ? at(key) : undefined
    provenance.set(ptr, { file, ...pos, ...(kpos ? { keyLine: kpos.line, keyColumn: kpos.column } : {}) })
    if (isMap(n)) {
      for (const pair of n.items) {
        if (!isPair(pair)) continue
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
        walk(pair.value ?? pair.key, ptr + '/' + escapeSegment(k), pair.key as Node)
      }
    } else if (isSeq(n)) {
      n.items.forEach((item, i) => walk(item, `${ptr}/${i}`))
    }
  }
  try {
    walk(doc.contents, '')
  } catch (e) {
    // the YAML library throws for some structures it parsed without an error (a merge key `<<`
    // whose source is not a map, used as a key): the user's file, never an internal error
    if (!diagnostics.some((d) => d.severity === 'error')) diagnostics.push(diagnostic('PLAF_YAML_SYNTAX', `YAML error: ${(e as Error).message}`, { file, line: 1, column: 1 }))
  }
  let value: unknown = null
  if (!diagnostics.some((d) => d.severity === 'error')) {
    try {
      value = doc.toJS({ maxAliasCount: 100 })
    } catch (e) {
      diagnostics.push(diagnostic('PLAF_YAML_SYNTAX', `YAML error: ${(e as Error).message}`, { file, line: 1, column: 1 }))
    }
  }
  return { file, text, value, provenance, diagnostics }
}
