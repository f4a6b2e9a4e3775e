import { existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type Diagnostic, PlafError, diagnostic } from '../diagnostics.js'
import type { Plugin } from '../plugin.js'
import { Registry } from '../registry.js'
import type { LoadedPipeline } from './load.js'
import { declaringDir } from './paths.js'
import { hashPluginCode, recordPluginSource } from './plugin-source.js'
import { originOf } from './provenance.js'

const supportsTypeStripping = (): boolean => Boolean((process.features as { typescript?: unknown }).typescript)

/**
 * Imports a TypeScript plugin file. Node ≥ 22.18 strips types natively; on Node 20 the file is
 * transpiled with the TypeScript compiler to a hidden sibling `.mjs` (so its imports resolve as
 * they would from the original), imported, and the sibling removed.
 */
async function importTypeScript(file: string, query: string): Promise<unknown> {
  if (supportsTypeStripping()) return import(pathToFileURL(file).href + query)
  const ts = (await import('typescript')).default
  const out = ts.transpileModule(readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
  }).outputText
  const tmp = join(dirname(file), `.${basename(file, extname(file))}.${process.pid}.plaf.mjs`)
  writeFileSync(tmp, out.replace(/(from\s+['"]\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1.mjs$2'))
  try {
    return await import(pathToFileURL(tmp).href + query)
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
  const mod = (/\.(c|m)?ts$/.test(target) ? await importTypeScript(target, query) : await import(pathToFileURL(target).href + query)) as { default?: unknown }
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
        out.push(diagnostic('PLAF_PLUGIN_LOAD_FAILED', `cannot load plugin "${spec}": ${(e as Error).message.split('\n')[0]}`, { ...where, cause: e }))
      }
    }
  }
  return reg
}
