import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { fail } from '@plaf/core'

/**
 * File layout of an exported ScanNet scene (SensReader output plus the unzipped 2D labels):
 * `color/<i>.jpg`, `depth/<i>.png`, `pose/<i>.txt`, `intrinsic/intrinsic_{color,depth}.txt`,
 * and `label-filt/<i>.png` (or `<scene>_2d-label-filt/label-filt/<i>.png`, as the zip unpacks).
 */

/** Paths of one frame's files. */
export interface FrameFiles {
  /** Integer stem of the file names (`12` for `color/12.jpg`). */
  index: number
  color: string
  depth: string
  pose: string
  label?: string
}

/** Integer stems of `color/<i>.jpg` files, ascending (numeric, not lexicographic: 2 < 10). */
export function listFrameStems(colorDir: string): number[] {
  const stems: number[] = []
  for (const name of readdirSync(colorDir)) {
    const m = /^(\d+)\.jpe?g$/i.exec(name)
    if (m) stems.push(Number(m[1]))
  }
  return stems.sort((a, b) => a - b)
}

/** The file name of frame `stem` in a folder, keeping the extension actually used (.jpg or .jpeg). */
export function colorFile(colorDir: string, stem: number): string {
  const jpg = join(colorDir, `${stem}.jpg`)
  return existsSync(jpg) ? jpg : join(colorDir, `${stem}.jpeg`)
}

/** The folder with label-filt PNGs, or undefined when the scene has none. */
export function findLabelDir(dir: string): string | undefined {
  const direct = join(dir, 'label-filt')
  if (existsSync(direct)) return direct
  for (const name of readdirSync(dir)) {
    if (name.endsWith('_2d-label-filt')) {
      const inner = join(dir, name, 'label-filt')
      if (existsSync(inner)) return inner
    }
  }
  return undefined
}

const EDGE = 256

/**
 * Adds a file to an identity hash: its name, size, and first and last 256 bytes. Reading whole
 * frames would cost as much as decoding them; sizes plus both ends change with any re-encode or
 * truncation, which is what a cache key has to notice (a same-size edit in the middle of a
 * JPEG is not detected: documented in the README).
 */
export function hashFileSample(hash: ReturnType<typeof createHash>, file: string, name: string, frame?: string): void {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (e) {
    fail('PLAF_INPUT_INVALID', `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable'}${frame ? ` (frame ${frame})` : ''}`, { file, frame, cause: e })
  }
  try {
    const size = statSync(file).size
    const head = Buffer.alloc(Math.min(EDGE, size))
    readSync(fd, head, 0, head.length, 0)
    const tail = Buffer.alloc(Math.min(EDGE, size))
    readSync(fd, tail, 0, tail.length, size - tail.length)
    hash.update(`${name}\0${size}\0`).update(head).update(tail)
  } finally {
    closeSync(fd)
  }
}
