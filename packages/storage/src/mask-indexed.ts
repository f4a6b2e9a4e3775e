import { defineStage, fail, type OptionsSchema, type SemanticMemory2D } from '@plaf/core'
import { denseBytes, indexedBytes, storageRatio } from './figures.js'
import { frameIdOf, writeBatch, type OutputBatch } from './files.js'
import { writeFrameFiles, type FrameCodec, type IdsFormat, type Memory2D, type TableFormat } from './frame-files.js'
import { FrameIndexBuilder, type FrameEntry } from './frame-index.js'
import { read2DFrame } from './open2d.js'
import { tableDtypeOption, tableElementBytes, type TableDtype } from './table-codec.js'
import { VERSION } from './version.js'

/** Options of `mask-indexed`. */
export interface MaskIndexedOptions {
  feature_dtype: TableDtype
  ids_format: IdsFormat
  table_format: TableFormat
}

/** `format` of a mask-indexed `index.json`. */
export const MASK_INDEXED_FORMAT = 'plaf-mask-indexed'

/** What one stored frame adds: its index entry (manifest included in the bytes) and, for int8, its worst-row cosine. */
export interface StoredFrame {
  entry: FrameEntry
  dense_float32_bytes: number
  int8_worst_row_cosine?: number
}

/**
 * Writes one frame (id map, table, int8 scales, `<frameId>.json`) into `dir` through `batch`;
 * returns its index entry, whose `bytes` counts every file of the frame, manifest included.
 */
export function writeMaskIndexedFrame(dir: string, frameId: string, memory: Memory2D, codec: FrameCodec, batch: OutputBatch): StoredFrame {
  const { manifest, manifestBytes } = writeFrameFiles(dir, frameId, memory, codec, batch)
  const files: Record<string, string> = { ids: manifest.ids.file, features: manifest.table.file, manifest: `${frameId}.json` }
  if (manifest.table.scales_file) files.scales = manifest.table.scales_file
  const file_bytes = { ...manifest.file_bytes, manifest: manifestBytes }
  return {
    entry: { id: frameId, files, file_bytes, bytes: manifest.bytes + manifestBytes, image_size: manifest.image_size, rows: manifest.rows },
    dense_float32_bytes: manifest.dense_float32_bytes,
    int8_worst_row_cosine: manifest.int8_worst_row_cosine,
  }
}

/**
 * Reads one stored frame of a mask-indexed directory back into a SemanticMemory2D (features widened
 * to float32). An id map with ids beyond 65,535 cannot be a SemanticMemory2D: PLAF_INPUT_INVALID
 * (read it with `open2D`, or `read2DFrame`).
 */
export function readMaskIndexedFrame(dir: string, frameId: string): SemanticMemory2D {
  const f = read2DFrame(dir, frameId)
  if (!(f.ids.data instanceof Uint16Array)) {
    fail('PLAF_INPUT_INVALID', `frame ${frameId} in ${dir} has 32-bit ids; a SemanticMemory2D holds 16-bit ids`, { file: dir, frame: frameId, hint: 'read it with open2D(dir)' })
  }
  return { ids: { data: f.ids.data, shape: f.ids.shape }, features: { data: f.features(), shape: f.table.shape }, space: f.space }
}

const options: OptionsSchema<MaskIndexedOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    feature_dtype: tableDtypeOption,
    ids_format: {
      type: 'string', enum: ['png', 'npy'], default: 'png',
      description: 'Id map file: png (16-bit greyscale PNG, compressed) or npy (<u2, or <u4 when an id exceeds 65,535).',
    },
    table_format: {
      type: 'string', enum: ['npy', 'safetensors'], default: 'npy',
      description: 'Feature table file: npy (int8 row scales in <frame>.scales.npy) or safetensors (tensors features and, for int8, scales).',
    },
  },
}

/**
 * `mask-indexed`: the paper's 2D semantic memory on disk (eqs. (4)–(6)). Per frame an id map and a
 * rows×D feature table (row 0 = background) tied together by `<frame>.json`; `index.json` lists
 * the frames with the storage figures.
 */
export const maskIndexedStorage = defineStage<MaskIndexedOptions, { memory: 'SemanticMemory2D' }, Record<string, never>>({
  name: 'mask-indexed',
  kind: 'storage2d',
  version: VERSION,
  package: '@plaf/storage',
  description: 'Stores each frame as a mask-id map (16-bit PNG or .npy) plus a feature table (.npy or safetensors; float32, float16 or int8), one row per mask, with a per-frame manifest.',
  options,
  inputs: { memory: 'SemanticMemory2D' },
  outputs: {},
  async create(opts, ctx) {
    const index = new FrameIndexBuilder(MASK_INDEXED_FORMAT, opts.feature_dtype, ctx.stage)
    const codec: FrameCodec = { feature_dtype: opts.feature_dtype, ids_format: opts.ids_format, table_format: opts.table_format }
    let denseTotal = 0
    let worst: number | null = null
    return {
      run({ memory }, rc) {
        const id = frameIdOf(rc.frame, ctx.stage)
        index.check(id, memory.space, memory.features.shape[1])
        const stored = writeBatch((batch) => writeMaskIndexedFrame(ctx.outDir, id, memory, codec, batch))
        index.add(stored.entry, memory.space, memory.features.shape[1])
        denseTotal += stored.dense_float32_bytes
        if (stored.int8_worst_row_cosine !== undefined) worst = Math.min(worst ?? 1, stored.int8_worst_row_cosine)
        rc.metric('bytes', stored.entry.bytes, 'B')
        rc.metric('dense_float32_bytes', stored.dense_float32_bytes, 'B')
        rc.metric('frames', 1)
        rc.metric('rows', stored.entry.rows ?? 0)
        return {}
      },
      finish(_inputs, rc) {
        const dim = index.featureDim ?? 0
        // eqs. (4)–(6) as the paper writes them: the table's b on both sides
        const b = tableElementBytes(opts.feature_dtype)
        let dense = 0
        let paper = 0
        let measured = 0
        for (const f of index.entries) {
          const pixels = f.image_size[0] * f.image_size[1]
          dense += denseBytes(pixels, dim, b)
          paper += indexedBytes(pixels, 2, f.rows ?? 0, dim, b)
          measured += f.bytes
        }
        const ratio = storageRatio(measured, denseTotal)
        if (ratio !== null) rc.metric('ratio_to_dense_float32', ratio)
        if (worst !== null) rc.metric('int8_worst_row_cosine', worst)
        rc.metric('feature_bytes', b)
        writeBatch((batch) => index.write(ctx.outDir, batch, {
          bytes: measured,
          dense_float32_bytes: denseTotal,
          ratio_to_dense_float32: ratio,
          int8_worst_row_cosine: worst,
          paper_feature_bytes: b,
          paper_dense_bytes: dense,
          paper_mask_indexed_bytes: paper,
          paper_ratio: storageRatio(paper, dense),
          ratio_to_paper_dense: storageRatio(measured, dense),
        }))
        return {}
      },
      read: async (frame) => ({ memory: readMaskIndexedFrame(ctx.outDir, frameIdOf(frame, ctx.stage)) }),
    }
  },
})
