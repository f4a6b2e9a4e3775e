import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { PlafError, fail } from '../diagnostics.js'
import { writeJsonAtomic } from '../util/atomic.js'
import { MANIFEST_FILE, openModelDir } from './access.js'
import { checkModelFile, fileCheckDiagnostic, sha256File } from './file-check.js'
import { compareGraphIo } from './io-check.js'
import type { ModelFile, ModelManifest } from './manifest.js'
import { MODEL_NAME_PATTERN, jsonLocator } from './manifest-schema.js'
import { readOnnxIo } from './onnx-io.js'
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

/** A plaf-layout folder, checked as a pull would check it: files' sizes and hashes, then each graph's real I/O. */
async function checkedPlafFolder(dir: string): Promise<{ manifest: ModelManifest; files: string[] }> {
  const m = openModelDir(dir)
  const ref = `${m.manifest.name}@${m.manifest.version}`
  const checks = await Promise.all(m.manifest.files.map((f) => checkModelFile(dir, f, 'always')))
  const bad = checks.map((c) => fileCheckDiagnostic(ref, c, `the folder does not match its ${MANIFEST_FILE}; export it again`)).filter((d) => !!d)
  if (bad.length) throw new PlafError(bad)
  const manifestFile = join(dir, MANIFEST_FILE)
  const locate = jsonLocator(readFileSync(manifestFile, 'utf8'))
  const io = Object.entries(m.manifest.graphs).flatMap(([role, g]) => compareGraphIo(ref, role, g, readOnnxIo(m.path(g.file)), manifestFile, locate))
  if (io.length) throw new PlafError(io)
  return { manifest: m.manifest, files: m.manifest.files.map((f) => f.path) }
}

async function transformersFolder(dir: string, opts: ImportOptions): Promise<{ manifest: ModelManifest; files: string[] }> {
  const t = readTransformersLayout(dir, opts.family)
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
 * a failed import leaves nothing behind. Returns the installed model.
 */
export async function importModel(store: ModelStore, dir: string, opts: ImportOptions = {}): Promise<StoredModel> {
  const src = resolve(dir)
  if (!existsSync(src) || !statSync(src).isDirectory()) {
    fail('PLAF_FILE_NOT_FOUND', `model folder ${src} does not exist`, { file: src, expected: 'a model folder', actual: existsSync(src) ? 'a file' : 'nothing there' })
  }
  const layout = opts.layout ?? detectLayout(src)
  const { manifest, files } = layout === 'plaf' ? await checkedPlafFolder(src) : await transformersFolder(src, opts)
  // A plaf manifest is copied byte for byte (its sha256 identifies the model) unless renamed.
  const verbatim = layout === 'plaf' && !opts.name && !opts.version
  if (layout === 'plaf') {
    if (opts.name) manifest.name = checkName(opts.name, 'name')
    if (opts.version) manifest.version = checkName(opts.version, 'version')
  }
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
    return store.install(copied.dir)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
