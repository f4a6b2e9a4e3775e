import { PlafError } from '../diagnostics.js'
import { plafHome, type ModelAccess, type OpenedModel } from './access.js'
import { pullModel, type PullProgress } from './pull.js'
import { ModelStore } from './store.js'

/** What the run manifest records of each model a run opened. */
export interface ModelRecord {
  name: string
  version: string
  /** sha256 of `plaf-model.json`. */
  sha256: string
  /** Licence id of the weights. */
  licence: string
  family: string
  /** Each graph's file and sha256, by role. */
  graphs: Record<string, { file: string; sha256: string }>
  /** True when this process downloaded it. */
  pulled: boolean
  /** Present (true) for a contract model with random weights (the manifest's `random_weights`). */
  random_weights?: true
}

/** Where models come from in a run. */
export interface ModelAccessOptions {
  /** PLAF_HOME (default `plafHome()`). */
  home?: string
  /** Hub base URL; without one a missing model is PLAF_MODEL_MISSING. */
  hub?: string
  /** Hub revision (default `main`). */
  revision?: string
  /** Never use the network; a string says what turned it off (`--offline`, `PLAF_OFFLINE=1`, `runtime.offline`). */
  offline?: boolean | string
  /** Download progress of models pulled on open. */
  onProgress?(e: PullProgress): void
}

/** A ModelAccess that remembers what it opened (for the run manifest). */
export interface RecordingModelAccess extends ModelAccess {
  /** Every model opened so far, once each, in order of first open. */
  opened(): ModelRecord[]
}

/**
 * The ModelAccess of a run: `open(ref)` finds `name` or `name@version` in the store under
 * `home`; a missing model is pulled from `hub` (unless offline), else it is PLAF_MODEL_MISSING with
 * close names and the pull command. Every open checks each file's size; each file's sha256 is
 * computed once per process (cached by path, mtime and size), so a damaged file is
 * PLAF_MODEL_CORRUPT before a session ever reads it.
 */
export function createModelAccess(opts: ModelAccessOptions = {}): RecordingModelAccess {
  const store = new ModelStore(opts.home ?? plafHome())
  const records = new Map<string, ModelRecord>()
  const pulling = new Map<string, Promise<OpenedModel>>()
  const record = (m: OpenedModel, pulled: boolean) => {
    const { manifest: man } = m
    const key = `${man.name}@${man.version}`
    if (records.has(key)) return
    const sha = new Map(man.files.map((f) => [f.path, f.sha256]))
    records.set(key, {
      name: man.name, version: man.version, sha256: m.sha256, licence: man.licence.id, family: man.family,
      graphs: Object.fromEntries(Object.entries(man.graphs).map(([role, g]) => [role, { file: g.file, sha256: sha.get(g.file)! }])),
      pulled,
      ...(man.random_weights ? { random_weights: true as const } : {}),
    })
  }
  return {
    async open(ref: string) {
      let model: OpenedModel | undefined = store.find(ref)
      let pulled = false
      if (!model) {
        if (!opts.hub || opts.offline) {
          throw new PlafError(store.missing(ref, opts.offline ? `the network is off (${typeof opts.offline === 'string' ? opts.offline : 'offline mode'}), so no hub was asked` : 'no hub is configured (--hub, PLAF_HUB or runtime.hub)'))
        }
        // stages opening the same missing model at once share one download
        let p = pulling.get(ref)
        if (!p) {
          p = pullModel(store, ref, { hub: opts.hub, revision: opts.revision, onProgress: opts.onProgress }).then((r) => r.model)
          pulling.set(ref, p)
          void p.catch(() => {}).finally(() => pulling.delete(ref))
        }
        model = await p
        pulled = true
      }
      const { diagnostics } = await store.check(model, 'cached')
      if (diagnostics.length) throw new PlafError(diagnostics)
      record(model, pulled)
      return model
    },
    opened: () => [...records.values()],
  }
}

/**
 * The models installed under `home`, without a hub: what a standalone context gets. Same checks
 * as `createModelAccess`; a missing model is PLAF_MODEL_MISSING with the pull command.
 */
export function localModelAccess(home: string = plafHome()): RecordingModelAccess {
  return createModelAccess({ home })
}

/**
 * The hub and offline mode in force: a flag wins over the environment (`PLAF_HUB`,
 * `PLAF_OFFLINE=1`), which wins over the pipeline's `runtime.hub` / `runtime.offline`. `offline`
 * is false or names what turned the network off (`--offline`, `PLAF_OFFLINE=1`, `runtime.offline`).
 */
export function hubSettings(o: { hub?: string; offline?: boolean; runtime?: { hub?: string; offline?: boolean }; env?: NodeJS.ProcessEnv } = {}): { hub?: string; offline: false | string } {
  const env = o.env ?? process.env
  const hub = o.hub ?? (env.PLAF_HUB || undefined) ?? o.runtime?.hub
  const flag = env.PLAF_OFFLINE
  const offlineBy = o.offline !== undefined ? (o.offline ? '--offline' : undefined)
    : flag !== undefined && flag !== '' ? (flag !== '0' && flag.toLowerCase() !== 'false' ? `PLAF_OFFLINE=${flag}` : undefined)
      : o.runtime?.offline ? 'runtime.offline' : undefined
  return { ...(hub ? { hub } : {}), offline: offlineBy ?? false }
}
