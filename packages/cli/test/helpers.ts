import { tempDir as coreTempDir, type TempDir } from '@plaf/core/testing'
import { afterEach } from 'vitest'
import { main } from '../src/main.js'

const dirs: TempDir[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup()
})

/** A temp dir (tempDir from @plaf/core/testing) with the given files, deleted after the test. */
export function tempDir(files: Record<string, string> = {}): string {
  const t = coreTempDir('cli', files)
  dirs.push(t)
  return t.dir
}

/** Runs the CLI in-process and captures stdout, stderr and the exit code. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await main(argv, { out: (t) => void (out += t + '\n'), err: (t) => void (err += t + '\n') })
  return { code, out, err }
}
