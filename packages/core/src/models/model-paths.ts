import { existsSync, realpathSync } from 'node:fs'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { diagnostic, type Diagnostic } from '../diagnostics.js'
import type { ModelManifest } from './manifest.js'
import { jsonPath } from './manifest-schema.js'

/** Where a manifest value sits, for diagnostics: the JSON path and its line and column. */
export type ManifestLocate = (path: readonly (string | number)[], o?: { key?: boolean }) => { line: number; column: number } | undefined

/**
 * Why a manifest path is not a plain relative path inside the model folder, or undefined if it
 * is: absolute paths, drive letters, backslashes and `..` segments are refused before any file
 * system access, so a hub's manifest can never name a file outside the folder it is written to.
 */
export function pathEscape(p: string): string | undefined {
  if (isAbsolute(p) || /^[A-Za-z]:/.test(p) || p.startsWith('/')) return 'it is absolute'
  if (p.includes('\\')) return 'it contains a backslash (use /)'
  const parts = p.split('/')
  if (parts.includes('..')) return 'it has a ".." segment'
  if (parts.some((s) => s === '' || s === '.')) return 'it has an empty or "." segment'
  return undefined
}

/**
 * Every path problem of a manifest, without touching the disk: a `files` path escaping the folder,
 * a duplicate, or a graph or tokenizer file that `files` does not list (its size and hash would go
 * unchecked). Each is a PLAF_MODEL_INVALID diagnostic at the JSON path.
 */
export function manifestPathDiagnostics(m: ModelManifest, file: string, locate: ManifestLocate): Diagnostic[] {
  const out: Diagnostic[] = []
  const at = (path: (string | number)[], message: string, rest: Partial<Diagnostic>) =>
    out.push(diagnostic('PLAF_MODEL_INVALID', `${file}: ${jsonPath(path)} ${message}`, { file, path: jsonPath(path), ...locate(path), ...rest }))
  const listed = new Set<string>()
  m.files.forEach((f, i) => {
    const why = pathEscape(f.path)
    if (why) at(['files', i, 'path'], `"${f.path}" escapes the model folder: ${why}`, { expected: 'a relative path inside the model folder', actual: f.path })
    else if (listed.has(f.path)) at(['files', i, 'path'], `lists "${f.path}" twice`, { expected: 'each file once', actual: f.path })
    listed.add(f.path)
  })
  const mustList = (path: (string | number)[], p: string, what: string) => {
    const why = pathEscape(p)
    if (why) at(path, `"${p}" escapes the model folder: ${why}`, { expected: 'a relative path inside the model folder', actual: p })
    else if (!listed.has(p)) at(path, `names ${what} "${p}" that files does not list`, { expected: `"${p}" in files (with its sha256 and bytes)`, actual: 'not listed' })
  }
  for (const [role, g] of Object.entries(m.graphs)) mustList(['graphs', role, 'file'], g.file, 'the graph file')
  if (m.text) {
    mustList(['text', 'tokenizer', 'file'], m.text.tokenizer.file, 'the tokenizer file')
    if (m.text.tokenizer.config_file) mustList(['text', 'tokenizer', 'config_file'], m.text.tokenizer.config_file, 'the tokenizer config file')
  }
  return out
}

/**
 * The absolute path of model file `p` inside `dir`, or why not: a path escaping the folder
 * lexically, or a symlink (of the file or a folder on the way) whose target lies outside it.
 */
export function resolveInside(dir: string, p: string): { path: string } | { escape: string } {
  const lexical = pathEscape(p)
  if (lexical) return { escape: lexical }
  const abs = resolve(dir, ...p.split('/'))
  if (!existsSync(abs)) return { path: abs }
  const root = realpathSync(dir)
  const real = realpathSync(abs)
  const rel = relative(root, real)
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) return { escape: `it is a symlink to ${real}, outside the folder` }
  return { path: join(dir, ...p.split('/')) }
}
