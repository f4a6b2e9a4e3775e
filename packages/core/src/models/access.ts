import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { fail } from '../diagnostics.js'
import type { OnnxDevice } from '../backends/ort-providers.js'
import type { ModelManifest } from './manifest.js'

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

/** Opens a model directory: reads its manifest and gives escape-checked file paths. */
export function openModelDir(dir: string): OpenedModel {
  const file = join(dir, 'plaf-model.json')
  const bytes = readFileSync(file)
  let manifest: ModelManifest
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as ModelManifest
  } catch (e) {
    fail('PLAF_MODEL_INVALID', `${file} is not valid JSON: ${(e as Error).message}`, { file })
  }
  return {
    manifest,
    dir,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    path(p: string) {
      const abs = resolve(dir, p)
      const rel = relative(dir, abs)
      if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
        fail('PLAF_MODEL_INVALID', `model ${manifest.name}: file path "${p}" escapes the model folder ${dir}`, { file, actual: p, expected: 'a path inside the model folder' })
      }
      return abs
    },
  }
}

/** Read-only access to the models installed under `home` (no hub): what a standalone context gets. */
export function localModelAccess(home: string = plafHome()): ModelAccess {
  return {
    async open(ref: string) {
      const { name, version } = parseModelRef(ref)
      const root = join(home, 'models')
      const dirs = existsSync(root) ? readdirSync(root).filter((d) => d.startsWith(`${name}@`) && (!version || d === `${name}@${version}`)) : []
      if (dirs.length === 0) {
        fail('PLAF_MODEL_MISSING', `model "${ref}" is not in the model store ${root}`, { actual: ref, hint: `plaf models pull ${name}  (or plaf models import <dir>)` })
      }
      dirs.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      return openModelDir(join(root, dirs[dirs.length - 1]!))
    },
  }
}
