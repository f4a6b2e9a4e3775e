import { join } from 'node:path'
import { fail } from '@plaf/core'
import type { TableDtype } from './table-codec.js'
import { readJson, type OutputBatch } from './files.js'

/** Name of the manifest a 2D codec writes next to its per-frame files. */
export const INDEX_FILE = 'index.json'

/** One stored frame in `index.json`. */
export interface FrameEntry {
  id: string
  /** Role → file name (relative to the index), e.g. `{ ids: '000120.ids.png', features: '000120.features.npy' }`. */
  files: Record<string, string>
  /** Role → bytes on disk. */
  file_bytes: Record<string, number>
  /** Sum of file_bytes. */
  bytes: number
  /** [height, width] of the id map / dense tensor. */
  image_size: [h: number, w: number]
  /** Feature table rows (mask-indexed only; row 0 is background). */
  rows?: number
  /** True when the frame was measured but its files were not written (`dense` with `keep: false`); `bytes` is then the size they would have. */
  measured_only?: true
}

/** `index.json` of a 2D codec output directory. */
export interface FrameIndex {
  format: string
  version: 1
  /** Embedding space of the features (as in SemanticMemory2D.space); null when no frame was stored. */
  space: string | null
  feature_dim: number | null
  feature_dtype: TableDtype
  /** [height, width] of the first stored frame; null when no frame was stored. */
  image_size: [h: number, w: number] | null
  frames: FrameEntry[]
  /** Bytes of all per-frame files (index.json itself excluded), written or only measured. */
  total_bytes: number
  /** Storage figures of the paper's cost model next to the measured total. */
  storage: Record<string, number | null>
}

/** Collects frame entries during a run, checks they agree, and writes `index.json` at the end. */
export class FrameIndexBuilder {
  private readonly frames: FrameEntry[] = []
  private space: string | null = null
  private dim: number | null = null

  constructor(
    private readonly format: string,
    private readonly dtype: TableDtype,
    private readonly stage: string,
  ) {}

  /** Checks a frame's space and feature dimension against the frames stored before it. */
  check(frame: string, space: string, d: number): void {
    if (this.space !== null && space !== this.space) {
      fail('PLAF_SPACE_MISMATCH', `${this.stage}: frame ${frame} is in space "${space}", earlier frames in "${this.space}"`, { frame, expected: this.space, actual: space })
    }
    if (this.dim !== null && d !== this.dim) {
      fail('PLAF_PORT_VALUE_INVALID', `${this.stage}: frame ${frame} has ${d}-dimensional features, earlier frames ${this.dim}`, { frame, expected: String(this.dim), actual: String(d) })
    }
  }

  /** Records a stored frame (a re-stored id replaces its earlier entry). */
  add(entry: FrameEntry, space: string, d: number): void {
    this.check(entry.id, space, d)
    this.space = space
    this.dim = d
    const at = this.frames.findIndex((f) => f.id === entry.id)
    if (at >= 0) this.frames[at] = entry
    else this.frames.push(entry)
  }

  /** Feature dimension of the stored frames (null before the first). */
  get featureDim(): number | null {
    return this.dim
  }

  /** The frames stored so far. */
  get entries(): readonly FrameEntry[] {
    return this.frames
  }

  /** Writes `index.json` into `dir` atomically and returns it. */
  write(dir: string, batch: OutputBatch, storage: Record<string, number | null>): FrameIndex {
    const index: FrameIndex = {
      format: this.format,
      version: 1,
      space: this.space,
      feature_dim: this.dim,
      feature_dtype: this.dtype,
      image_size: this.frames[0]?.image_size ?? null,
      frames: this.frames,
      total_bytes: this.frames.reduce((s, f) => s + f.bytes, 0),
      storage,
    }
    batch.file(join(dir, INDEX_FILE), JSON.stringify(index, null, 2) + '\n')
    return index
  }
}

/** Reads `<dir>/index.json` of the given format, with errors naming the file. */
export function readFrameIndex(dir: string, format: string): FrameIndex {
  const path = join(dir, INDEX_FILE)
  const v = readJson(path, `${format} index`)
  if (v.format !== format) fail('PLAF_INPUT_INVALID', `${path} is a "${String(v.format)}" index, expected "${format}"`, { file: path })
  if (v.version !== 1) fail('PLAF_INPUT_INVALID', `${path} has version ${String(v.version)}; this reader knows version 1`, { file: path })
  if (!Array.isArray(v.frames)) fail('PLAF_INPUT_INVALID', `${path} has no frames list`, { file: path })
  return v as unknown as FrameIndex
}

/** The entry of one frame, or a PLAF_FILE_NOT_FOUND naming the index and the frame. */
export function frameEntry(index: FrameIndex, dir: string, frameId: string): FrameEntry {
  const e = index.frames.find((f) => f.id === frameId)
  if (!e) fail('PLAF_FILE_NOT_FOUND', `frame ${frameId} is not stored in ${join(dir, INDEX_FILE)} (${index.frames.length} frames)`, { file: join(dir, INDEX_FILE), frame: frameId })
  return e
}
