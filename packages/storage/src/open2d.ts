import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fail } from '@plaf/core'
import { FRAME_MANIFEST_FORMAT, readIds, readTable, type FrameManifest } from './frame-files.js'
import { INDEX_FILE, readFrameIndex, type FrameIndex } from './frame-index.js'
import { readJson } from './files.js'
import { decodeTable, type StoredTable } from './table-codec.js'

/** One frame of a mask-indexed directory, exactly as stored. */
export interface Stored2DFrame {
  id: string
  manifest: FrameManifest
  space: string
  /** The id map as stored: Uint16Array, or Uint32Array for a `<u4` `.npy`. */
  ids: { data: Uint16Array | Uint32Array; shape: [h: number, w: number] }
  /** The feature table as stored (float32 rows, float16 half bits, or int8 with row scales). */
  table: StoredTable
  /** The table widened to float32 (int8: q · scale), [rows, D]. */
  features(): Float32Array
}

/** A mask-indexed directory opened by {@link open2D}. */
export interface Opened2D {
  dir: string
  /** Stored frame ids, sorted. */
  frames: string[]
  /** Reads one frame; PLAF_FILE_NOT_FOUND naming the directory when it is not stored. */
  read(frameId: string): Stored2DFrame
}

const MANIFEST = /^(.+)\.json$/

/** Reads and checks `<dir>/<frameId>.json`. */
export function readFrameManifest(dir: string, frameId: string): FrameManifest {
  const path = join(dir, `${frameId}.json`)
  const v = readJson(path, 'frame manifest') as unknown as FrameManifest
  const bad = (why: string): never => fail('PLAF_INPUT_INVALID', `${path}: ${why}`, { file: path, frame: frameId })
  if (v.format !== FRAME_MANIFEST_FORMAT) bad(`format is ${JSON.stringify(v.format)}, expected "${FRAME_MANIFEST_FORMAT}"`)
  if (v.version !== 1) bad(`version ${String(v.version)}; this reader knows version 1`)
  if (v.id !== frameId) bad(`id is ${JSON.stringify(v.id)}, the file name says ${JSON.stringify(frameId)}`)
  if (!Array.isArray(v.image_size) || !Number.isInteger(v.rows) || !Number.isInteger(v.feature_dim)) bad('image_size, rows and feature_dim are required')
  if (!v.ids || !['png', 'npy'].includes(v.ids.format) || typeof v.ids.file !== 'string') bad('ids must name a file and a format (png or npy)')
  if (!v.table || !['npy', 'safetensors'].includes(v.table.format) || typeof v.table.file !== 'string') bad('table must name a file and a format (npy or safetensors)')
  return v
}

/** A manifest for a frame written before per-frame manifests existed (index.json only: PNG ids, `.npy` table). */
function legacyManifest(index: FrameIndex, frameId: string): FrameManifest | null {
  const e = index.frames.find((f) => f.id === frameId)
  if (!e) return null
  return {
    format: FRAME_MANIFEST_FORMAT, version: 1, id: e.id, space: index.space ?? '', image_size: e.image_size, rows: e.rows ?? 0,
    feature_dim: index.feature_dim ?? 0, feature_dtype: index.feature_dtype,
    ids: { file: e.files.ids, format: 'png', dtype: 'uint16' }, table: { file: e.files.features, format: 'npy' },
    file_bytes: e.file_bytes, bytes: e.bytes, dense_float32_bytes: 0, ratio_to_dense_float32: null,
  }
}

/**
 * Opens a `mask-indexed` output directory. Frames are found by their `<frame>.json` manifests, so a
 * directory whose run was interrupted (no `index.json` yet) reads too; a directory written before
 * per-frame manifests is read through its `index.json`. Each `read` returns the id map and table
 * exactly as written, checked against the manifest (sizes, dtypes, ids < rows).
 */
export function open2D(dir: string): Opened2D {
  if (!existsSync(dir)) fail('PLAF_FILE_NOT_FOUND', `mask-indexed directory ${dir} does not exist`, { file: dir })
  const frames = readdirSync(dir)
    .filter((f) => f !== INDEX_FILE && MANIFEST.test(f))
    .map((f) => MANIFEST.exec(f)![1])
    .sort()
  const legacy = !frames.length && existsSync(join(dir, INDEX_FILE)) ? readFrameIndex(dir, 'plaf-mask-indexed') : null
  if (legacy) frames.push(...legacy.frames.map((f) => f.id).sort())
  return {
    dir,
    frames,
    read(frameId) {
      if (!frames.includes(frameId)) {
        fail('PLAF_FILE_NOT_FOUND', `frame ${frameId} is not stored in ${dir} (${frames.length} frames)`, { file: join(dir, `${frameId}.json`), frame: frameId })
      }
      return readStored(dir, legacy ? legacyManifest(legacy, frameId)! : readFrameManifest(dir, frameId))
    },
  }
}

function readStored(dir: string, manifest: FrameManifest): Stored2DFrame {
  const ids = readIds(dir, manifest)
  const table = readTable(dir, manifest)
  return {
    id: manifest.id,
    manifest,
    space: manifest.space,
    ids: { data: ids, shape: [manifest.image_size[0], manifest.image_size[1]] },
    table,
    features: () => decodeTable(table),
  }
}

/**
 * Reads one frame as {@link open2D}'s `read` does, without listing the directory when the frame's
 * manifest is there (the per-frame path of the plugin's `read`).
 */
export function read2DFrame(dir: string, frameId: string): Stored2DFrame {
  if (existsSync(join(dir, `${frameId}.json`))) return readStored(dir, readFrameManifest(dir, frameId))
  return open2D(dir).read(frameId)
}
