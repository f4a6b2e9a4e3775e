import { existsSync, readFileSync, rmSync } from 'node:fs'
import { fail, npyHeader, npyItemSize, openAtomicWriter, resolveInside, writeFileAtomic, type NpyDtype } from '@plaf/core'

/** Frame ids become file names: letters, digits, `.`, `_`, `-`, not starting with a dot. */
const FRAME_ID = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/

/** The frame id of a per-frame call, checked to be safe as a file-name prefix. */
export function frameIdOf(frame: { id: string } | undefined, stage: string): string {
  if (!frame) fail('PLAF_INTERNAL', `${stage}: run() was called without a frame; this codec stores one file set per frame`)
  if (!FRAME_ID.test(frame.id)) {
    fail('PLAF_INPUT_INVALID', `${stage}: frame id ${JSON.stringify(frame.id)} cannot be used in a file name (allowed: letters, digits, . _ -)`, { frame: frame.id })
  }
  return frame.id
}

/**
 * The exact size in bytes of the C-order `.npy` file `OutputBatch.npy` (or `encodeNpy`) writes for
 * this shape and dtype: numpy's header (its length depends on the shape's digits) plus the data.
 * Lets a baseline be measured without writing it.
 */
export function npyFileBytes(shape: readonly number[], dtype: NpyDtype): number {
  return npyHeader(shape, dtype).length + shape.reduce((a, b) => a * b, 1) * npyItemSize(dtype)
}

/** Reads a whole file; a missing one is a PLAF_FILE_NOT_FOUND naming it. */
/**
 * The path of a file a stored manifest (`map.json`, `<frame>.json`, `index.json`) names, inside
 * `dir`; a name that escapes it (absolute, `..`, a symlink out) is refused, naming the manifest, so
 * a run directory from elsewhere can never make a reader open another file.
 */
export function storedFile(dir: string, name: unknown, manifest: string): string {
  if (typeof name !== 'string' || name === '') fail('PLAF_INPUT_INVALID', `${manifest}: a file name must be a non-empty string, got ${JSON.stringify(name)}`, { file: manifest })
  const r = resolveInside(dir, name)
  if ('escape' in r) fail('PLAF_INPUT_INVALID', `${manifest}: names the file "${name}", outside ${dir}: ${r.escape}`, { file: manifest, expected: 'a file name inside the run directory', actual: name })
  return r.path
}

export function readBytes(path: string, what: string): Uint8Array {
  if (!existsSync(path)) fail('PLAF_FILE_NOT_FOUND', `${what} ${path} does not exist`, { file: path })
  return readFileSync(path)
}

/** Reads and parses a JSON file, with errors that name it. */
export function readJson(path: string, what: string): Record<string, unknown> {
  const text = Buffer.from(readBytes(path, what)).toString('utf8')
  try {
    const v = JSON.parse(text) as unknown
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('top level is not an object')
    return v as Record<string, unknown>
  } catch (e) {
    fail('PLAF_INPUT_INVALID', `${what} ${path} is not valid JSON: ${(e as Error).message}`, { file: path, cause: e })
  }
}

/**
 * The files one call writes, each atomically. If a later file fails, rollback() removes the ones
 * already renamed into place, so a failed call leaves no file under a final name.
 */
export class OutputBatch {
  private readonly written: string[] = []

  /** Writes bytes atomically; returns the size in bytes. */
  file(path: string, data: Uint8Array | string): number {
    writeFileAtomic(path, data)
    this.written.push(path)
    return typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength
  }

  /**
   * Streams a C-order `.npy` atomically: the header, then whatever `fill` passes to `write`, in
   * order (row chunks of the array). Returns the file size; throws if the data size is wrong.
   */
  npy(path: string, shape: readonly number[], dtype: NpyDtype, fill: (write: (chunk: ArrayBufferView) => void) => void): number {
    const w = openAtomicWriter(path)
    try {
      const header = npyHeader(shape, dtype)
      w.write(header)
      fill((chunk) => w.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)))
      const expected = npyFileBytes(shape, dtype)
      if (w.bytesWritten !== expected) fail('PLAF_INTERNAL', `${path}: wrote ${w.bytesWritten} bytes, the header promises ${expected}`, { file: path })
      const size = w.commit()
      this.written.push(path)
      return size
    } catch (e) {
      w.abort()
      throw e
    }
  }

  /** Removes every file this batch put in place. */
  rollback(): void {
    for (const p of this.written.splice(0)) rmSync(p, { force: true })
  }
}

/** Runs `body` with a fresh batch; on any error the batch is rolled back and the error rethrown. */
export function writeBatch<T>(body: (batch: OutputBatch) => T): T {
  const batch = new OutputBatch()
  try {
    return body(batch)
  } catch (e) {
    batch.rollback()
    throw e
  }
}
