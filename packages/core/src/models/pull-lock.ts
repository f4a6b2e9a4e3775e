/**
 * The lock of one model download, `<home>/models/.incoming/pull-<name>@<version>.lock`: one pull
 * per model version at a time across processes and hosts sharing a PLAF_HOME (cluster shards
 * auto-pulling into one store). Created with `wx` (O_EXCL: exactly one creator wins), it holds
 * who downloads (pid, host, start time, kernel start time of the pid) and is touched every
 * `PULL_LOCK_REFRESH_MS` while the pull runs. It is stale, and taken over, when its holder is on
 * this host and its pid is dead or now another process, or (any host, for shared file systems
 * where a pid cannot be checked) when it was not touched for `PULL_LOCK_STALE_MS`.
 */
import { rmSync, statSync, utimesSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { createExclusive, processStart, readLockFile, staleReason } from '../runtime/run-lock.js'

/** How often a held pull lock's mtime is refreshed. */
export const PULL_LOCK_REFRESH_MS = 10_000
/** A pull lock not refreshed for this long is stale whatever host holds it. */
export const PULL_LOCK_STALE_MS = 60_000

/** What a pull lock file holds. */
export interface PullLockInfo {
  pid: number
  host: string
  started_at: string
  proc_start: string | null
  /** Tells two pulls of one process apart. */
  token: string
  /** `name@version` being downloaded. */
  model: string
}

/** The lock file of `name@version`'s download in the store's incoming folder. */
export const pullLockFile = (incomingRoot: string, full: string): string => join(incomingRoot, `pull-${full}.lock`)

/** The lock in `file`, or null when absent or not (yet) a readable lock. */
export const readPullLock = (file: string): PullLockInfo | null => readLockFile<PullLockInfo>(file)

/** Why the lock in `file` is stale (its holder is gone), or null when a live pull may hold it. */
export function pullLockStale(file: string, info: PullLockInfo | null, now = Date.now(), staleMs = PULL_LOCK_STALE_MS): string | null {
  let mtime: number
  try {
    mtime = statSync(file).mtimeMs
  } catch {
    return 'it is gone'
  }
  const idle = now - mtime
  if (idle > staleMs) return `it was not refreshed for ${Math.round(idle / 1000)} s`
  // an unreadable lock may be one whose creator has not written it yet: only its age tells
  if (!info) return null
  return staleReason({ ...info, pipeline: '' })
}

/** Who holds a lock, for messages: `pid 123 on host, since <time>`. */
export const describePullHolder = (h: PullLockInfo | null): string => (h ? `pid ${h.pid} on ${h.host}, since ${h.started_at}` : 'a process that has not written its lock yet')

/** A held pull lock; `release()` removes it (when still ours) and stops its refresh. */
export interface PullLock {
  file: string
  /** Set when this process waited for another pull first. */
  waitedFor?: PullLockInfo | null
  /** Set when a stale lock was taken over: why it was stale. */
  tookOver?: string
  release(): void
}

/** Creates the lock file with `text` unless it exists: false when another holds it. */
function tryCreate(file: string, text: string): boolean {
  try {
    createExclusive(file, text)
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw e
  }
}

/** This process's lock for a pull of `full`. */
const ownLock = (full: string): PullLockInfo => ({ pid: process.pid, host: hostname(), started_at: new Date().toISOString(), proc_start: processStart(process.pid), token: randomUUID(), model: full })

/**
 * Takes the pull lock of `full` now if nobody live holds it (a stale lock is taken over): the
 * held lock, or `{ holder }` naming the live pull that holds it. For removing a partial download.
 */
export function tryPullLock(file: string, full: string, staleMs = PULL_LOCK_STALE_MS): PullLock | { holder: PullLockInfo | null } {
  const info = ownLock(full)
  for (let attempt = 0; ; attempt++) {
    if (tryCreate(file, JSON.stringify(info, null, 2) + '\n')) break
    const holder = readPullLock(file)
    if (attempt > 0 || pullLockStale(file, holder, Date.now(), staleMs) === null) return { holder }
    if (JSON.stringify(readPullLock(file)) === JSON.stringify(holder)) rmSync(file, { force: true })
  }
  return {
    file,
    release() {
      if (readPullLock(file)?.token === info.token) rmSync(file, { force: true })
    },
  }
}

/**
 * Takes the pull lock of `full` (`name@version`), waiting while another live pull holds it:
 * `onWait(holder)` is called once when waiting starts. A stale lock is removed and taken over.
 * `signal` ends the wait (its abort reason is thrown).
 */
export async function acquirePullLock(file: string, full: string, opts: { signal?: AbortSignal; onWait?(holder: PullLockInfo | null): void; pollMs?: number; staleMs?: number; refreshMs?: number } = {}): Promise<PullLock> {
  const info = ownLock(full)
  const text = JSON.stringify(info, null, 2) + '\n'
  let waitedFor: PullLockInfo | null | undefined
  let tookOver: string | undefined
  for (;;) {
    opts.signal?.throwIfAborted()
    if (tryCreate(file, text)) break
    const holder = readPullLock(file)
    const stale = pullLockStale(file, holder, Date.now(), opts.staleMs)
    if (stale !== null) {
      // remove it only if it is still the one judged stale (another waiter may have replaced it)
      const again = readPullLock(file)
      if (JSON.stringify(again) === JSON.stringify(holder)) {
        rmSync(file, { force: true })
        tookOver = `${describePullHolder(holder)}: ${stale}`
      }
      continue
    }
    if (waitedFor === undefined) {
      waitedFor = holder
      opts.onWait?.(holder)
    }
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(done, opts.pollMs ?? 250)
      function done() {
        opts.signal?.removeEventListener('abort', abort)
        resolve()
      }
      function abort() {
        clearTimeout(t)
        reject(opts.signal?.reason)
      }
      opts.signal?.addEventListener('abort', abort, { once: true })
    })
  }
  const refresh = setInterval(() => {
    try {
      const now = new Date()
      utimesSync(file, now, now)
    } catch {
      // removed under us (by a user); the pull goes on, release will find nothing to remove
    }
  }, opts.refreshMs ?? PULL_LOCK_REFRESH_MS)
  refresh.unref()
  let held = true
  return {
    file, waitedFor, tookOver,
    release() {
      if (!held) return
      held = false
      clearInterval(refresh)
      const now = readPullLock(file)
      if (now && now.token === info.token) rmSync(file, { force: true })
    },
  }
}
