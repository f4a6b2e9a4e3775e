import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { PlafError, diagnostic, fail } from '../diagnostics.js'
import { sha256File } from './file-check.js'
import type { ModelFile } from './manifest.js'

/** `{base}/{repo}/resolve/{revision}/{path}`: the Hugging Face URL layout, each segment escaped. */
export function hubUrl(base: string, repo: string, revision: string, path: string): string {
  const seg = (s: string) => s.split('/').map(encodeURIComponent).join('/')
  return `${base.replace(/\/+$/, '')}/${seg(repo)}/resolve/${encodeURIComponent(revision)}/${seg(path)}`
}

const HINT_UNREACHABLE = 'check --hub, PLAF_HUB or runtime.hub; without a network, copy the model folder here and run plaf models import <dir>'

/** Why a request failed before any status: connection refused, unknown host, reset… */
function networkFailure(url: string, e: unknown): PlafError {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause
  const code = cause?.code ?? (e as { code?: string }).code ?? 'ERROR'
  const what = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOTFOUND' ? 'host not found' : (cause?.message ?? (e as Error).message)
  return new PlafError(diagnostic('PLAF_DOWNLOAD_FAILED', `cannot reach the model hub for ${url}: ${what}`, {
    expected: 'a reachable model hub', actual: code, hint: HINT_UNREACHABLE, cause: e,
  }), { cause: e })
}

/**
 * GETs a hub URL. A status other than 200/206 (and 416 when `range` is set) is PLAF_DOWNLOAD_FAILED
 * naming the URL and the status; a request that cannot connect is PLAF_DOWNLOAD_FAILED with the
 * system's error code (`ECONNREFUSED`, …).
 */
export async function hubGet(url: string, init: { range?: number; signal?: AbortSignal; what: string }): Promise<Response> {
  let res: Response
  try {
    // identity: sizes and byte ranges must be those of the file itself, not of a compressed body
    const headers: Record<string, string> = { 'Accept-Encoding': 'identity', ...(init.range ? { Range: `bytes=${init.range}-` } : {}) }
    res = await fetch(url, { headers, signal: init.signal, redirect: 'follow' })
  } catch (e) {
    if (init.signal?.aborted) throw e
    throw networkFailure(url, e)
  }
  if (res.ok || (init.range && res.status === 416)) return res
  await res.body?.cancel()
  const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`
  fail('PLAF_DOWNLOAD_FAILED', res.status === 404 ? `the hub has no ${init.what}: ${url} (${status})` : `the hub answered ${status} for ${url}`, {
    expected: 'HTTP 200', actual: status,
    hint: res.status === 404 ? 'check the model name (or --repo) and --revision' : res.status >= 500 ? 'the hub failed; try again later (partial downloads are kept and resumed)' : undefined,
  })
}

/** Progress of one file: bytes on disk so far and where this session's transfer started. */
export interface FileProgress {
  received: number
  resumedFrom: number
}

/** Default seconds without a byte from the hub after which a transfer counts as stalled. */
export const DEFAULT_STALL_SECONDS = 30

/**
 * The stall timeout in seconds: `PLAF_HUB_STALL_SECONDS` when set (a positive number), else
 * `DEFAULT_STALL_SECONDS`. A value that is not a positive number is PLAF_INVALID_OPTION.
 */
export function stallSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.PLAF_HUB_STALL_SECONDS
  if (v === undefined || v === '') return DEFAULT_STALL_SECONDS
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) {
    fail('PLAF_INVALID_OPTION', `PLAF_HUB_STALL_SECONDS=${v} is not a positive number of seconds`, {
      path: 'PLAF_HUB_STALL_SECONDS', expected: 'seconds without data before a download counts as stalled, e.g. 30', actual: v,
    })
  }
  return n
}

/** A transfer that received no byte for the stall timeout. */
class Stalled extends Error {
  constructor(readonly at: number, readonly seconds: number) {
    super(`no data for ${seconds} s`)
  }
}

/** Options of `downloadFile`. */
export interface DownloadOptions {
  model: string
  /** Resumes after a dropped or stalled transfer. */
  retries: number
  /** Seconds without a byte (headers or body) before the transfer is dropped and resumed (default `stallSeconds()`). */
  stallSeconds?: number
  signal?: AbortSignal
  onBytes?(p: FileProgress): void
  /** Called before each resume with what went wrong: `the hub stopped sending … after X of Y bytes (no data for N s)`. */
  onRetry?(p: FileProgress & { note: string }): void
}

/**
 * Downloads one model file to `dest`, through `dest + '.part'`: a part left by an earlier attempt
 * (this process or another) is resumed with an HTTP Range request, and a connection dropped
 * mid-body, or a hub that sends nothing for `stallSeconds`, is resumed the same way up to
 * `retries` times. The finished part must have the listed
 * size and sha256 before it is renamed onto `dest`; a mismatch deletes the part and is
 * PLAF_MODEL_CORRUPT naming the file, the expected and the actual hash. Returns the bytes fetched.
 * Callers make sure one process at a time writes a given part (see `acquirePullLock`).
 */
export async function downloadFile(url: string, dest: string, expect: ModelFile, opts: DownloadOptions): Promise<number> {
  const part = `${dest}.part`
  mkdirSync(dirname(part), { recursive: true })
  const stallS = opts.stallSeconds ?? stallSeconds()
  let fetched = 0
  let lastError: unknown
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    let have = existsSync(part) ? statSync(part).size : 0
    if (have > expect.bytes) {
      rmSync(part)
      have = 0
    }
    if (have === expect.bytes) break
    if (lastError) {
      const why = lastError instanceof Stalled
        ? `the hub stopped sending ${expect.path} after ${have} of ${expect.bytes} bytes (no data for ${stallS} s)`
        : `the connection dropped after ${have} of ${expect.bytes} bytes of ${expect.path} (${droppedWhy(lastError)})`
      opts.onRetry?.({ received: have, resumedFrom: have, note: `${why}; resuming, attempt ${attempt + 1} of ${opts.retries + 1}` })
      lastError = undefined
    }
    // plaf's own stall timer: no byte for stallS seconds aborts this attempt (Node's 300 s body timeout is far too long)
    const ctrl = new AbortController()
    const signal = opts.signal ? AbortSignal.any([opts.signal, ctrl.signal]) : ctrl.signal
    let timer: NodeJS.Timeout | undefined
    const arm = (at: number) => {
      clearTimeout(timer)
      timer = setTimeout(() => ctrl.abort(new Stalled(at, stallS)), stallS * 1000)
    }
    arm(have)
    let res: Response
    try {
      res = await hubGet(url, { range: have, signal, what: `file ${expect.path} of model ${opts.model}` })
    } catch (e) {
      clearTimeout(timer)
      if (!(ctrl.signal.reason instanceof Stalled) || opts.signal?.aborted) throw e
      lastError = ctrl.signal.reason
      continue
    }
    try {
      // The size the hub says its file has: 200's Content-Length, 206's or 416's Content-Range total.
      const range = res.headers.get('content-range') ?? ''
      const encoded = (res.headers.get('content-encoding') ?? 'identity') !== 'identity'
      const total = res.status === 200 ? Number(res.headers.get('content-length') ?? NaN) : Number(/\/(\d+)$/.exec(range)?.[1] ?? NaN)
      if (!encoded && Number.isFinite(total) && total !== expect.bytes) {
        await res.body?.cancel()
        rmSync(part, { force: true })
        fail('PLAF_MODEL_CORRUPT', `the hub serves ${total} bytes for ${expect.path} of model ${opts.model}, but its manifest lists ${expect.bytes}`, {
          expected: `${expect.bytes} bytes`, actual: `${total} bytes`, hint: 'the file on the hub is truncated or is another file; tell whoever publishes the model',
        })
      }
      if (res.status === 416 || (res.status === 206 && !range.startsWith(`bytes ${have}-`))) {
        // The part does not fit the hub's file, or the hub sent another range: start over.
        await res.body?.cancel()
        rmSync(part, { force: true })
        continue
      }
      const resumed = res.status === 206
      if (!resumed) have = 0
      const fd = openSync(part, resumed ? 'a' : 'w')
      const resumedFrom = have
      try {
        opts.onBytes?.({ received: have, resumedFrom })
        arm(have)
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          let off = 0
          while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off)
          have += chunk.byteLength
          fetched += chunk.byteLength
          arm(have)
          opts.onBytes?.({ received: have, resumedFrom })
        }
        fsyncSync(fd)
        lastError = undefined
      } catch (e) {
        if (opts.signal?.aborted) throw e
        lastError = ctrl.signal.reason instanceof Stalled ? ctrl.signal.reason : e
      } finally {
        closeSync(fd)
      }
    } finally {
      clearTimeout(timer)
    }
    if (!lastError && have >= expect.bytes) break
  }
  const size = existsSync(part) ? statSync(part).size : 0
  if (size !== expect.bytes) {
    if (lastError instanceof Stalled) {
      fail('PLAF_DOWNLOAD_FAILED', `the hub stopped sending ${expect.path} (model ${opts.model}) after ${size} of ${expect.bytes} bytes (no data for ${stallS} s), ${opts.retries + 1} attempts`, {
        expected: `${expect.bytes} bytes`, actual: `${size} bytes (no data for ${stallS} s)`,
        hint: 'the hub or the network hangs; run the pull again later (the partial file is kept and resumed), or raise PLAF_HUB_STALL_SECONDS on a slow link',
      })
    }
    fail('PLAF_DOWNLOAD_FAILED', `download of ${expect.path} (model ${opts.model}) stopped at ${size} of ${expect.bytes} bytes after ${opts.retries + 1} attempts`, {
      expected: `${expect.bytes} bytes`, actual: `${size} bytes (${droppedWhy(lastError)})`, hint: 'run the pull again: the partial file is kept and resumed', cause: lastError,
    })
  }
  const sha = await sha256File(part)
  if (sha !== expect.sha256) {
    rmSync(part)
    fail('PLAF_MODEL_CORRUPT', `downloaded ${expect.path} of model ${opts.model} does not match the sha256 its manifest lists; the download was deleted`, {
      expected: `sha256 ${expect.sha256}`, actual: `sha256 ${sha}`, hint: 'the hub serves a different file than its plaf-model.json describes; tell whoever publishes the model',
    })
  }
  renameSync(part, dest)
  return fetched
}

/** What cut a transfer short, in words: the system's code, the error, or an early close. */
function droppedWhy(e: unknown): string {
  return (e as { cause?: { code?: string } } | undefined)?.cause?.code ?? (e ? (e as Error).message : 'the server closed the connection early')
}
