import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { PlafError, fail } from '../diagnostics.js'
import type { OnnxDevice } from '../backends/ort-providers.js'
import type { ModelManifest } from './manifest.js'
import { jsonLocator, parseManifest } from './manifest-schema.js'
import { manifestPathDiagnostics, resolveInside } from './model-paths.js'

/** The manifest's file name inside a model folder. */
export const MANIFEST_FILE = 'plaf-model.json'

/** A model found in the store, ready for a plugin to open its graphs. */
export interface OpenedModel {
  readonly manifest: ModelManifest
  /** The model directory (`PLAF_HOME/models/<name>@<version>`). */
  readonly dir: string
  /** sha256 of `plaf-model.json` as stored: identifies this exact model (cache keys, run manifest). */
  readonly sha256: string
  /** Absolute path of a file listed in the manifest; refuses paths escaping the model directory. */
  path(file: string): string
}

/**
 * How plugins reach models. `open` takes `name` or `name@version`, checks the files against the
 * manifest, and pulls from the run's hub when the model is missing and the network is allowed;
 * otherwise it throws `PLAF_MODEL_MISSING` naming close names and the `plaf models pull` command.
 * The runtime records every opened model (name, version, sha256) in the run manifest.
 */
export interface ModelAccess {
  open(ref: string): Promise<OpenedModel>
}

/** Session settings from the pipeline's `runtime:` block, for `openOnnxSession`. */
export interface SessionSettings {
  device: OnnxDevice
  /** Intra-op threads; 0 = all cores. */
  threads: number
}

/** `PLAF_HOME`, else the user's cache directory (`$XDG_CACHE_HOME/plaf`, `~/.cache/plaf`). */
export function plafHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PLAF_HOME) return resolve(env.PLAF_HOME)
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'plaf')
}

/** Parses `name` or `name@version`. */
export function parseModelRef(ref: string): { name: string; version?: string } {
  const at = ref.lastIndexOf('@')
  return at > 0 ? { name: ref.slice(0, at), version: ref.slice(at + 1) } : { name: ref }
}

/**
 * Opens a model directory: reads and checks its manifest (schema, then every path stays inside
 * the folder and graph/tokenizer files are listed) and gives escape-checked file paths. Throws
 * PLAF_MODEL_INVALID diagnostics located in `plaf-model.json`. Files are not hashed here; see
 * `ModelStore.check` and `createModelAccess`.
 */
export function openModelDir(dir: string, manifestText?: string): OpenedModel {
  const file = join(dir, MANIFEST_FILE)
  let bytes: Buffer
  try {
    bytes = manifestText !== undefined ? Buffer.from(manifestText, 'utf8') : readFileSync(file)
  } catch (e) {
    fail('PLAF_MODEL_INVALID', `model folder ${dir} has no readable ${MANIFEST_FILE}`, { file, expected: `${MANIFEST_FILE} in the model folder`, actual: (e as NodeJS.ErrnoException).code ?? 'unreadable', cause: e })
  }
  const text = bytes.toString('utf8')
  const manifest = parseManifest(text, file)
  const problems = manifestPathDiagnostics(manifest, file, jsonLocator(text))
  if (problems.length) throw new PlafError(problems)
  return {
    manifest,
    dir,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    path(p: string) {
      const r = resolveInside(dir, p)
      if ('escape' in r) {
        fail('PLAF_MODEL_INVALID', `model ${manifest.name}@${manifest.version}: file path "${p}" escapes the model folder ${dir}: ${r.escape}`, { file, actual: p, expected: 'a path inside the model folder' })
      }
      return r.path
    },
  }
}
