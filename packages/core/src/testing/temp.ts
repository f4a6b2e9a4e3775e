import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** A temporary directory (see {@link tempDir}). */
export interface TempDir {
  /** Absolute path of the directory. */
  readonly dir: string
  /** `join(dir, ...parts)`. */
  path(...parts: string[]): string
  /** Deletes the directory and everything in it; calling it again does nothing. */
  cleanup(): void
}

const live = new Set<string>()
let exitHook = false

/**
 * A fresh directory `<os tmpdir>/plaf-<name>-XXXXXX` holding `files` (relative paths; parent
 * folders are created). Call `cleanup()` when done (in `afterEach`/`afterAll`); whatever is still
 * there when the process exits is deleted then, so a forgotten or failed clean-up leaves nothing
 * behind. Needs no test runner.
 */
export function tempDir(name = 'test', files: Record<string, string | Uint8Array> = {}): TempDir {
  const dir = mkdtempSync(join(tmpdir(), `plaf-${name}-`))
  live.add(dir)
  if (!exitHook) {
    exitHook = true
    process.once('exit', () => {
      for (const d of live) rmSync(d, { recursive: true, force: true })
    })
  }
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true })
    writeFileSync(join(dir, rel), content)
  }
  return {
    dir,
    path: (...parts) => join(dir, ...parts),
    cleanup() {
      rmSync(dir, { recursive: true, force: true })
      live.delete(dir)
    },
  }
}
