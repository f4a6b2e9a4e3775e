import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { PlafError, diagnostic, fail } from '../diagnostics.js'
import { writeFileAtomic } from '../util/atomic.js'
import { MANIFEST_FILE, parseModelRef } from './access.js'
import { downloadFile, hubGet, hubUrl, stallSeconds } from './download.js'
import { checkModelFile } from './file-check.js'
import { jsonLocator, parseManifest } from './manifest-schema.js'
import { manifestPathDiagnostics } from './model-paths.js'
import { acquirePullLock, describePullHolder, pullLockFile } from './pull-lock.js'
import type { ModelStore, StoredModel } from './store.js'

/** One progress event of a pull: bytes of the current file and of the whole model. */
export interface PullProgress {
  phase: 'manifest' | 'waiting' | 'file' | 'retry' | 'done'
  /** `name@version` once the manifest is read, else the name asked for. */
  model: string
  /** The file being fetched (`file` phase). */
  file?: string
  fileIndex: number
  fileCount: number
  /** Bytes of the current file on disk, and its size. */
  received: number
  bytes: number
  /** Bytes of the whole model on disk (already present, resumed and fetched), and its size. */
  totalReceived: number
  totalBytes: number
  /** Where this file's transfer started (> 0: resumed from a partial download). */
  resumedFrom: number
  /** `waiting`: whose pull this one waits for; `retry`: what cut the transfer short and that it resumes. */
  note?: string
}

/** How to pull. */
export interface PullOptions {
  /** Hub base URL (`http://host/path`); the caller resolves flag / PLAF_HUB / runtime.hub (see `hubSettings`). */
  hub?: string
  /** Branch, tag or commit on the hub (default `main`). */
  revision?: string
  /** Repository on the hub (default: the model name). */
  repo?: string
  /** Refuse the network (PLAF_OFFLINE); a string says what turned it off (`--offline`, `PLAF_OFFLINE=1`). */
  offline?: boolean | string
  /** Resumes of a dropped or stalled connection per file (default 3). */
  retries?: number
  /** Seconds without a byte from the hub before a transfer is dropped and resumed (default: PLAF_HUB_STALL_SECONDS, else 30). */
  stallSeconds?: number
  signal?: AbortSignal
  onProgress?(e: PullProgress): void
}

/** What a pull did. */
export interface PullResult {
  model: StoredModel
  /** True when the installed copy already matched the hub's manifest and nothing was fetched. */
  upToDate: boolean
  /** Bytes fetched over the network for model files (the manifest not counted). */
  fetchedBytes: number
  /** Files downloaded (others were present and verified). */
  fetchedFiles: number
  /** Set when another process was pulling this model first and this pull waited for it: who that was. */
  waitedFor?: string
}

/** The PLAF_OFFLINE diagnostic: what was refused and how to allow it. */
export function offlineDiagnostic(ref: string, why: string): PlafError {
  return new PlafError(diagnostic('PLAF_OFFLINE', `model "${ref}" would be downloaded, but the network is off (${why})`, {
    actual: 'offline', expected: 'network access',
    hint: `allow it (drop --offline, unset PLAF_OFFLINE, runtime.offline: false), or copy the model folder here and run plaf models import <dir>`,
  }))
}

/** Checks a hub base URL: http or https. */
export function checkHub(hub: string | undefined): string {
  if (!hub) {
    fail('PLAF_MISSING_OPTION', 'no model hub is configured', { path: 'hub', expected: 'a hub URL', actual: 'none', hint: 'give --hub URL, set PLAF_HUB, or set runtime.hub in the pipeline' })
  }
  let u: URL
  try {
    u = new URL(hub)
  } catch {
    fail('PLAF_INVALID_OPTION', `hub "${hub}" is not a URL`, { path: 'hub', expected: 'an http:// or https:// URL', actual: hub })
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') fail('PLAF_INVALID_OPTION', `hub "${hub}" is not an http(s) URL`, { path: 'hub', expected: 'an http:// or https:// URL', actual: u.protocol })
  return hub
}

/**
 * Downloads model `name` (or `name@version`, checked against the hub's manifest) into the store:
 * `plaf-model.json` first (validated: schema, paths inside the folder), then each listed file
 * (resumed, size- and sha256-checked, see `downloadFile`), assembled in
 * `<home>/models/.incoming/pull-<name>@<version>/` and renamed into place once all are verified.
 * An installed copy with the same manifest whose files check out is left alone (`upToDate`).
 * One process at a time pulls a given `name@version` into a store (`acquirePullLock`); another
 * waits (`waiting` progress), then uses the model the first installed after verifying it.
 */
export async function pullModel(store: ModelStore, ref: string, opts: PullOptions = {}): Promise<PullResult> {
  const { name, version } = parseModelRef(ref)
  if (opts.offline) throw offlineDiagnostic(ref, typeof opts.offline === 'string' ? opts.offline : 'offline mode')
  const hub = checkHub(opts.hub)
  const repo = opts.repo ?? name
  const revision = opts.revision ?? 'main'
  // a bad stall setting is the user's mistake: said before any request to the hub
  const stall = opts.stallSeconds ?? stallSeconds()
  if (!(stall > 0)) fail('PLAF_INVALID_OPTION', `stallSeconds ${stall} is not a positive number of seconds`, { path: 'stallSeconds', expected: 'seconds > 0', actual: String(stall) })
  const emit = (e: Partial<PullProgress> & Pick<PullProgress, 'phase' | 'model'>) =>
    opts.onProgress?.({ fileIndex: 0, fileCount: 0, received: 0, bytes: 0, totalReceived: 0, totalBytes: 0, resumedFrom: 0, ...e })
  emit({ phase: 'manifest', model: ref })
  const manifestUrl = hubUrl(hub, repo, revision, MANIFEST_FILE)
  const res = await hubGet(manifestUrl, { signal: opts.signal, what: `model "${repo}" at revision ${revision} (no ${MANIFEST_FILE})` })
  let text: string
  try {
    text = await res.text()
  } catch (e) {
    fail('PLAF_DOWNLOAD_FAILED', `download of ${manifestUrl} was cut off`, { expected: MANIFEST_FILE, actual: (e as Error).message, hint: 'run the pull again', cause: e })
  }
  const manifest = parseManifest(text, manifestUrl)
  const problems = manifestPathDiagnostics(manifest, manifestUrl, jsonLocator(text))
  if (problems.length) throw new PlafError(problems)
  if (manifest.name !== name || (version && manifest.version !== version)) {
    fail('PLAF_MODEL_MISSING', `the hub's ${repo}@${revision} holds model ${manifest.name}@${manifest.version}, not ${ref}`, {
      file: manifestUrl, expected: ref, actual: `${manifest.name}@${manifest.version}`, hint: version ? 'pick the revision that holds this version with --revision' : 'check --repo',
    })
  }
  const full = `${manifest.name}@${manifest.version}`
  const sha = createHash('sha256').update(text).digest('hex')
  const installed = store.find(full)
  if (installed?.sha256 === sha && !(await store.check(installed, 'cached')).diagnostics.length) {
    return { model: installed, upToDate: true, fetchedBytes: 0, fetchedFiles: 0 }
  }
  // One pull of a model version at a time per store, across processes and hosts (a shared
  // PLAF_HOME): a second pull waits, then finds the model installed and verifies it.
  const incomingRoot = join(store.root, '.incoming')
  mkdirSync(incomingRoot, { recursive: true })
  const lock = await acquirePullLock(pullLockFile(incomingRoot, full), full, {
    signal: opts.signal,
    onWait: (h) => emit({ phase: 'waiting', model: full, note: `waiting for another pull of ${full} (${describePullHolder(h)})` }),
  })
  try {
    const waitedFor = lock.waitedFor !== undefined ? describePullHolder(lock.waitedFor) : undefined
    if (waitedFor) {
      const now = store.find(full)
      if (now?.sha256 === sha && !(await store.check(now, 'always')).diagnostics.length) {
        emit({ phase: 'done', model: full, fileIndex: manifest.files.length, fileCount: manifest.files.length, totalReceived: now.bytes, totalBytes: now.bytes })
        return { model: now, upToDate: true, fetchedBytes: 0, fetchedFiles: 0, waitedFor }
      }
    }
    const work = store.incoming(`pull-${full}`)
    // Parts of another manifest under the same name@version would never verify: start over.
    if (existsSync(join(work, MANIFEST_FILE)) && readFileSync(join(work, MANIFEST_FILE), 'utf8') !== text) {
      rmSync(work, { recursive: true, force: true })
      store.incoming(`pull-${full}`)
    }
    writeFileAtomic(join(work, MANIFEST_FILE), text)
    const totalBytes = manifest.files.reduce((a, f) => a + f.bytes, 0)
    let done = 0
    let fetchedBytes = 0
    let fetchedFiles = 0
    for (const [i, f] of manifest.files.entries()) {
      const base = { phase: 'file' as const, model: full, file: f.path, fileIndex: i, fileCount: manifest.files.length, bytes: f.bytes, totalBytes }
      const present = await checkModelFile(work, f, 'cached')
      if (!present.problem) {
        done += f.bytes
        emit({ ...base, received: f.bytes, totalReceived: done })
        continue
      }
      if (present.problem.kind !== 'missing') rmSync(join(work, f.path), { force: true })
      fetchedBytes += await downloadFile(hubUrl(hub, repo, revision, f.path), join(work, ...f.path.split('/')), f, {
        model: full, retries: opts.retries ?? 3, stallSeconds: stall, signal: opts.signal,
        onRetry: (p) => emit({ ...base, phase: 'retry', received: p.received, resumedFrom: p.resumedFrom, totalReceived: done + p.received, note: p.note }),
        onBytes: (p) => emit({ ...base, received: p.received, resumedFrom: p.resumedFrom, totalReceived: done + p.received }),
      })
      fetchedFiles++
      done += f.bytes
    }
    const model = store.install(work)
    emit({ phase: 'done', model: full, fileIndex: manifest.files.length, fileCount: manifest.files.length, totalReceived: totalBytes, totalBytes })
    return { model, upToDate: false, fetchedBytes, fetchedFiles, ...(waitedFor ? { waitedFor } : {}) }
  } finally {
    lock.release()
  }
}
