import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname, basename, join } from 'node:path'
import { processAlive } from './process-alive.js'

let counter = 0

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * fsync before the rename (default true). Without it the rename is still atomic for readers, but
   * a power loss may leave an empty file: for many small outputs that are cheap to recreate (a
   * querier's per-frame files), where the fsyncs cost more than the writes.
   */
  fsync?: boolean
}

/**
 * Writes a file atomically: a temporary file in the same directory, fsync, then rename. A reader
 * never sees a half-written file under the final name, even if the process dies mid-write.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  const w = openAtomicWriter(path)
  try {
    w.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data)
    w.commit(options.fsync ?? true)
  } catch (e) {
    w.abort()
    throw e
  }
}

/** Writes JSON (2-space indent, trailing newline) atomically. */
export function writeJsonAtomic(path: string, value: unknown, options: AtomicWriteOptions = {}): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n', options)
}

/** A file being written atomically: bytes go to a temporary file until commit() renames it. */
export interface AtomicWriter {
  /** The final path. */
  readonly path: string
  /** Bytes written so far. */
  readonly bytesWritten: number
  /** Appends bytes (synchronously, in order). */
  write(bytes: Uint8Array): void
  /** fsyncs (unless `fsync` is false), closes and renames onto the final path; returns the file size in bytes. */
  commit(fsync?: boolean): number
  /** Closes and deletes the temporary file; the final path is left untouched. Safe to call twice. */
  abort(): void
}

/**
 * Opens a streaming atomic writer, for outputs too large to build in memory (a dense H×W×D
 * tensor written row by row). Until commit() nothing appears under the final name; on any error
 * call abort(), e.g. `try { …; w.commit() } catch (e) { w.abort(); throw e }`.
 */
export function openAtomicWriter(path: string): AtomicWriter {
  const dir = dirname(path)
  mkdirSync(dir, { recursive: true })
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`)
  let fd: number | null = openSync(tmp, 'w')
  let written = 0
  const open = (): number => {
    if (fd === null) throw new Error(`atomic writer for ${path} is already committed or aborted`)
    return fd
  }
  return {
    path,
    get bytesWritten() {
      return written
    },
    write(bytes) {
      const f = open()
      let off = 0
      while (off < bytes.byteLength) off += writeSync(f, bytes, off, bytes.byteLength - off)
      written += bytes.byteLength
    },
    commit(fsync = true) {
      const f = open()
      if (fsync) fsyncSync(f)
      closeSync(f)
      fd = null
      try {
        renameSync(tmp, path)
      } catch (e) {
        rmSync(tmp, { force: true })
        throw e
      }
      return written
    },
    abort() {
      if (fd !== null) closeSync(fd)
      fd = null
      rmSync(tmp, { force: true })
    },
  }
}

/** Name of an atomic writer's temporary file: `.<name>.<pid>.<n>.tmp`. */
const TEMP_FILE = /^\..+\.(\d+)\.\d+\.tmp$/

/**
 * Removes the temporary files that atomic writes of dead processes left under `dir` (a process
 * killed between open and rename). Files of live processes, this one included, are kept: they may
 * be mid-write. Returns the paths removed. A missing `dir` is nothing to do.
 */
export function removeStaleTempFiles(dir: string): string[] {
  const removed: string[] = []
  let entries
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true })
  } catch {
    return removed
  }
  for (const e of entries) {
    const m = e.isFile() ? TEMP_FILE.exec(e.name) : null
    if (!m || processAlive(Number(m[1]))) continue
    const p = join(e.parentPath, e.name)
    rmSync(p, { force: true })
    removed.push(p)
  }
  return removed
}
