import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ADE20K_CLASSES } from './ade20k/classes.js'
import { openAde20kSplit } from './ade20k/reader.js'
import { fail, validateOptions, type InputPlugin, type Intrinsics } from '@plaf/core'
import { replicaInput, type ReplicaOptions } from './plugins/replica.js'
import { ade20kInput, type Ade20kOptions } from './plugins/ade20k.js'
import { openAde20kSource } from './ade20k/source.js'
import { rgbdFolderInput, type RgbdFolderOptions } from './plugins/rgbd-folder.js'
import { tumInput, type TumOptions } from './plugins/tum.js'
import { openReplicaSequence } from './replica/reader.js'
import { openTumSequence } from './tum/reader.js'
import { scannetInput, type ScannetOptions } from './plugins/scannet.js'
import { openRgbdFolder, isRgbdFolder } from './rgbd-folder/reader.js'
import { openScannetScene } from './scannet/reader.js'
import { indexSens } from './sens/header.js'
import { findSensFile, openSensFile } from './sens/reader.js'
import { findLabelsTsv, findScanMesh, readLabelTable, readScannetMesh, unknownLabelIds, unknownNyu40Ids } from './scannet/scan.js'
import type { LensDistortion } from './frames/distortion.js'
import type { FrameSkip } from './frames/select.js'
import type { DatasetFormat, DatasetSource } from './frames/source.js'

/** The formats `inspectDataset` (and `plaf data inspect`) reads today; the others are refused as not supported yet. */
export const INSPECT_FORMATS: readonly DatasetFormat[] = ['scannet', 'sens', 'rgbd-folder', 'tum', 'replica', 'ade20k']

/** Pinhole parameters without the image size (sizes are reported separately). */
export interface PinholeJson {
  fx: number
  fy: number
  cx: number
  cy: number
}

/** What `plaf data inspect --json` prints: exactly these fields. */
export interface InspectReport {
  format: DatasetFormat
  /** Frames the sequence holds. */
  frames: number
  /** Frames `plaf run` processes with the input's default options. */
  usable: number
  /** Every frame skipped, with the file and the reason. */
  skipped: FrameSkip[]
  color: { width: number; height: number }
  depth: { width: number; height: number } | null
  /** Colour and depth intrinsics, and the stored depth's units per metre (null: stored in metres); null for images without a camera (ADE20K). */
  intrinsics: { color: PinholeJson; depth: PinholeJson | null; depth_scale: number | null; distortion?: LensDistortion } | null
  /**
   * Label ids found in the label images, and those the label table does not know; for a ScanNet
   * scan with a `_vh_clean_2.labels.ply`, also the mesh's NYU40 labels (`mesh`). Null when the
   * data has neither.
   */
  labels: InspectLabels | null
  /** Only with `quick`: what was not checked, in words. */
  not_checked?: string[]
  /** What is odd about the data but does not stop a run, in words (a .sens with bytes after its last frame, a ScanNet export resized with its intrinsics scaled). */
  notes?: string[]
}

/** How `inspectDataset` reads. */
export interface InspectOptions {
  /**
   * Open the data set (file lists, headers, every pose, so `usable` and `skipped` are exact) but
   * decode only the first usable frame (ADE20K: the first image of each split); the report's
   * `not_checked` says what that leaves out.
   */
  quick?: boolean
  /** A .sens cut short: read the complete frames before the cut and list the cut as skipped (default true, the `scannet` input's `skip_damaged`); false: an error. */
  skipDamaged?: boolean
}

/** The labels part of an inspect report. */
export interface InspectLabels {
  /** What the ids are, and where they were checked. */
  set: string
  /** Ids found in the label images (none when the scan has only a labelled mesh). */
  found: number[]
  /** Found ids the label table does not list. */
  unknown: number[]
  /** The labelled mesh of a ScanNet scan: its NYU40 ids and those no TSV row maps to. */
  mesh?: { file: string; vertices: number; found: number[]; unknown: number[] }
}

const LAYOUTS = 'an rgbd-folder (intrinsics.json, color/, depth/), a ScanNet export (color/, depth/, pose/, intrinsic/), a .sens file, TUM (rgb.txt, depth.txt), Replica (results/, traj.txt) or ADE20K (images/, annotations/)'

/** Which format a path holds, from its layout alone (no frame is decoded). */
export function detectFormat(path: string): DatasetFormat {
  if (!existsSync(path)) fail('PLAF_FILE_NOT_FOUND', `${path} does not exist`, { file: path, expected: LAYOUTS })
  if (statSync(path).isFile()) {
    if (path.toLowerCase().endsWith('.sens')) return 'sens'
    fail('PLAF_INPUT_INVALID', `${path} is a file of no known dataset format`, { file: path, expected: LAYOUTS, actual: 'a file' })
  }
  const names = readdirSync(path)
  if (!names.length) fail('PLAF_INPUT_INVALID', `${path} is empty; no dataset to inspect`, { file: path, expected: LAYOUTS, actual: 'an empty directory' })
  const has = (n: string) => names.includes(n)
  if (isRgbdFolder(path)) return 'rgbd-folder'
  if (has('color') && has('intrinsic')) return 'scannet'
  if (has('rgb.txt') && has('depth.txt')) return 'tum'
  if (has('results') && has('traj.txt')) return 'replica'
  if (has('images') && has('annotations')) return 'ade20k'
  if (names.some((n) => n.toLowerCase().endsWith('.sens'))) return 'sens'
  // color/ and depth/ without either camera file: most likely an rgbd-folder missing its intrinsics.json, which its reader names.
  if (has('color') && has('depth')) return 'rgbd-folder'
  return fail('PLAF_INPUT_INVALID', `${path} holds no known dataset layout`, { file: path, expected: LAYOUTS, actual: names.slice(0, 8).join(', ') + (names.length > 8 ? ', …' : '') })
}

/** The plugin's defaults for a path option: exactly what `plaf run` would use. */
function defaults<O>(plugin: InputPlugin<O>, options: Record<string, unknown>): O {
  const r = validateOptions(plugin, options)
  if (r.errors.length) throw new Error(`internal: defaults of ${plugin.name} do not validate: ${JSON.stringify(r.errors)}`)
  return r.value as unknown as O
}

/** Opens a path in a given format with the input plugin's default options (warnings are not printed: skips are in `skips`). */
export function openDataset(path: string, format: DatasetFormat, o: { skipDamaged?: boolean } = {}): DatasetSource {
  const quiet = () => {}
  switch (format) {
    case 'rgbd-folder':
      return openRgbdFolder(defaults<RgbdFolderOptions>(rgbdFolderInput, { folder: path }), quiet)
    case 'scannet':
      return openScannetScene(defaults<ScannetOptions>(scannetInput, { scene: path }), quiet)
    case 'sens': {
      const file = findSensFile(path)
      if (!file) fail('PLAF_INPUT_INVALID', `${path} is not a .sens file, nor a directory holding one`, { file: path, expected: 'a .sens file', actual: path })
      return openSensFile(defaults<ScannetOptions>(scannetInput, { scene: file, skip_damaged: o.skipDamaged ?? true }), quiet)
    }
    case 'tum':
      return openTumSequence(defaults<TumOptions>(tumInput, { sequence: path }), quiet)
    case 'replica':
      return openReplicaSequence(defaults<ReplicaOptions>(replicaInput, { sequence: path }), quiet)
    case 'ade20k':
      return openAde20kSource(defaults<Ade20kOptions>(ade20kInput, { root: path }))
    default:
      return fail('PLAF_INPUT_INVALID', `format ${format} is not supported yet (supported: ${INSPECT_FORMATS.join(', ')})`, { file: path, expected: `one of ${INSPECT_FORMATS.join(', ')}`, actual: format })
  }
}

const pinhole = (k: Intrinsics): PinholeJson => ({ fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy })

/** Frames a .sens cut short can still be listed one by one (a larger count is a damaged header's, not frames). */
const MAX_LISTED_LOST = 100_000

/**
 * A .sens counted against its header: a file cut short lost the cut frame and every frame after
 * it, so `frames` is the header's count and each lost frame is skipped; bytes after the last of
 * the header's frames are a note (they are never read).
 */
function sensCounts(report: InspectReport, file: string): void {
  const idx = indexSens(file)
  const count = idx.header.frameCount
  if (idx.cut && count - idx.cut.frame <= MAX_LISTED_LOST) {
    report.frames = count
    const cut = idx.cut.frame
    for (let f = cut + 1; f < count; f++) {
      report.skipped.push({ frame: f, file, reason: `not in the file: it ends at byte ${idx.size}, in frame ${cut} of the ${count} its header claims` })
    }
    report.skipped.sort((a, b) => a.frame - b.frame)
  }
  const last = idx.frames.at(-1)
  const end = last ? last.offset + last.colorBytes + last.depthBytes : idx.header.framesOffset
  if (idx.cut || idx.frames.length !== count || end >= idx.size) return
  // after the frames ScanNet's writer puts num_imu_frames (uint64) and that many 128-byte IMU records
  const imuBytes = (): number | undefined => {
    if (end + 8 > idx.size) return undefined
    const fd = openSync(file, 'r')
    try {
      const b = Buffer.alloc(8)
      readSync(fd, b, 0, 8, end)
      const n = b.readBigUInt64LE(0)
      return n <= BigInt(Math.floor((idx.size - end - 8) / IMU_FRAME_BYTES)) ? 8 + Number(n) * IMU_FRAME_BYTES : undefined
    } finally {
      closeSync(fd)
    }
  }
  const imu = imuBytes()
  const from = end + (imu ?? 0)
  if (from < idx.size) {
    const after = imu === undefined ? `the last of its header's ${count} frames` : `its ${count} frames and IMU block (${(imu - 8) / IMU_FRAME_BYTES} records)`
    report.notes = [...(report.notes ?? []), `${file} has ${idx.size - from} bytes after ${after} (bytes ${from} to ${idx.size}): not read; a frame count too low in the header, or data appended to the file?`]
  }
}

/** Bytes of one IMU record of a .sens (ScanNet's IMUFrame: 5 × 3 doubles and a uint64 timestamp). */
const IMU_FRAME_BYTES = 128

/**
 * Reads a whole data set the way `plaf run` would (same reader, default options, every frame
 * decoded unless `quick`) and reports what `plaf data inspect` prints. A fault that stops a run
 * throws the same PlafError here; skips are listed, not thrown.
 */
export async function inspectDataset(path: string, format: DatasetFormat | 'auto' = 'auto', onFrame?: (done: number, total: number) => void, options: InspectOptions = {}): Promise<InspectReport> {
  const fmt = format === 'auto' ? detectFormat(path) : format
  if (fmt === 'ade20k') return inspectAde20k(path, onFrame, options.quick ?? false)
  const src = openDataset(path, fmt, { skipDamaged: options.skipDamaged })
  try {
    return await inspectFrames(path, fmt, src, onFrame, options.quick ?? false)
  } finally {
    await src.dispose?.()
  }
}

/** Why a frame whose depth has no valid pixel is counted as skipped: `plaf run`'s lifter skips it. */
export const NO_DEPTH_REASON = 'depth has no valid pixel (all zero); plaf run (backproject) skips it'

function hasValidDepth(d: Float32Array): boolean {
  for (let i = 0; i < d.length; i++) if (d[i] > 0 && d[i] < Infinity) return true
  return false
}

async function inspectFrames(path: string, fmt: DatasetFormat, src: DatasetSource, onFrame: ((done: number, total: number) => void) | undefined, quick: boolean): Promise<InspectReport> {
  const seen = new Uint8Array(65536)
  let anyLabels = false
  let done = 0
  let color = { width: 0, height: 0 }
  let depth: InspectReport['depth'] = null
  let intrinsics: InspectReport['intrinsics'] | undefined
  const noDepth: FrameSkip[] = []
  for await (const f of src.frames()) {
    if (f.depth && !hasValidDepth(f.depth.data)) noDepth.push({ frame: f.index, file: src.frameFiles?.(f.id)?.depth ?? path, reason: NO_DEPTH_REASON })
    if (intrinsics === undefined) {
      color = { width: f.rgb.shape[1], height: f.rgb.shape[0] }
      depth = f.depth ? { width: f.depth.shape[1], height: f.depth.shape[0] } : null
      intrinsics = f.colorIntrinsics ? { color: pinhole(f.colorIntrinsics), depth: f.depthIntrinsics ? pinhole(f.depthIntrinsics) : null, depth_scale: src.depthScale, ...(src.distortion ? { distortion: src.distortion } : {}) } : null
    }
    if (f.labels) {
      anyLabels = true
      const l = f.labels.data
      for (let i = 0; i < l.length; i++) seen[l[i]] = 1
    }
    done++
    onFrame?.(done, src.frameCount)
    if (quick) break
  }
  const labels = fmt === 'scannet' || fmt === 'sens' ? scanLabels(statSync(path).isFile() ? dirname(path) : path, anyLabels ? seen : undefined) : null
  const skipped = noDepth.length ? [...src.skips, ...noDepth].sort((a, b) => a.frame - b.frame) : src.skips
  const report: InspectReport = { format: fmt, frames: src.found, usable: src.frameCount - noDepth.length, skipped, color, depth, intrinsics: intrinsics ?? null, labels }
  if (src.notes?.length) report.notes = [...src.notes]
  if (fmt === 'sens') sensCounts(report, findSensFile(path)!)
  if (quick) {
    const rest = src.frameCount - done
    report.not_checked = [
      `the images of ${rest} of the ${src.frameCount} usable frames (only the first was decoded): a truncated or corrupt image, a depth image of the wrong bit depth, or a size change in them would stop a run`,
      ...(anyLabels ? [`the label ids of those ${rest} frames (labels.found and labels.unknown cover the first frame only)`] : []),
    ]
  }
  return report
}

const idsOf = (seen: Uint8Array): number[] => {
  const found: number[] = []
  for (let id = 1; id < seen.length; id++) if (seen[id]) found.push(id)
  return found
}

/** The labels of a ScanNet scan folder: the label images' raw ids seen, and the labelled mesh's NYU40 ids, each checked against the TSV. */
function scanLabels(dir: string, seen: Uint8Array | undefined): InspectLabels | null {
  const meshFile = findScanMesh(dir, true)
  if (!seen && !meshFile) return null
  const tsv = findLabelsTsv(dir)
  const table = tsv ? readLabelTable(tsv) : undefined
  const found = seen ? idsOf(seen) : []
  const labels: InspectLabels = {
    set: `${seen ? 'ScanNet raw label ids' : 'no label images'}${tsv ? ` (${tsv})` : ' (no scannetv2-labels.combined.tsv found: ids not checked)'}`,
    found, unknown: table ? unknownLabelIds(found, table) : [],
  }
  if (meshFile) {
    const mesh = readScannetMesh(meshFile, true)
    const meshSeen = new Uint8Array(65536)
    const l = mesh.labels!
    for (let i = 0; i < l.length; i++) meshSeen[l[i]] = 1
    const ids = idsOf(meshSeen)
    labels.mesh = { file: meshFile, vertices: mesh.vertexCount, found: ids, unknown: table ? unknownNyu40Ids(ids, table) : [] }
  }
  return labels
}

/** `inspectDataset` for ADEChallengeData2016: every image and annotation of both splits present, decoded and checked. */
async function inspectAde20k(root: string, onFrame: ((done: number, total: number) => void) | undefined, quick: boolean): Promise<InspectReport> {
  const splits = (['training', 'validation'] as const).filter((s) => existsSync(join(root, 'images', s)))
  if (!splits.length) fail('PLAF_INPUT_INVALID', `${root} has neither images/training/ nor images/validation/`, { file: root, expected: 'ADEChallengeData2016 (images/, annotations/)', actual: 'no split folders' })
  const sources = splits.map((s) => openAde20kSplit(root, s))
  const total = sources.reduce((a, s) => a + s.images.length, 0)
  const seen = new Uint8Array(256)
  let color: InspectReport['color'] | undefined
  let done = 0
  for (const src of sources) {
    for await (const sample of src.samples()) {
      color ??= { width: sample.image.shape[1], height: sample.image.shape[0] }
      const l = sample.labels.data
      for (let i = 0; i < l.length; i++) seen[l[i]] = 1
      done++
      onFrame?.(done, total)
      if (quick) break
    }
  }
  const found = idsOf(seen)
  const report: InspectReport = {
    format: 'ade20k', frames: total, usable: total, skipped: [], color: color!, depth: null, intrinsics: null,
    labels: { set: `ADE20K SceneParse150 (${ADE20K_CLASSES.length} classes, 0 = ignore; splits ${splits.join(', ')})`, found, unknown: [] },
  }
  if (quick) {
    report.not_checked = [
      `${total - done} of the ${total} images and their annotations (only the first of each split was decoded; every image was checked to have an annotation file): a corrupt image, an annotation of the wrong size, or a label above ${ADE20K_CLASSES.length} in them would stop a run`,
      `the label ids of those images (labels.found covers the decoded ones only)`,
    ]
  }
  return report
}
