import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/**
 * File layout of an rgbd-folder, the documented format for a user's own RGB-D recording:
 * ```
 * <folder>/intrinsics.json            colour (and optionally depth) intrinsics with sizes, depth_scale
 * <folder>/color/<stem>.jpg|.png      colour images
 * <folder>/depth/<stem>.png|.npy      16-bit PNG in depth_scale units per metre, or float32 metres
 * <folder>/pose/<stem>.txt            4×4 pose per frame   — or —
 * <folder>/trajectory.txt             TUM lines `timestamp tx ty tz qx qy qz qw`, stems are timestamps
 * ```
 */
export const RGBD_FOLDER_LAYOUT = 'intrinsics.json, color/, depth/, and pose/ or trajectory.txt'

const COLOR_EXT = /^(.+)\.(jpe?g|png)$/i
const DEPTH_EXT = /^(.+)\.(png|npy)$/i

/** One frame of the sequence, by stem, with its colour file (undefined when only its depth or pose file is there). */
export interface StemFile {
  stem: string
  name: string | undefined
}

/** Names in a folder, or undefined when it does not exist or is not a folder. */
export function listFolder(dir: string): string[] | undefined {
  try {
    return statSync(dir).isDirectory() ? readdirSync(dir) : undefined
  } catch {
    return undefined
  }
}

const numeric = (s: string): boolean => /^[+-]?(\d+\.?\d*|\.\d+)$/.test(s)

/** Sorts stems in sequence order: numeric when every stem is a number (`2` before `10`; timestamps), natural string order otherwise. */
function sortStems<T extends { stem: string }>(files: T[]): T[] {
  if (files.every((f) => numeric(f.stem))) return files.sort((a, b) => Number(a.stem) - Number(b.stem))
  return files.sort((a, b) => a.stem.localeCompare(b.stem, 'en', { numeric: true }))
}

/** Colour files by stem, in sequence order (see `sortStems`). */
export function colorStems(names: readonly string[]): StemFile[] {
  return sortStems(names.map((name) => ({ name, m: COLOR_EXT.exec(name) })).filter((x) => x.m).map((x) => ({ stem: x.m![1], name: x.name })))
}

/**
 * The frames of a folder: the union of the stems of colour, depth and (when poses are files)
 * pose files, in sequence order, each with its colour file when it has one. A frame with depth or
 * a pose but no colour image is listed, so that reading it names the missing image instead of
 * the frame silently not being there.
 */
export function frameStems(colorNames: readonly string[], depthNames: readonly string[], poseNames: readonly string[] = []): StemFile[] {
  const files = colorStems(colorNames)
  const seen = new Set(files.map((f) => f.stem))
  const poseStems = poseNames.map((name) => /^(.+)\.txt$/i.exec(name)?.[1]).filter((s) => s !== undefined)
  for (const stem of [...depthByStem(depthNames).keys(), ...poseStems]) {
    if (!seen.has(stem)) files.push({ stem, name: undefined })
    seen.add(stem)
  }
  return sortStems(files)
}

/** Depth file names by stem (`.png` preferred when both exist). */
export function depthByStem(names: readonly string[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const name of names) {
    const m = DEPTH_EXT.exec(name)
    if (m && (!out.has(m[1]) || m[2].toLowerCase() === 'png')) out.set(m[1], name)
  }
  return out
}

/** Where an rgbd-folder's poses come from. */
export type PoseSource = { kind: 'files'; dir: string } | { kind: 'trajectory'; file: string }

/** The pose source of a folder: `pose/`, or `trajectory.txt`; undefined when neither exists, 'both' when both do. */
export function findPoseSource(folder: string): PoseSource | 'both' | undefined {
  const dir = join(folder, 'pose')
  const file = join(folder, 'trajectory.txt')
  const hasDir = existsSync(dir), hasFile = existsSync(file)
  if (hasDir && hasFile) return 'both'
  if (hasDir) return { kind: 'files', dir }
  if (hasFile) return { kind: 'trajectory', file }
  return undefined
}
