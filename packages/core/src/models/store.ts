import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { PlafError, diagnostic, type Diagnostic } from '../diagnostics.js'
import { closestNames } from '../registry.js'
import { openModelDir, parseModelRef, plafHome, type OpenedModel } from './access.js'
import { checkModelFile, fileCheckDiagnostic, type FileCheck } from './file-check.js'
import { completeLocalManifest, importModel, type ImportOptions, type ImportedModel } from './import.js'
import { familyDiagnostic } from './families.js'
import { compareGraphIo } from './io-check.js'
import type { ModelManifest, TensorSpec } from './manifest.js'
import { jsonLocator } from './manifest-schema.js'
import { readOnnxIo, type OnnxIo } from './onnx-io.js'
import { pullModel, type PullOptions, type PullResult } from './pull.js'
import { describePullHolder, pullLockFile, pullLockStale, readPullLock, tryPullLock } from './pull-lock.js'

/** A model installed in the store. */
export interface StoredModel extends OpenedModel {
  /** `name@version`, also the folder name. */
  readonly ref: string
  /** Total size of its files in bytes, as listed in the manifest. */
  readonly bytes: number
}

/** What `verify` found for one model: every listed file's check and the diagnostics of the failed ones. */
export interface VerifyResult {
  ref: string
  dir: string
  files: FileCheck[]
  diagnostics: Diagnostic[]
  /** A folder whose manifest cannot be read (`ref` is then the folder name; no file was checked). */
  damaged?: boolean
}

/** A folder in the store whose `plaf-model.json` is missing or cannot be read: named, with why (errors). */
export interface DamagedModel {
  /** The folder name under `<home>/models` (normally `name@version`). */
  folder: string
  dir: string
  diagnostics: Diagnostic[]
}

/** One graph of `info`: what the manifest declares and what the ONNX file really has. */
export interface GraphInfo {
  role: string
  file: string
  declared: { inputs: TensorSpec[]; outputs: TensorSpec[] }
  /** Unset when the file could not be read (its diagnostic is in `ModelInfo.diagnostics`). */
  real?: OnnxIo
}

/** `info`: the model, its graphs' declared and real I/O, and every mismatch as a diagnostic. */
export interface ModelInfo {
  model: StoredModel
  graphs: GraphInfo[]
  diagnostics: Diagnostic[]
}

/** A download left in `<home>/models/.incoming/pull-<name>@<version>/` (stopped, or still running). */
export interface PartialDownload {
  /** `name@version` being downloaded. */
  ref: string
  dir: string
  /** Bytes on disk: finished files and `.part` files (the manifest not counted). */
  bytes: number
  /** Set while a live pull holds its lock: who (`pid 123 on host, since …`). It is then not removed. */
  activeBy?: string
}

const byVersion = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true })

/**
 * The model store: `<home>/models/<name>@<version>/`, each folder a model with its
 * `plaf-model.json`. Writes happen only under `<home>/models` and always atomically: a model is
 * assembled in `<home>/models/.incoming/` and renamed into place whole, so a folder under its
 * final name is always complete.
 */
export class ModelStore {
  /** `<home>/models`. */
  readonly root: string

  constructor(readonly home: string = plafHome()) {
    this.root = join(home, 'models')
  }

  /**
   * Installed models sorted by name and version, plus a diagnostic for each folder that is not a
   * valid model (`problems`, warnings) and those folders themselves (`damaged`: a folder whose
   * manifest cannot be read, with its diagnostics as errors), so callers can name them.
   */
  list(): { models: StoredModel[]; problems: Diagnostic[]; damaged: DamagedModel[] } {
    const models: StoredModel[] = []
    const problems: Diagnostic[] = []
    const damaged: DamagedModel[] = []
    const dirs = existsSync(this.root) ? readdirSync(this.root, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')) : []
    for (const d of dirs.map((x) => x.name).sort(byVersion)) {
      try {
        const m = openModelDir(join(this.root, d))
        const ref = `${m.manifest.name}@${m.manifest.version}`
        if (ref !== d) problems.push(diagnostic('PLAF_MODEL_INVALID', `model folder ${d} holds ${ref}; the folder must be named <name>@<version>`, { file: join(this.root, d), expected: ref, actual: d, severity: 'warning' }))
        else models.push(this.stored(m))
      } catch (e) {
        if (!(e instanceof PlafError)) throw e
        problems.push(...e.diagnostics.map((x) => ({ ...x, severity: 'warning' as const })))
        const hint = `plaf models rm ${d} removes the folder${d.includes('@') ? `, plaf models pull ${parseModelRef(d).name} fetches it again` : ''}`
        damaged.push({ folder: d, dir: join(this.root, d), diagnostics: e.diagnostics.map((x) => ({ ...x, severity: 'error' as const, hint: x.hint ? `${x.hint}; ${hint}` : hint })) })
      }
    }
    return { models, problems, damaged }
  }

  /** Damaged folders (see `list`) that `ref` (`name` or `name@version`) names by their folder name. */
  damagedMatching(ref: string): DamagedModel[] {
    const { name, version } = parseModelRef(ref)
    return this.list().damaged.filter((d) => {
      const at = d.folder.lastIndexOf('@')
      const [n, v] = at > 0 ? [d.folder.slice(0, at), d.folder.slice(at + 1)] : [d.folder, undefined]
      return n === name && (!version || v === version)
    })
  }

  /** The installed model `name` (its highest version) or `name@version`, undefined if absent. */
  find(ref: string): StoredModel | undefined {
    const { name, version } = parseModelRef(ref)
    const found = this.list().models.filter((m) => m.manifest.name === name && (!version || m.manifest.version === version))
    return found.at(-1)
  }

  /**
   * Like `find`, but a missing model is PLAF_MODEL_MISSING: naming the installed versions of that
   * name or the closest installed names, and the `plaf models pull` command.
   */
  get(ref: string): StoredModel {
    const found = this.find(ref)
    if (found) return found
    const damaged = this.damagedMatching(ref)
    if (damaged.length) throw new PlafError(damaged.flatMap((d) => d.diagnostics))
    throw new PlafError(this.missing(ref))
  }

  /** The PLAF_MODEL_MISSING diagnostic for `ref` (what `get` throws). */
  missing(ref: string, extraHint?: string): Diagnostic {
    const { name } = parseModelRef(ref)
    const installed = this.list().models
    const versions = installed.filter((m) => m.manifest.name === name).map((m) => m.ref)
    const near = closestNames(name, installed.map((m) => m.manifest.name))
    const hints = [
      versions.length ? `installed: ${versions.join(', ')}` : near.length ? `closest installed: ${near.join(', ')}` : undefined,
      `get it with: plaf models pull ${name} (or plaf models import <dir>)`,
      extraHint,
    ].filter(Boolean)
    return diagnostic('PLAF_MODEL_MISSING', `model "${ref}" is not in the model store ${this.root}`, {
      actual: ref, expected: 'an installed model (plaf models list)', hint: hints.join('; '),
    })
  }

  /** Checks every listed file of a model (`hash` as in `checkModelFile`); returns the failed checks' diagnostics. */
  async check(model: OpenedModel, hash: 'none' | 'cached' | 'always'): Promise<{ files: FileCheck[]; diagnostics: Diagnostic[] }> {
    const ref = `${model.manifest.name}@${model.manifest.version}`
    const hint = `plaf models pull ${model.manifest.name} fetches it again, plaf models rm ${ref} removes it`
    const files = await Promise.all(model.manifest.files.map((f) => checkModelFile(model.dir, f, hash)))
    return { files, diagnostics: files.map((c) => fileCheckDiagnostic(ref, c, hint)).filter((d): d is Diagnostic => !!d) }
  }

  /**
   * Re-hashes every file of one model (`name` or `name@version`) or of all installed models. A
   * damaged folder (unreadable manifest) it names is a failed result with no files checked.
   */
  async verify(ref?: string): Promise<VerifyResult[]> {
    const damaged = ref ? this.damagedMatching(ref) : this.list().damaged
    const models = ref && !damaged.length ? this.matching(ref) : ref ? this.list().models.filter((m) => this.matches(m, ref)) : this.list().models
    const out: VerifyResult[] = []
    for (const m of models) out.push({ ref: m.ref, dir: m.dir, ...(await this.check(m, 'always')) })
    for (const d of damaged) out.push({ ref: d.folder, dir: d.dir, files: [], diagnostics: d.diagnostics, damaged: true })
    return out.sort((a, b) => byVersion(a.ref, b.ref))
  }

  /**
   * Downloads that `plaf models pull` (or a run's auto-pull) left unfinished, sorted by ref; those
   * of `ref` (`name` or `name@version`) only when given. A pull resumes them; `remove` deletes them.
   */
  partials(ref?: string): PartialDownload[] {
    const incoming = join(this.root, '.incoming')
    if (!existsSync(incoming)) return []
    const want = ref ? parseModelRef(ref) : undefined
    const out: PartialDownload[] = []
    for (const d of readdirSync(incoming, { withFileTypes: true })) {
      if (!d.isDirectory() || !d.name.startsWith('pull-')) continue
      const full = d.name.slice('pull-'.length)
      const { name, version = '' } = parseModelRef(full)
      if (want && (want.name !== name || (want.version && want.version !== version))) continue
      const dir = join(incoming, d.name)
      let bytes = 0
      for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
        if (f === 'plaf-model.json') continue
        try {
          const st = lstatSync(join(dir, f))
          if (st.isFile()) bytes += st.size
        } catch {
          // removed while listing (a pull renamed it into place)
        }
      }
      const lock = pullLockFile(incoming, full)
      const holder = existsSync(lock) ? readPullLock(lock) : undefined
      const active = holder !== undefined && pullLockStale(lock, holder) === null
      out.push({ ref: full, dir, bytes, ...(active ? { activeBy: describePullHolder(holder) } : {}) })
    }
    return out.sort((a, b) => byVersion(a.ref, b.ref))
  }

  /**
   * Removes `name@version`, or every version of `name`; returns what was removed. Damaged folders
   * of that name (unreadable manifest) are removed too and returned in `damaged`, and so are its
   * partial downloads (`partials`), except those a live pull is writing (returned in `busy`,
   * left alone). Nothing installed, damaged or partial of that name is PLAF_MODEL_MISSING.
   */
  remove(ref: string): StoredModel[] & { damaged?: DamagedModel[]; partials?: PartialDownload[]; busy?: PartialDownload[] } {
    const damaged = this.damagedMatching(ref)
    const partials = this.partials(ref)
    const models: StoredModel[] & { damaged?: DamagedModel[]; partials?: PartialDownload[]; busy?: PartialDownload[] } =
      damaged.length || partials.length ? this.list().models.filter((m) => this.matches(m, ref)) : this.matching(ref)
    const idle: PartialDownload[] = []
    const busy: PartialDownload[] = []
    for (const p of partials) {
      // hold the pull lock while deleting, so no pull starts writing into the folder meanwhile
      const lock = tryPullLock(pullLockFile(join(this.root, '.incoming'), p.ref), p.ref)
      if ('holder' in lock) {
        busy.push({ ...p, activeBy: describePullHolder(lock.holder) })
        continue
      }
      try {
        rmSync(p.dir, { recursive: true, force: true })
      } finally {
        lock.release()
      }
      idle.push(p)
    }
    if (idle.length) models.partials = idle
    if (busy.length) models.busy = busy
    for (const d of damaged) {
      const trash = join(this.root, '.trash', `${d.folder}.${process.pid}.${Date.now()}`)
      mkdirSync(join(this.root, '.trash'), { recursive: true })
      renameSync(d.dir, trash)
      rmSync(trash, { recursive: true, force: true })
    }
    if (damaged.length) models.damaged = damaged
    for (const m of models) {
      const trash = join(this.root, '.trash', `${m.ref}.${process.pid}.${Date.now()}`)
      mkdirSync(join(this.root, '.trash'), { recursive: true })
      renameSync(m.dir, trash)
      rmSync(trash, { recursive: true, force: true })
    }
    return models
  }

  /** The manifest plus the real I/O read from each ONNX file, with every declared/real difference as a diagnostic. */
  async info(ref: string): Promise<ModelInfo> {
    return this.graphInfo(this.get(ref))
  }

  /**
   * `info` of a model folder that is not (yet) in the store: its plaf-model.json, with sha256 and
   * bytes computed for files that it does not list them for (as `import` does; `completed` names
   * them). A folder without plaf-model.json is PLAF_MODEL_INVALID: read its ONNX files with
   * `folderOnnxIo`.
   */
  async infoFolder(dir: string): Promise<ModelInfo & { completed?: string[] }> {
    const filled = await completeLocalManifest(dir)
    const info = await this.graphInfo(this.stored(openModelDir(dir, filled?.text)))
    return filled ? { ...info, completed: filled.completed } : info
  }

  private async graphInfo(model: StoredModel): Promise<ModelInfo> {
    const graphs: GraphInfo[] = []
    const diagnostics: Diagnostic[] = []
    const manifestFile = join(model.dir, 'plaf-model.json')
    const locate = jsonLocator(readFileSync(manifestFile, 'utf8'))
    const family = familyDiagnostic(model.manifest.family, { file: manifestFile, ...locate(['family']) })
    if (family) diagnostics.push(family)
    for (const [role, g] of Object.entries(model.manifest.graphs)) {
      const info: GraphInfo = { role, file: g.file, declared: { inputs: g.inputs, outputs: g.outputs } }
      try {
        info.real = readOnnxIo(model.path(g.file))
        diagnostics.push(...compareGraphIo(model.ref, role, g, info.real, manifestFile, locate))
      } catch (e) {
        if (!(e instanceof PlafError)) throw e
        diagnostics.push(...e.diagnostics)
      }
      graphs.push(info)
    }
    return { model, graphs, diagnostics }
  }

  /** Imports a model folder (see `importModel`). */
  import(dir: string, opts: ImportOptions = {}): Promise<ImportedModel> {
    return importModel(this, dir, opts)
  }

  /** Downloads a model from a hub (see `pullModel`). */
  pull(ref: string, opts: PullOptions): Promise<PullResult> {
    return pullModel(this, ref, opts)
  }

  /** A fresh or resumable work folder under `<root>/.incoming/` for assembling a model. */
  incoming(key: string): string {
    const dir = join(this.root, '.incoming', key)
    mkdirSync(dir, { recursive: true })
    return dir
  }

  /**
   * Moves an assembled folder into place as `<name>@<version>` (renames only: atomic on one file
   * system). An installed folder of that name is replaced. The folder's manifest is checked first.
   */
  install(assembled: string): StoredModel {
    const m = openModelDir(assembled)
    const ref = `${m.manifest.name}@${m.manifest.version}`
    const target = join(this.root, ref)
    const old = join(this.root, '.trash', `${ref}.${process.pid}.${Date.now()}`)
    const replacing = existsSync(target)
    if (replacing) {
      mkdirSync(join(this.root, '.trash'), { recursive: true })
      renameSync(target, old)
    }
    renameSync(assembled, target)
    if (replacing) rmSync(old, { recursive: true, force: true })
    return this.stored(openModelDir(target))
  }

  private matches(m: StoredModel, ref: string): boolean {
    const { name, version } = parseModelRef(ref)
    return m.manifest.name === name && (!version || m.manifest.version === version)
  }

  private matching(ref: string): StoredModel[] {
    const models = this.list().models.filter((m) => this.matches(m, ref))
    if (!models.length) throw new PlafError(this.missing(ref))
    return models
  }

  private stored(m: OpenedModel): StoredModel {
    const manifest: ModelManifest = m.manifest
    return Object.assign(m, { ref: `${manifest.name}@${manifest.version}`, bytes: manifest.files.reduce((a, f) => a + f.bytes, 0) })
  }
}
