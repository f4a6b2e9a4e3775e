import { afterEach } from 'vitest'
import { tempDir, type TempDir } from '../../src/testing/temp.js'
import type { Diagnostic } from '../../src/index.js'

const dirs: TempDir[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup()
})

/** Writes files into a fresh temp dir (deleted after the test) and returns its path. */
export function files(map: Record<string, string>): string {
  const t = tempDir('pipe', map)
  dirs.push(t)
  return t.dir
}

/** Diagnostics without causes and with the temp dir replaced by <dir>, for snapshots. */
export function clean(list: Diagnostic[], dir: string): Diagnostic[] {
  return JSON.parse(JSON.stringify(list.map(({ cause: _c, ...d }) => d)).split(dir).join('<dir>'))
}
