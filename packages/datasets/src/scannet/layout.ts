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

/** Integer stems of the files in `dir` matching `ext` (e.g. /\.jpe?g$/i), ascending; none when `dir` cannot be listed. */
function stemsIn(dir: string, ext: RegExp): number[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  const stems: number[] = []
  for (const name of names) {
    const m = /^(\d+)(\.[^.]+)$/.exec(name)
    if (m && ext.test(m[2])) stems.push(Number(m[1]))
  }
  return stems.sort((a, b) => a - b)
}

/** Integer stems of `color/<i>.jpg` files, ascending (numeric, not lexicographic: 2 < 10). */
export function listFrameStems(colorDir: string): number[] {
  return stemsIn(colorDir, /^\.jpe?g$/i)
}

/** The frames a scene holds: which stems have which file, and the frames `<scene>.txt` counts. */
export interface SceneFrameList {
  /** Every frame index, ascending: the union of colour, depth and pose stems and of `counted`. */
  stems: number[]
  color: ReadonlySet<number>
  depth: ReadonlySet<number>
  pose: ReadonlySet<number>
  /** Frames implied by `<scene>.txt`'s frame count alone (no file of theirs exists), and why. */
  counted: ReadonlySet<number>
  /** `scene0000_00.txt says numColorFrames = 6, so frames 0 to 5`, when the count added frames. */
  countedBecause?: string
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b]
  return a
}

/**
 * Lists a scene's frames from the union of `color/<i>.jpg`, `depth/<i>.png` and `pose/<i>.txt`,
 * so that a frame missing one of its files is a frame with a gap (named when it is read), not a
 * frame that silently is not there. With `count` (`<scene>.txt`'s numColorFrames/numDepthFrames),
 * frames with no file at all are listed too: the indices below the count on the grid the export
 * used (SensReader's `frame_skip` writes 0, s, 2s, …; s is the greatest common divisor of the
 * stems found, 1 when only frame 0 is there).
 */
export function listSceneFrames(dir: string, count?: { value: number; because: string }): SceneFrameList {
  const color = new Set(listFrameStems(join(dir, 'color')))
  const depth = new Set(stemsIn(join(dir, 'depth'), /^\.png$/i))
  const pose = new Set(stemsIn(join(dir, 'pose'), /^\.txt$/i))
  const found = new Set([...color, ...depth, ...pose])
  const counted = new Set<number>()
  let countedBecause: string | undefined
  if (count && found.size) {
    const step = [...found].reduce(gcd, 0) || 1
    for (let i = 0; i < count.value; i += step) if (!found.has(i)) counted.add(i)
    const last = Math.floor((count.value - 1) / step) * step
    if (counted.size) countedBecause = `${count.because}, so frames 0 to ${last}${step > 1 ? `, every ${step}th (the stems' step)` : ''}`
  }
  const stems = [...found, ...counted].sort((a, b) => a - b)
  return { stems, color, depth, pose, counted, countedBecause }
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
