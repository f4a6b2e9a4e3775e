import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { PlafError, fsErrorDiagnostic, hasErrors, pipelineEditorSchema, pipelineRegistry, resolvePipeline, writeFileAtomic, type Plugin } from '@plaf/core'
import { builtinRegistry } from '../builtins.js'
import { EXIT, printDiagnostics, type Io } from '../io.js'

/** `plaf validate <pipeline>`: every check short of reading frames; exit 1 on any error. */
export async function validateCommand(file: string, opts: { set?: string[]; json?: boolean }, io: Io): Promise<number> {
  const r = await resolvePipeline(file, builtinRegistry(), { overrides: opts.set ?? [] })
  printDiagnostics(io, r.diagnostics, opts.json)
  if (!r.pipeline || hasErrors(r.diagnostics)) return EXIT.user
  const p = r.pipeline
  if (opts.json) io.out(JSON.stringify({ ok: true, name: p.name, input: p.input.use, stages: p.stages.map((s) => ({ key: s.key, use: s.use, mode: s.mode, wiring: s.wiring })) }, null, 2))
  else {
    io.out(`${file}: valid pipeline "${p.name}"`)
    io.out(`  input  ${p.input.use}`)
    for (const s of p.stages) {
      const from = Object.entries(s.wiring).map(([port, src]) => `${port}←${src.stage}.${src.port}`).join(', ')
      io.out(`  ${s.key.padEnd(12)} ${s.use.padEnd(20)} ${s.plugin.kind.padEnd(12)} ${from}`)
    }
  }
  return EXIT.ok
}

interface OptionRow {
  name: string
  type: string
  default: string
  description: string
}

/** Rows of a plugin's options table (name, type, default, description), from its schema. */
export function optionRows(p: Plugin): OptionRow[] {
  const props = (p.options.properties ?? {}) as Record<string, Record<string, unknown>>
  const required = new Set((p.options.required as string[] | undefined) ?? [])
  return Object.entries(props).map(([name, s]) => ({
    name: required.has(name) ? `${name} (required)` : name,
    type: s.enum ? (s.enum as unknown[]).map((v) => JSON.stringify(v)).join('|') : Array.isArray(s.type) ? s.type.join('|') : String(s.type ?? (s.anyOf ? 'any of several' : 'any')),
    default: 'default' in s ? JSON.stringify(s.default) : '',
    description: String(s.description ?? ''),
  }))
}

/**
 * `plaf plugins [name] [--pipeline <file>] [--json]`: the built-in plugins, plus with `--pipeline`
 * those the file's `plugins:` loads (a user's own plugin; an option error's hint names this command).
 */
export async function pluginsCommand(name: string | undefined, opts: { json?: boolean; pipeline?: string }, io: Io): Promise<number> {
  let reg = builtinRegistry()
  if (opts.pipeline !== undefined) {
    const r = await pipelineRegistry(opts.pipeline, reg)
    if (hasErrors(r.diagnostics)) {
      printDiagnostics(io, r.diagnostics, opts.json)
      return EXIT.user
    }
    reg = r.registry
  }
  const list = reg.list().filter((p) => !name || p.name === name)
  if (name && !list.length) {
    const near = reg.suggest(name)
    const more = opts.pipeline === undefined ? '; a plugin a pipeline loads with plugins: is listed with --pipeline <file>' : ` (built-in or loaded by ${opts.pipeline})`
    io.err(`no plugin named "${name}"${near.length ? `; closest: ${near.join(', ')}` : ''}${more}`)
    return EXIT.user
  }
  if (opts.json) {
    io.out(JSON.stringify(list.map((p) => ({
      name: p.name, kind: p.kind, version: p.version, description: p.description, package: p.package,
      inputs: p.kind === 'input' ? {} : p.inputs, outputs: p.outputs, cacheable: p.kind === 'input' ? false : p.cacheable === true, options: p.options,
    })), null, 2))
    return EXIT.ok
  }
  for (const p of list) {
    io.out(`${p.name} (${p.kind}) ${p.version}${p.package ? `  ${p.package}` : ''}\n  ${p.description}`)
    if (name) {
      const ins = p.kind === 'input' ? {} : p.inputs
      io.out(`  inputs:  ${Object.entries(ins).map(([k, t]) => `${k}: ${t}`).join(', ') || 'none'}\n  outputs: ${Object.entries(p.outputs).map(([k, t]) => `${k}: ${t}`).join(', ') || 'none'}\n  options:`)
      for (const r of optionRows(p)) io.out(`    ${r.name.padEnd(24)} ${r.type.padEnd(18)} ${r.default.padEnd(10)} ${r.description}`)
    }
  }
  return EXIT.ok
}

/**
 * `plaf schema [--out file]`: JSON Schema of pipeline files for yaml-language-server. `--out` creates
 * the file's folder when missing (`--out .plaf/pipeline.schema.json` in a fresh project); a path that
 * cannot be written (a file in the way, no permission) is exit 1 naming it.
 */
export function schemaCommand(opts: { out?: string }, io: Io): number {
  const text = JSON.stringify(pipelineEditorSchema(builtinRegistry()), null, 2) + '\n'
  if (opts.out) {
    const dir = dirname(opts.out)
    const created = !existsSync(dir)
    try {
      writeFileAtomic(opts.out, text, { fsync: false })
    } catch (e) {
      const d = fsErrorDiagnostic(e)
      if (d) throw new PlafError({ ...d, hint: 'choose another --out <file> path' })
      throw e
    }
    io.err(`wrote ${opts.out}${created ? ` (created ${dir}/)` : ''}; add "# yaml-language-server: $schema=${opts.out}" to a pipeline file`)
  } else io.out(text)
  return EXIT.ok
}
