/**
 * The run directory's lock, `.plaf-run.lock`: one run at a time per directory. The lock file is
 * written complete under a temporary name and hard-linked into place (link fails if it exists), so
 * no reader ever sees a half-written lock. On a file system without hard links (link fails with
 * EPERM, ENOTSUP, EOPNOTSUPP, ENOSYS or EXDEV: FAT, some network and FUSE mounts) the lock file is
 * created exclusively instead (`wx`), written and fsynced; a reader that finds it still empty or
 * half-written reads again for up to a second before calling it foreign. It holds who runs (pid,
 * host, start time); a lock whose process is gone (same host, pid dead or reused by another
 * process) is stale and taken over.
 */
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { PlafError, diagnostic, type Diagnostic } from '../diagnostics.js'
import { processAlive } from '../util/process-alive.js'

/** The lock file's name inside the run directory. */
export const RUN_LOCK_FILE = '.plaf-run.lock'

/** What a lock file holds. */
export interface RunLockInfo {
  pid: number
  host: string
  started_at: string
  /** Kernel start time of the process (Linux `/proc/<pid>/stat` field 22), to tell a reused pid; null elsewhere. */
  proc_start: string | null
  /** The pipeline file the run came from. */
  pipeline: string
}

/** A held lock; `release()` removes it when it is still ours (safe to call twice). */
export interface RunLock {
  file: string
  info: RunLockInfo
  /** Set when a stale lock was taken over: the warning to report. */
  tookOver?: Diagnostic
  release(): void
}

/** The kernel start time of `pid`, or null when it cannot be read (no /proc, no such process). */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the command name (field 2) may hold spaces and parentheses: count fields after its last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null
  } catch {
    return null
  }
}

/** Why the lock's holder is known to be gone, or null when it may still run (or cannot be checked). */
export function staleReason(info: RunLockInfo, host = hostname()): string | null {
  if (info.host !== host) return null
  if (!processAlive(info.pid)) return `process ${info.pid} is no longer running`
  const now = info.proc_start === null ? null : processStart(info.pid)
  if (now !== null && now !== info.proc_start) return `process id ${info.pid} now belongs to another process`
  return null
}

/** The lock file's JSON when it names a holder (numeric `pid`, string `host`), else null (absent, empty, half-written, foreign). Run and pull locks. */
export function readLockFile<T extends { pid: number; host: string }>(file: string): T | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as T
    return typeof v.pid === 'number' && typeof v.host === 'string' ? v : null
  } catch {
    return null
  }
}

const readLockOnce = (file: string): RunLockInfo | null => readLockFile<RunLockInfo>(file)

const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * The lock in `file`, or null when it is not a readable PLAF lock. An unreadable one is read again
 * for up to `patienceMs`: a lock created in place (no hard links) is empty until its writer wrote it.
 */
function readLock(file: string, patienceMs = 0): RunLockInfo | null {
  for (let waited = 0; ; waited += 50) {
    const v = readLockOnce(file)
    if (v || waited >= patienceMs) return v
    pause(50)
  }
}

/** The errors `link` gives on a file system that has no hard links. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'])

/** Creates `file` only if it does not exist (EEXIST otherwise), with `text`, fsynced; a failed write removes it. Run and pull locks. */
export function createExclusive(file: string, text: string): void {
  const fd = openSync(file, 'wx')
  try {
    const bytes = Buffer.from(text, 'utf8')
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off)
    fsyncSync(fd)
  } catch (e) {
    closeSync(fd)
    rmSync(file, { force: true })
    throw e
  }
  closeSync(fd)
}

const describeHolder = (h: RunLockInfo): string => `pid ${h.pid} on ${h.host}, started ${h.started_at}`

let counter = 0

/**
 * Takes the lock of `runDir` (which exists) for a run of `pipeline`. Throws PLAF_RUN_LOCKED naming
 * the holder when another live run (this process included) holds it, or when the holder runs on
 * another host (its liveness cannot be checked). A stale lock is taken over; `tookOver` says so.
 */
export function acquireRunLock(runDir: string, pipeline: string): RunLock {
  const file = join(runDir, RUN_LOCK_FILE)
  const info: RunLockInfo = { pid: process.pid, host: hostname(), started_at: new Date().toISOString(), proc_start: processStart(process.pid), pipeline }
  const text = JSON.stringify(info, null, 2) + '\n'
  // a name removeStaleTempFiles recognises, should this process die between write and link
  const tmp = join(runDir, `.${RUN_LOCK_FILE}.${process.pid}.${counter++}.tmp`)
  writeFileSync(tmp, text)
  let hardLinks = true
  let tookOver: Diagnostic | undefined
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        if (hardLinks) linkSync(tmp, file)
        else createExclusive(file, text)
        break
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? ''
        if (hardLinks && NO_HARD_LINKS.has(code)) {
          hardLinks = false
          attempt--
          continue
        }
        if (code !== 'EEXIST') throw e
      }
      // a lock created in place may be seen before its writer wrote it: give it a second
      const holder = readLock(file, 1000)
      if (!holder) {
        // not a lock we wrote (links are complete): a foreign or damaged file, left for the user
        throw new PlafError(diagnostic('PLAF_RUN_LOCKED', `${runDir} is locked by ${file}, which is not a readable PLAF lock`, {
          file, hint: `if no run is writing into ${runDir}, delete ${file}`,
        }))
      }
      const stale = staleReason(holder)
      if (stale === null || attempt > 0) {
        const remote = holder.host !== info.host
        throw new PlafError(diagnostic('PLAF_RUN_LOCKED', `another run is writing into ${runDir}: ${describeHolder(holder)}${holder.pipeline ? ` (${holder.pipeline})` : ''}`, {
          file, actual: describeHolder(holder),
          hint: remote
            ? `the run holding the lock is on another host and cannot be checked from here; if it is no longer running, delete ${file}`
            : 'wait for it to finish, or choose another --out',
        }))
      }
      tookOver = diagnostic('PLAF_RUN_LOCKED', `took over the lock of ${runDir} from an earlier run that ended without releasing it (${describeHolder(holder)}): ${stale}`, {
        severity: 'warning', file, actual: describeHolder(holder),
      })
      rmSync(file, { force: true })
    }
  } finally {
    rmSync(tmp, { force: true })
  }
  let held = true
  return {
    file, info, tookOver,
    release() {
      if (!held) return
      held = false
      const now = readLock(file)
      if (now && now.pid === info.pid && now.started_at === info.started_at && now.host === info.host) rmSync(file, { force: true })
    },
  }
}
