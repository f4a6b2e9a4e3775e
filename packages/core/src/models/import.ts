import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve, sep } from 'node:path'
import { PlafError, diagnostic, fail } from '../diagnostics.js'
import { writeJsonAtomic } from '../util/atomic.js'
import { MANIFEST_FILE, openModelDir } from './access.js'
import { checkModelFile, fileCheckDiagnostic, sha256File } from './file-check.js'
import { resolveInside } from './model-paths.js'
import { compareGraphIo } from './io-check.js'
import { familyDiagnostic } from './families.js'
import type { ModelFile, ModelManifest, TensorSpec } from './manifest.js'
import { MODEL_NAME_PATTERN, jsonLocator } from './manifest-schema.js'
import { readOnnxIo, type OnnxIoValue } from './onnx-io.js'
import type { ModelStore, StoredModel } from './store.js'
import { readTransformersLayout } from './transformers-layout.js'

/** Folder layouts `import` reads. */
export const MODEL_LAYOUTS = ['plaf', 'transformers.js'] as const

/** How to import a folder. */
export interface ImportOptions {
  /** `plaf` (a folder with plaf-model.json) or `transformers.js`; default: detected from the folder. */
  layout?: (typeof MODEL_LAYOUTS)[number]
  /** Model name (default: the manifest's, or for transformers.js the folder name). */
  name?: string
  /** Version (default: the manifest's, or for transformers.js `sha-` + 12 hex digits of the files' hashes). */
  version?: string
  /** transformers.js only: the family when config.json's model_type does not say it. */
  family?: string
  /** transformers.js only: the licence id when README.md's front matter does not name one. */
  licence?: string
  /**
   * Replace an installed model of the same name@version whose files or manifest differ (else
   * that is PLAF_MODEL_CONFLICT: every pipeline naming it would silently run other weights).
   */
  replace?: boolean
}

/** What `importModel` installed; `unchanged` when the same name@version with identical content was already there (nothing copied); `replaced` when `replace` overwrote different content. */
export type ImportedModel = StoredModel & {
  unchanged?: boolean
  replaced?: boolean
  /** Files whose sha256/bytes the folder's plaf-model.json did not give and the import computed (the stored manifest has them). */
  completed?: string[]
}

/** JSON with object keys sorted, so two manifests with the same content compare equal. */
const canonical = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x)
  ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x))

/** The installed model of the same name@version: undefined when absent, `same` when its files and manifest equal the new ones, else a PLAF_MODEL_CONFLICT naming both. */
function installedConflict(store: ModelStore, src: string, manifest: ModelManifest): { same: StoredModel } | { conflict: PlafError } | undefined {
  const ref = `${manifest.name}@${manifest.version}`
  const old = store.find(ref)
  if (!old) return undefined
  const hashes = (m: ModelManifest) => new Map(m.files.map((f) => [f.path, f.sha256]))
  const [a, b] = [hashes(old.manifest), hashes(manifest)]
  const differ = [...new Set([...a.keys(), ...b.keys()])].sort().filter((p) => a.get(p) !== b.get(p))
  if (!differ.length && canonical(old.manifest) === canonical(manifest)) return { same: old }
  const short = (h: string | undefined) => (h ? `sha256 ${h.slice(0, 12)}…` : 'absent')
  const what = differ.length
    ? `different files: ${differ.slice(0, 4).map((p) => `${p} (installed ${short(a.get(p))}, new ${short(b.get(p))})`).join(', ')}${differ.length > 4 ? `, and ${differ.length - 4} more` : ''}`
    : 'the same files but a different plaf-model.json'
  return {
    conflict: new PlafError(diagnostic('PLAF_MODEL_CONFLICT', `${ref} is already installed from other content (${old.dir}); ${src} has ${what}`, {
      file: src, expected: `new content under a new name or version, or the same content as the installed ${ref}`, actual: what,
      hint: `give it another --model-version or --name; or pass --replace to overwrite ${old.dir} (every pipeline naming ${ref} then runs the new files)`,
    })),
  }
}

let seq = 0

/** Which layout a folder is in, or a PLAF_MODEL_INVALID saying it is neither. */
export function detectLayout(dir: string): (typeof MODEL_LAYOUTS)[number] {
  if (existsSync(join(dir, MANIFEST_FILE))) return 'plaf'
  if (existsSync(join(dir, 'onnx')) && existsSync(join(dir, 'config.json'))) return 'transformers.js'
  fail('PLAF_MODEL_INVALID', `${dir} is not a model folder: it has neither ${MANIFEST_FILE} nor the transformers.js layout`, {
    file: dir, expected: `${MANIFEST_FILE}, or onnx/*.onnx with config.json`, actual: 'neither', hint: 'export the model with tools/export/ or give a transformers.js folder',
  })
}

function checkName(value: string, what: 'name' | 'version'): string {
  if (!new RegExp(MODEL_NAME_PATTERN).test(value)) {
    fail('PLAF_INVALID_OPTION', `model ${what} "${value}" cannot be a folder name`, { path: what, expected: 'letters, digits and . _ + - (not starting with a dot)', actual: value, hint: `give one with --${what}` })
  }
  return value
}

/**
 * A local folder's plaf-model.json with every `files[]` entry that lacks `sha256` or `bytes`
 * completed from the file itself (a hand-written manifest need not hash the exports); undefined
 * when nothing was missing (or the text is not JSON: parsing it reports that). Only for local
 * folders: a download is always checked against the hashes its hub's manifest gives.
 */
export async function completeLocalManifest(dir: string): Promise<{ text: string; completed: string[] } | undefined> {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'))
  } catch {
    return undefined
  }
  const files = (raw as { files?: unknown })?.files
  if (!Array.isArray(files)) return undefined
  const completed: string[] = []
  for (const f of files as Record<string, unknown>[]) {
    if (!f || typeof f !== 'object' || typeof f.path !== 'string' || (f.sha256 !== undefined && f.bytes !== undefined)) continue
    const r = resolveInside(dir, f.path)
    if ('escape' in r || !existsSync(r.path) || !statSync(r.path).isFile()) continue // the schema or the file check names it
    if (f.sha256 === undefined) f.sha256 = await sha256File(r.path)
    if (f.bytes === undefined) f.bytes = statSync(r.path).size
    completed.push(f.path)
  }
  return completed.length ? { text: JSON.stringify(raw, null, 2) + '\n', completed } : undefined
}

/**
 * The real inputs and outputs of every `.onnx` file in a folder and its subfolders (paths relative
 * to it, sorted), in the form plaf-model.json's `graphs` declares them: what to write into a
 * hand-written manifest.
 */
export function folderOnnxIo(dir: string): { file: string; inputs: TensorSpec[]; outputs: TensorSpec[] }[] {
  const found = (readdirSync(dir, { recursive: true }) as string[]).map((f) => f.split(sep).join('/')).filter((f) => f.endsWith('.onnx') && !f.startsWith('.')).sort()
  return found.map((file) => {
    const io = readOnnxIo(join(dir, file))
    const spec = (v: OnnxIoValue): TensorSpec => ({ name: v.name, dtype: v.dtype as TensorSpec['dtype'], shape: v.shape })
    return { file, inputs: io.inputs.map(spec), outputs: io.outputs.map(spec) }
  })
}

/** A plaf-layout folder, checked as a pull would check it: files' sizes and hashes, then each graph's real I/O. */
async function checkedPlafFolder(dir: string): Promise<{ manifest: ModelManifest; files: string[]; completed?: string[] }> {
  const filled = await completeLocalManifest(dir)
  const m = openModelDir(dir, filled?.text)
  const ref = `${m.manifest.name}@${m.manifest.version}`
  const checks = await Promise.all(m.manifest.files.map((f) => checkModelFile(dir, f, 'always')))
  const bad = checks.map((c) => fileCheckDiagnostic(ref, c, `the folder does not match its ${MANIFEST_FILE}; export it again`)).filter((d) => !!d)
  if (bad.length) throw new PlafError(bad)
  const manifestFile = join(dir, MANIFEST_FILE)
  const locate = jsonLocator(readFileSync(manifestFile, 'utf8'))
  const family = familyDiagnostic(m.manifest.family, { file: manifestFile, ...locate(['family']) })
  if (family) throw new PlafError(family)
  const io = Object.entries(m.manifest.graphs).flatMap(([role, g]) => compareGraphIo(ref, role, g, readOnnxIo(m.path(g.file)), manifestFile, locate))
  if (io.length) throw new PlafError(io)
  return { manifest: m.manifest, files: m.manifest.files.map((f) => f.path), ...(filled ? { completed: filled.completed } : {}) }
}

async function transformersFolder(dir: string, opts: ImportOptions): Promise<{ manifest: ModelManifest; files: string[] }> {
  const t = readTransformersLayout(dir, opts.family)
  // --family as given, or config.json's model_type when it maps to no family
  const family = familyDiagnostic(t.family, opts.family !== undefined ? { source: `--family ${opts.family}`, path: undefined } : { file: join(dir, 'config.json'), path: 'model_type' })
  if (family) throw new PlafError(family)
  const files: ModelFile[] = []
  for (const path of t.files) files.push({ path, sha256: await sha256File(join(dir, path)), bytes: statSync(join(dir, path)).size })
  const name = checkName(opts.name ?? basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9._+-]+/g, '-').replace(/^[^a-z0-9]+/, ''), 'name')
  const digest = createHash('sha256').update(files.map((f) => `${f.path}\0${f.sha256}`).join('\n')).digest('hex')
  const version = checkName(opts.version ?? `sha-${digest.slice(0, 12)}`, 'version')
  const manifest: ModelManifest = {
    format: 1, name, version,
    licence: { id: opts.licence ?? t.licence },
    source: { notes: ['imported from a transformers.js layout folder', ...t.notes].join('; ') },
    family: t.family,
    files,
    graphs: t.graphs,
    ...(t.image ? { image: { ...t.image, embedding_space: name } } : {}),
    ...(t.text ? { text: { ...t.text, embedding_space: name } } : {}),
  }
  return { manifest, files: t.files }
}

/**
 * Imports a model folder into the store: a `plaf` folder is checked (sizes, sha256, real I/O of
 * every graph) and copied; a `transformers.js` folder gets a manifest written from its files (see
 * `readTransformersLayout`). The copy is assembled under `.incoming/` and renamed into place, so
 * a failed import leaves nothing behind. Returns the installed model. The same name@version already
 * installed is left alone when its files and manifest are identical (`unchanged`), and refused
 * (PLAF_MODEL_CONFLICT, naming both folders and the differing files) when they differ, unless
 * `replace`.
 */
export async function importModel(store: ModelStore, dir: string, opts: ImportOptions = {}): Promise<ImportedModel> {
  const src = resolve(dir)
  if (!existsSync(src) || !statSync(src).isDirectory()) {
    fail('PLAF_FILE_NOT_FOUND', `model folder ${src} does not exist`, { file: src, expected: 'a model folder', actual: existsSync(src) ? 'a file' : 'nothing there' })
  }
  const layout = opts.layout ?? detectLayout(src)
  const { manifest, files, completed } = layout === 'plaf' ? await checkedPlafFolder(src) : { ...(await transformersFolder(src, opts)), completed: undefined }
  // A plaf manifest is copied byte for byte (its sha256 identifies the model) unless renamed or completed.
  const verbatim = layout === 'plaf' && !opts.name && !opts.version && !completed
  if (layout === 'plaf') {
    if (opts.name) manifest.name = checkName(opts.name, 'name')
    if (opts.version) manifest.version = checkName(opts.version, 'version')
  }
  const installed = installedConflict(store, src, manifest)
  if (installed && 'same' in installed) return Object.assign(installed.same, { unchanged: true })
  if (installed && !opts.replace) throw installed.conflict
  const work = store.incoming(`import-${process.pid}-${seq++}`)
  try {
    for (const f of files) {
      mkdirSync(dirname(join(work, f)), { recursive: true })
      copyFileSync(join(src, f), join(work, f))
    }
    if (verbatim) copyFileSync(join(src, MANIFEST_FILE), join(work, MANIFEST_FILE))
    else writeJsonAtomic(join(work, MANIFEST_FILE), manifest)
    const copied = openModelDir(work)
    const bad = (await Promise.all(manifest.files.map((f) => checkModelFile(work, f, 'none'))))
      .map((c) => fileCheckDiagnostic(`${manifest.name}@${manifest.version}`, c)).filter((d) => !!d)
    if (bad.length) throw new PlafError(bad.map((d) => ({ ...d, message: `copying into the store: ${d.message}` })))
    return Object.assign(store.install(copied.dir), installed ? { replaced: true } : {}, completed ? { completed } : {})
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
