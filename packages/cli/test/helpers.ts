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

/**
 * A small weight-free pipeline over the synthetic room (160×120 colour, 80×60 depth): the
 * colour-lexicon backbone, a grid masker, mask-mean and mask-indexed 2D memories; `extra` adds
 * YAML lines under `stages:` (e.g. a lifter) and `tail` lines after them.
 */
export function tinyPipeline(name: string, frames: number, opts: { cell?: number; extra?: string[]; tail?: string } = {}): string {
  return `name: ${name}
input: { use: synthetic-room, with: { frames: ${frames}, color_width: 160, color_height: 120, depth_width: 80, depth_height: 60 } }
stages:
  backbone: { use: color-lexicon, with: { resolution: 64 } }
  masker: { use: grid, with: { cell_size: ${opts.cell ?? 40} } }
  aggregator: { use: mask-mean }
  storage2d: { use: mask-indexed }
${(opts.extra ?? []).map((l) => `  ${l}\n`).join('')}${opts.tail ?? ''}`
}
