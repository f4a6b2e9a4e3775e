import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach } from 'vitest'
import type { Diagnostic } from '../../src/index.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** Writes files into a fresh temp dir (deleted after the test) and returns its path. */
export function files(map: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'plaf-pipe-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(map)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

/** Diagnostics without causes and with the temp dir replaced by <dir>, for snapshots. */
export function clean(list: Diagnostic[], dir: string): Diagnostic[] {
  return JSON.parse(JSON.stringify(list.map(({ cause: _c, ...d }) => d)).split(dir).join('<dir>'))
}
