/**
 * Where a plugin loaded through a pipeline's `plugins:` came from, and a hash of its code: the
 * stage cache keys on it, so editing a plugin's file invalidates its cached outputs even when
 * its author did not bump `version` (built-in plugins have no entry: their version is released
 * with their code).
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A plugin module's entry file and the hash of its code. */
export interface PluginSource {
  /** The module's entry file (absolute). */
  file: string
  /** sha256 over the entry file and the local files it imports (relative specifiers), transitively. */
  codeHash: string
  /** How many files the hash covers. */
  files: number
  /** True when the walk stopped at {@link CODE_HASH_LIMITS} (files beyond it do not count). */
  truncated: boolean
}

/** Bounds of the import walk: a plugin is a few files, not a tree of thousands. */
export const CODE_HASH_LIMITS = { files: 256, bytes: 32 * 1024 * 1024 } as const

const sources = new WeakMap<object, PluginSource>()

/** Records the source of the plugins one module exported. */
export function recordPluginSource(plugins: readonly unknown[], source: PluginSource): void {
  for (const p of plugins) if (p !== null && typeof p === 'object') sources.set(p, source)
}

/** The source of a plugin loaded from a `plugins:` entry; undefined for built-in plugins. */
export function pluginSource(plugin: object): PluginSource | undefined {
  return sources.get(plugin)
}

/** `import … from './x'`, `export … from './x'`, `import './x'`, `import('./x')`, `require('./x')`. */
const LOCAL_IMPORT = /(?:\bfrom|\bimport|\brequire)\s*\(?\s*['"](\.{1,2}\/[^'"\n]+)['"]/g

/** The file a relative specifier names: as written, `.js` written for a `.ts` source, an extension or index added. */
function resolveLocal(spec: string, from: string): string | undefined {
  const p = resolve(dirname(from), spec)
  const candidates = [p, p.replace(/\.(m|c)?js$/, '.$1ts'), `${p}.ts`, `${p}.js`, `${p}.mjs`, join(p, 'index.ts'), join(p, 'index.js')]
  return candidates.find((c) => existsSync(c) && statSync(c).isFile())
}

/**
 * Hashes a plugin module's code: its entry file and every local file reached through relative
 * imports (paths relative to the entry and contents), bounded by {@link CODE_HASH_LIMITS}.
 */
export function hashPluginCode(entry: string): PluginSource {
  const seen = new Set<string>([entry])
  const queue = [entry]
  const h = createHash('sha256')
  let bytes = 0
  let truncated = false
  for (let i = 0; i < queue.length; i++) {
    const file = queue[i]!
    const text = readFileSync(file)
    bytes += text.length
    h.update(`${relative(dirname(entry), file)}\0${text.length}\0`).update(text)
    if (!/\.(c|m)?[jt]sx?$/.test(file)) continue
    for (const m of text.toString('utf8').matchAll(LOCAL_IMPORT)) {
      const dep = resolveLocal(m[1]!, file)
      if (!dep || seen.has(dep)) continue
      if (seen.size >= CODE_HASH_LIMITS.files || bytes >= CODE_HASH_LIMITS.bytes) { truncated = true; continue }
      seen.add(dep)
      queue.push(dep)
    }
  }
  return { file: entry, codeHash: h.digest('hex'), files: queue.length, truncated }
}

/** A place in a plugin's code. */
export interface CodeSite {
  file: string
  line: number
  column: number
}

/** `at f (/a/b.ts:3:5)`, `at /a/b.ts:3:5`, `at file:///a/b.ts?plaf-code=…:3:5`: the file, line and column. */
const STACK_FRAME = /^\s*at (?:.*? \()?((?:file:\/\/)?\/[^()\s?]+)(?:\?[^()\s]*?)?:(\d+):(\d+)\)?$/

/** The places a stack trace names, innermost first (node internals, which have no absolute path, left out). */
export function stackSites(err: unknown): CodeSite[] {
  const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : ''
  const out: CodeSite[] = []
  for (const line of stack.split('\n')) {
    const m = STACK_FRAME.exec(line)
    if (m) out.push({ file: m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!, line: Number(m[2]), column: Number(m[3]) })
  }
  return out
}

/**
 * Where in a plugin's code an error it threw was raised: the innermost stack frame inside the
 * folder of a `plugins:` plugin's entry file, or (a built-in plugin) the innermost outside
 * node_modules; undefined when the stack names none.
 */
export function bugSite(err: unknown, plugin: object): CodeSite | undefined {
  const src = pluginSource(plugin)
  const sites = stackSites(err)
  if (src) {
    const dir = dirname(src.file) + sep
    return sites.find((s) => s.file.startsWith(dir))
  }
  return sites.find((s) => !s.file.includes(`${sep}node_modules${sep}`))
}

/** `file:LINE`, the source line and a caret under the offending token: how V8 shows a syntax error's place. */
function parseSyntaxHeader(text: string): CodeSite | undefined {
  const lines = text.split('\n')
  const i = lines.findIndex((l) => /^(?:file:\/\/)?\/\S+:\d+$/.test(l))
  const m = i >= 0 ? /^((?:file:\/\/)?\/[^?\s]+?)(?:\?\S*?)?:(\d+)$/.exec(lines[i]!) : null
  if (!m) return undefined
  const caret = lines[i + 2]
  const column = caret && /^\s*\^+\s*$/.test(caret) ? caret.indexOf('^') + 1 : 1
  return { file: m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!, line: Number(m[2]), column }
}

/**
 * Where a module has the syntax error `err` reports: from its stack when V8 put the place there,
 * else from `node --check file` (Node 20 keeps the place of an ESM syntax error to itself; run only
 * once a load has failed). Undefined for any other error, or a syntax error in another file.
 */
export function syntaxSite(err: unknown, file?: string): CodeSite | undefined {
  if (!(err instanceof SyntaxError)) return undefined
  const fromStack = parseSyntaxHeader(err.stack ?? '')
  if (fromStack || !file) return fromStack
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 20_000 })
  const site = check.status === 0 ? undefined : parseSyntaxHeader(check.stderr ?? '')
  return site?.file === file ? site : undefined
}
