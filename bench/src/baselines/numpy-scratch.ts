import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { findPython, runPython } from '@plaf/core/testing'

/** Why a numpy reference did not run: no python3 with numpy here. */
export const NO_NUMPY = 'no python3 with numpy (Debian package python3-numpy)'

/**
 * Runs a bench/python numpy reference in a scratch folder under `tmpDir` (created if missing):
 * `write(dir)` puts its inputs there, the script runs with `[dir, ...args]` and prints JSON, and
 * `read(out, dir)` collects the result before the folder is removed. Returns NO_NUMPY instead when
 * there is no python3 with numpy.
 */
export function withNumpyScript<T>(script: string, args: string[], tmpDir: string, prefix: string, write: (dir: string) => void, read: (out: unknown, dir: string) => T): T | string {
  const exe = findPython(['numpy'])
  if (!exe) return NO_NUMPY
  mkdirSync(tmpDir, { recursive: true }) // --tmp may name a directory nothing has created yet
  const dir = mkdtempSync(join(tmpDir, prefix))
  try {
    write(dir)
    return read(JSON.parse(runPython(exe, readFileSync(script, 'utf8'), [dir, ...args])), dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
