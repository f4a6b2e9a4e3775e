import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  MODEL_LAYOUTS, ModelStore, PlafError, checkHub, describeTensor, diagnostic, flagOrigin, folderOnnxIo, hubSettings, parseModelRef, plafHome,
  type Diagnostic, type ModelInfo, type OnnxIoValue, type StoredModel, type TensorSpec,
} from '@plaf/core'
import { builtinRegistry } from '../builtins.js'
import { choiceDiagnostic } from '../flags.js'
import { EXIT, printDiagnostics, type Io } from '../io.js'
import type { ProgressMode } from '../progress.js'
import { createPullProgress, formatBytes } from '../pull-progress.js'

/** Flags shared by the `plaf models` verbs. */
export interface ModelsFlags {
  json?: boolean
}

const store = (): ModelStore => new ModelStore(plafHome())

/** Runs a verb; a PlafError is printed as located diagnostics (JSON with --json) and exits 1. */
async function guarded(io: Io, json: boolean | undefined, fn: () => Promise<number> | number): Promise<number> {
  try {
    return await fn()
  } catch (e) {
    if (!(e instanceof PlafError)) throw e
    printDiagnostics(io, e.diagnostics, json)
    return EXIT.user
  }
}

const row = (m: StoredModel): Record<string, unknown> => ({
  ref: m.ref, name: m.manifest.name, version: m.manifest.version, licence: m.manifest.licence.id,
  bytes: m.bytes, family: m.manifest.family, dir: m.dir, sha256: m.sha256,
})

/** `plaf models list`: name@version, licence, size and family of every installed model. */
export function modelsListCommand(o: ModelsFlags, io: Io): Promise<number> {
  return guarded(io, o.json, () => {
    const s = store()
    const { models, problems, damaged } = s.list()
    const partials = s.partials()
    if (o.json) {
      io.out(JSON.stringify({
        store: s.root, models: models.map(row), damaged: damaged.map((d) => ({ folder: d.folder, dir: d.dir, problem: d.diagnostics[0]?.message })),
        partial: partials, problems: problems.map(({ cause: _c, ...d }) => d),
      }, null, 2))
      return EXIT.ok
    }
    const broken = damaged.length ? `; ${damaged.length} damaged folder(s): ${damaged.map((d) => d.folder).join(', ')} (below; plaf models verify fails on them)` : ''
    if (!models.length) io.out(damaged.length ? `no usable models in ${s.root}${broken}` : `no models in ${s.root}; get one with plaf models pull <name> or plaf models import <dir>`)
    else {
      const w = (f: (m: StoredModel) => string, title: string) => Math.max(title.length, ...models.map((m) => f(m).length))
      const cols: [string, (m: StoredModel) => string][] = [
        ['model', (m) => m.ref], ['licence', (m) => m.manifest.licence.id], ['size', (m) => formatBytes(m.bytes)], ['family', (m) => m.manifest.family],
      ]
      const widths = cols.map(([t, f]) => w(f, t))
      io.out(cols.map(([t], i) => t.padEnd(widths[i]!)).join('  ').trimEnd())
      for (const m of models) io.out(cols.map(([, f], i) => (i === 2 ? f(m).padStart(widths[i]!) : f(m).padEnd(widths[i]!))).join('  ').trimEnd())
      io.out(`(${models.length} in ${s.root}${broken})`)
    }
    if (partials.length) {
      // unfinished pulls live in .incoming/, invisible otherwise: name them and how to be rid of them
      io.out(`partial downloads (plaf models pull <name> resumes one, plaf models rm <name> removes it):`)
      for (const p of partials) io.out(`  ${p.ref}  ${formatBytes(p.bytes)}  ${p.activeBy ? `being downloaded by ${p.activeBy}` : p.dir}`)
    }
    printDiagnostics(io, problems)
    return EXIT.ok
  })
}

/** Flags of `plaf models pull`. */
export interface PullFlags extends ModelsFlags {
  hub?: string
  revision?: string
  repo?: string
  offline?: boolean
  progress?: string
}

/** `plaf models pull <name>`: downloads a model from the hub (flag, PLAF_HUB), resuming and verifying. */
export function modelsPullCommand(name: string, o: PullFlags, io: Io): Promise<number> {
  return guarded(io, o.json, async () => {
    const { hub, offline } = hubSettings({ hub: o.hub, offline: o.offline ? true : undefined })
    if (o.hub !== undefined && !offline) {
      // a bad --hub is pointed at on the command line, like every other flag error
      try {
        checkHub(o.hub)
      } catch (e) {
        const { source, column } = flagOrigin(`--hub ${o.hub}`)
        if (e instanceof PlafError) throw new PlafError(e.diagnostics.map((d) => ({ ...d, source, column })))
        throw e
      }
    }
    const progress = createPullProgress(o.json ? 'none' : ((o.progress ?? 'auto') as ProgressMode), io.progressStream)
    try {
      const r = await store().pull(name, { hub, offline, revision: o.revision, repo: o.repo, onProgress: (e) => progress.onProgress(e) })
      if (o.json) io.out(JSON.stringify({ ...row(r.model), upToDate: r.upToDate, fetchedBytes: r.fetchedBytes, fetchedFiles: r.fetchedFiles }, null, 2))
      else if (r.upToDate) io.out(`${r.model.ref} is up to date (${r.waitedFor ? `pulled meanwhile by ${r.waitedFor}, verified; ` : ''}${r.model.dir})`)
      else io.out(`pulled ${r.model.ref}: ${r.fetchedFiles} of ${r.model.manifest.files.length} files fetched (${formatBytes(r.fetchedBytes)}), licence ${r.model.manifest.licence.id}, into ${r.model.dir}`)
      return EXIT.ok
    } finally {
      progress.stop()
    }
  })
}

/** Flags of `plaf models import`. */
export interface ImportFlags extends ModelsFlags {
  layout?: string
  name?: string
  modelVersion?: string
  family?: string
  licence?: string
  replace?: boolean
}

/** `plaf models import <dir>`: copies a plaf or transformers.js folder into the store. */
export function modelsImportCommand(dir: string, o: ImportFlags, io: Io): Promise<number> {
  return guarded(io, o.json, async () => {
    const bad = o.layout !== undefined ? choiceDiagnostic('--layout', o.layout, MODEL_LAYOUTS, 'model folder layout') : undefined
    if (bad) throw new PlafError(bad)
    const m = await store().import(dir, {
      layout: o.layout as (typeof MODEL_LAYOUTS)[number] | undefined, name: o.name, version: o.modelVersion, family: o.family, licence: o.licence, replace: o.replace,
    })
    if (o.json) io.out(JSON.stringify({ ...row(m), ...(m.unchanged ? { unchanged: true } : {}), ...(m.replaced ? { replaced: true } : {}) }, null, 2))
    else if (m.unchanged) io.out(`${m.ref} is already installed with the same files (${m.dir}); nothing imported`)
    else {
      io.out(`${m.replaced ? 'replaced' : 'imported'} ${m.ref} (${m.manifest.family}, ${m.manifest.files.length} file${m.manifest.files.length === 1 ? '' : 's'}, ${formatBytes(m.bytes)}, licence ${m.manifest.licence.id}) into ${m.dir}`)
      if (m.manifest.source.notes) io.out(`  notes: ${m.manifest.source.notes}`)
      if (m.completed) io.out(`  note: plaf-model.json did not give sha256/bytes for ${m.completed.join(', ')}: computed from the files (the stored manifest has them)`)
    }
    return EXIT.ok
  })
}

/** `plaf models verify [name]`: re-hashes every file; exit 1 when any is missing, truncated or changed. */
export function modelsVerifyCommand(name: string | undefined, o: ModelsFlags, io: Io): Promise<number> {
  return guarded(io, o.json, async () => {
    const results = await withoutPullHint(() => store().verify(name))
    const problems = results.flatMap((r) => r.diagnostics)
    if (o.json) {
      io.out(JSON.stringify(results.map((r) => ({ ref: r.ref, dir: r.dir, ok: !r.diagnostics.length, ...(r.damaged ? { damaged: true } : {}), files: r.files.map((c) => ({ path: c.file.path, ok: !c.problem, problem: c.problem })) })), null, 2))
      printDiagnostics(io, problems, true)
    } else {
      if (!results.length) io.out('no models to verify')
      for (const r of results) {
        io.out(r.damaged ? `FAILED ${r.ref} (damaged folder: its plaf-model.json cannot be read)`
          : `${r.diagnostics.length ? 'FAILED' : 'ok    '} ${r.ref} (${r.files.length - r.diagnostics.length} of ${r.files.length} files intact)`)
      }
      printDiagnostics(io, problems)
    }
    return problems.length ? EXIT.user : EXIT.ok
  })
}

/** The models the built-in plugins use by default (`radio-v2.5-b`, `sam-vit-h`, …): names a pull command is worth suggesting for. */
export function knownModels(): string[] {
  return [...new Set(builtinRegistry().list().map((p) => (p.options.properties as Record<string, { default?: unknown }> | undefined)?.model?.default).filter((d): d is string => typeof d === 'string'))].sort()
}

/**
 * Runs `fn`; a PLAF_MODEL_MISSING it throws suggests `plaf models pull` only for a model the
 * built-in plugins know (`always`: never, as for rm), else says how to list the installed ones.
 */
async function withoutPullHint<T>(fn: () => T | Promise<T>, always = false): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    if (!(e instanceof PlafError) || e.diagnostics[0]?.code !== 'PLAF_MODEL_MISSING') throw e
    const known = knownModels()
    throw new PlafError(e.diagnostics.map((d) => (always || !known.includes(parseModelRef(d.actual ?? '').name)
      ? { ...d, hint: d.hint?.replace(/(; )?get it with: plaf models pull .*$/, '$1plaf models list shows what is installed') }
      : d)))
  }
}

/**
 * `plaf models rm <name>`: removes `name@version`, or every version of `name`, and its partial
 * downloads; a partial download a live pull is writing is kept and named (exit 1 when nothing
 * else was removed).
 */
export function modelsRemoveCommand(name: string, o: ModelsFlags, io: Io): Promise<number> {
  return guarded(io, o.json, async () => {
    // nothing to remove: a pull command makes no sense here; say what is installed instead
    const removed = await withoutPullHint(() => store().remove(name), true)
    const damaged = removed.damaged ?? []
    const partials = removed.partials ?? []
    const busy = removed.busy ?? []
    if (o.json) {
      io.out(JSON.stringify([
        ...removed.map((m) => ({ ref: m.ref, dir: m.dir, bytes: m.bytes })), ...damaged.map((d) => ({ ref: d.folder, dir: d.dir, damaged: true })),
        ...partials.map((p) => ({ ref: p.ref, dir: p.dir, bytes: p.bytes, partial: true })),
      ], null, 2))
    } else {
      for (const m of removed) io.out(`removed ${m.ref} (${formatBytes(m.bytes)}, ${m.dir})`)
      for (const d of damaged) io.out(`removed damaged folder ${d.folder} (${d.dir})`)
      for (const p of partials) io.out(`removed partial download of ${p.ref} (${formatBytes(p.bytes)}, ${p.dir})`)
    }
    const kept = busy.map((p) => diagnostic('PLAF_MODEL_CONFLICT', `kept the partial download of ${p.ref}: a pull is writing it (${p.activeBy})`, {
      file: p.dir, severity: removed.length || damaged.length || partials.length ? 'warning' : 'error',
      hint: `wait for that pull to finish, or stop it and run plaf models rm ${p.ref} again`,
    }))
    printDiagnostics(io, kept, o.json)
    return kept.some((d) => d.severity === 'error') ? EXIT.user : EXIT.ok
  })
}

const tensorLine = (kind: string, d: TensorSpec, real: OnnxIoValue | undefined, nameWidth: number): string =>
  `  ${kind.padEnd(6)} ${d.name.padEnd(nameWidth)}  ${describeTensor(d).padEnd(26)}  file: ${real ? describeTensor(real) : 'absent'}${d.role ? `  role ${d.role}` : ''}${d.layout ? ` (${d.layout})` : ''}`

/** The text of `plaf models info`. */
export function infoLines(info: ModelInfo): string[] {
  const { manifest: m, dir, sha256, bytes, ref } = info.model
  const lines = [
    `${ref}  family ${m.family}  licence ${m.licence.id}${m.licence.commercial_use === false ? ' (non-commercial)' : ''}`,
    ...(m.description ? [`  ${m.description}`] : []),
    `  folder ${dir}`,
    `  manifest sha256 ${sha256}`,
    `  ${m.files.length} files, ${formatBytes(bytes)}`,
  ]
  const src = Object.entries(m.source).map(([k, v]) => `${k} ${v}`)
  if (src.length) lines.push(`  source: ${src.join('; ')}`)
  if (m.image) {
    const p = m.image.preprocessing
    lines.push(`  image: patch ${m.image.patch_size}, D ${m.image.feature_dim}, space ${m.image.embedding_space}, input ${p.input_size.join('×')} ${p.resize}, scale ${p.scale}, mean [${p.mean.join(', ')}], std [${p.std.join(', ')}], ${p.channel_order}`)
  }
  if (m.text) {
    const t = m.text.tokenizer
    lines.push(`  text: D ${m.text.feature_dim}, space ${m.text.embedding_space}, tokenizer ${t.file}, context ${t.context_length}, pad ${t.pad_id}, clean ${t.clean}`)
  }
  for (const g of info.graphs) {
    lines.push(`  graph ${g.role} (${g.file})`)
    const width = Math.max(0, ...[...g.declared.inputs, ...g.declared.outputs].map((d) => d.name.length))
    for (const d of g.declared.inputs) lines.push(tensorLine('input', d, g.real?.inputs.find((r) => r.name === d.name), width))
    for (const d of g.declared.outputs) lines.push(tensorLine('output', d, g.real?.outputs.find((r) => r.name === d.name), width))
  }
  return lines
}

/** `plaf models info <name | folder>`: the manifest summary and the real I/O of each ONNX file; exit 1 on a mismatch. */
export function modelsInfoCommand(name: string, o: ModelsFlags, io: Io): Promise<number> {
  return guarded(io, o.json, async () => {
    // a folder path (e.g. an export not imported yet): its plaf-model.json, or else its ONNX files' real I/O
    const folder = existsSync(name) && statSync(name).isDirectory() ? resolve(name) : undefined
    if (folder && !existsSync(join(folder, 'plaf-model.json'))) return folderIoCommand(folder, o, io)
    const info: ModelInfo & { completed?: string[] } = folder ? await store().infoFolder(folder) : await withoutPullHint(() => store().info(name))
    const problems: Diagnostic[] = info.diagnostics
    if (o.json) {
      const { manifest, dir, sha256, bytes, ref } = info.model
      io.out(JSON.stringify({ ref, dir, sha256, bytes, manifest, graphs: info.graphs, ...(info.completed ? { completed: info.completed } : {}) }, null, 2))
    } else {
      io.out(infoLines(info).join('\n'))
      if (info.completed) io.out(`  (not in the store: sha256 and bytes computed for ${info.completed.join(', ')}, which plaf-model.json does not list them for; plaf models import does the same)`)
    }
    printDiagnostics(io, problems, o.json)
    return problems.some((d) => d.severity === 'error') ? EXIT.user : EXIT.ok
  })
}

/** `plaf models info <folder>` on a folder without plaf-model.json: the real I/O of each ONNX file, as `graphs` entries declare it. */
function folderIoCommand(dir: string, o: ModelsFlags, io: Io): number {
  const files = folderOnnxIo(dir)
  if (!files.length) {
    throw new PlafError(diagnostic('PLAF_MODEL_INVALID', `${dir} has neither plaf-model.json nor any .onnx file`, { file: dir, expected: 'a model folder (plaf-model.json) or ONNX exports', actual: 'neither' }))
  }
  if (o.json) {
    io.out(JSON.stringify({ dir, manifest: null, onnx: files }, null, 2))
    return EXIT.ok
  }
  io.out(`${dir}: no plaf-model.json; the real inputs and outputs of its ONNX files (declare them under graphs.<role> in plaf-model.json; --json prints them in that form):`)
  for (const f of files) {
    io.out(`  ${f.file}`)
    const width = Math.max(0, ...[...f.inputs, ...f.outputs].map((d) => d.name.length))
    for (const d of f.inputs) io.out(`    input  ${d.name.padEnd(width)}  ${describeTensor(d)}`)
    for (const d of f.outputs) io.out(`    output ${d.name.padEnd(width)}  ${describeTensor(d)}`)
  }
  return EXIT.ok
}
