import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname, basename, join } from 'node:path'

let counter = 0

/**
 * Writes a file atomically: a temporary file in the same directory, fsync, then rename. A reader
 * never sees a half-written file under the final name, even if the process dies mid-write.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const w = openAtomicWriter(path)
  try {
    w.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data)
    w.commit()
  } catch (e) {
    w.abort()
    throw e
  }
}

/** Writes JSON (2-space indent, trailing newline) atomically. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n')
}

/** A file being written atomically: bytes go to a temporary file until commit() renames it. */
export interface AtomicWriter {
  /** The final path. */
  readonly path: string
  /** Bytes written so far. */
  readonly bytesWritten: number
  /** Appends bytes (synchronously, in order). */
  write(bytes: Uint8Array): void
  /** fsyncs, closes and renames onto the final path; returns the file size in bytes. */
  commit(): number
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
    commit() {
      const f = open()
      fsyncSync(f)
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
