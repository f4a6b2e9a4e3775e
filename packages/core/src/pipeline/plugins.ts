import { existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire, SourceMap, type SourceMapPayload } from 'node:module'
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type Diagnostic, PlafError, diagnostic } from '../diagnostics.js'
import type { Plugin } from '../plugin.js'
import { Registry } from '../registry.js'
import type { LoadedPipeline } from './load.js'
import { declaringDir } from './paths.js'
import { type CodeSite, hashPluginCode, recordPluginSource, stackSites, syntaxSite } from './plugin-source.js'
import { originOf } from './provenance.js'

const supportsTypeStripping = (): boolean => Boolean((process.features as { typescript?: unknown }).typescript)

/** A plugin module that cannot be loaded for a fault at a known place in its code. */
export class PluginCodeError extends Error {
  constructor(readonly site: CodeSite, message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/**
 * Imports a TypeScript plugin file. Node ≥ 22.18 strips types natively; on Node 20 the file is
 * transpiled with the TypeScript compiler to a hidden sibling `.mjs` (so its imports resolve as
 * they would from the original), imported, and the sibling removed. The sibling carries a source
 * map (and source maps are turned on), so stack traces and syntax errors name the `.ts` file's lines.
 */
async function importTypeScript(file: string, query: string): Promise<unknown> {
  if (supportsTypeStripping()) return import(pathToFileURL(file).href + query)
  const ts = (await import('typescript')).default
  const res = ts.transpileModule(readFileSync(file, 'utf8'), {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false, sourceMap: true },
  })
  const bad = res.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error && d.file && d.start !== undefined)
  if (bad) {
    const { line, character } = bad.file!.getLineAndCharacterOfPosition(bad.start!)
    throw new PluginCodeError({ file, line: line + 1, column: character + 1 }, ts.flattenDiagnosticMessageText(bad.messageText, ' '))
  }
  const map = JSON.parse(res.sourceMapText!) as { sources: string[] }
  map.sources = [file]
  const tmp = join(dirname(file), `.${basename(file, extname(file))}.${process.pid}.plaf.mjs`)
  const code = res.outputText.replace(/\/\/# sourceMappingURL=\S*\s*$/, '').replace(/(from\s+['"]\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1.mjs$2')
  writeFileSync(tmp, `${code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`)
  process.setSourceMapsEnabled(true)
  try {
    return await import(pathToFileURL(tmp).href + query)
  } catch (e) {
    // V8 names the line of the transpiled sibling: map it back to the .ts file
    const at = syntaxSite(e, tmp)
    if (at) {
      const entry = new SourceMap(map as unknown as SourceMapPayload).findEntry(at.line - 1, at.column - 1) as { originalLine?: number; originalColumn?: number }
      const site = entry.originalLine === undefined ? { file, line: 0, column: 0 } : { file, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 }
      throw new PluginCodeError(site, (e as Error).message, { cause: e })
    }
    throw e
  } finally {
    rmSync(tmp, { force: true })
  }
}

/** Imports one `plugins:` entry: a path relative to the pipeline file, or an npm package name. */
export async function importPluginModule(spec: string, baseDir: string): Promise<{ plugins: Plugin[]; origin: string }> {
  const isPath = spec.startsWith('.') || spec.startsWith('/')
  let target: string
  if (isPath) {
    target = resolve(baseDir, spec)
    if (!existsSync(target)) throw new Error(`file not found: ${target}`)
  } else {
    target = createRequire(join(baseDir, 'noop.js')).resolve(spec)
  }
  // The code's hash keys the stage cache (an edited plugin is recomputed, see plugin-source.ts) and
  // the import (an edited entry file imported again in one process is the new code).
  const source = hashPluginCode(target)
  const query = `?plaf-code=${source.codeHash.slice(0, 16)}`
  let mod: { default?: unknown }
  try {
    mod = (/\.(c|m)?ts$/.test(target) ? await importTypeScript(target, query) : await import(pathToFileURL(target).href + query)) as { default?: unknown }
  } catch (e) {
    // a syntax error names its place; an error the module's top level threw, the innermost frame in its folder
    if (e instanceof PluginCodeError || e instanceof PlafError) throw e
    const site = syntaxSite(e, target) ?? stackSites(e).find((s) => s.file.startsWith(dirname(target) + sep))
    if (site) throw new PluginCodeError(site, (e as Error).message, { cause: e })
    throw e
  }
  const exported = mod.default
  if (exported === undefined) throw new Error('it has no default export (export default a plugin or an array of plugins)')
  const plugins = (Array.isArray(exported) ? exported : [exported]) as Plugin[]
  recordPluginSource(plugins, source)
  return { plugins, origin: isPath ? target : spec }
}

/** True when `file` (symlinks followed) lies outside the directory tree of `dir`. */
function outside(dir: string, file: string): boolean {
  const real = (p: string) => { try { return realpathSync(p) } catch { return p } }
  const rel = relative(real(dir), real(file))
  return rel.startsWith('..') || isAbsolute(rel)
}

/** Loads the pipeline's `plugins:` into a copy of the registry (`cwd`: for `--set` entries); problems become diagnostics. */
export async function loadThirdPartyPlugins(
  list: readonly string[] | undefined,
  loaded: LoadedPipeline,
  registry: Registry,
  out: Diagnostic[],
  cwd = process.cwd(),
): Promise<Registry> {
  if (!list?.length) return registry
  const reg = registry.clone()
  for (const [i, spec] of list.entries()) {
    const o = originOf(loaded.provenance, `/plugins/${i}`)
    const where = { file: o?.file ?? loaded.file, line: o?.line, column: o?.column, path: `plugins.${i}`, actual: spec }
    try {
      // Paths and package names resolve from the file that lists them (an inherited list: the parent).
      const base = declaringDir(loaded, `/plugins/${i}`, cwd)
      const { plugins, origin } = await importPluginModule(spec, base)
      reg.addAll(plugins, origin)
      // A plugin's code runs as soon as the pipeline is read (validate included): say so when it comes
      // from outside the folder tree of the file that lists it, so a pipeline from elsewhere cannot hide it.
      if (isAbsolute(origin) && outside(base, origin)) {
        out.push(diagnostic('PLAF_PLUGIN_OUTSIDE_TREE', `plugins[${i}] loads code from ${origin}, outside ${base}, the folder of the file that lists it; its code runs whenever this pipeline is read, validate included`, { ...where, severity: 'info' }))
      }
    } catch (e) {
      if (e instanceof PlafError) {
        out.push(...e.diagnostics.map((d) => ({ ...d, ...where, message: `${d.message} (listed as plugins[${i}] "${spec}")` })))
      } else {
        const at = e instanceof PluginCodeError ? `${e.site.file}${e.site.line ? `:${e.site.line}:${e.site.column}` : ''}: ` : ''
        const name = e instanceof PluginCodeError ? `${(e.cause as Error | undefined)?.name ?? 'SyntaxError'}: ` : ''
        out.push(diagnostic('PLAF_PLUGIN_LOAD_FAILED', `cannot load plugin "${spec}": ${at}${name}${(e as Error).message.split('\n')[0]}`, { ...where, cause: e }))
      }
    }
  }
  return reg
}
