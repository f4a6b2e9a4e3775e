import { join } from 'node:path'
import { decodeNpy, decodePng, defineStage, encodeNpy, encodePng, fail, PlafError, type OptionsSchema, type SemanticMemory2D } from '@plaf/core'
import { featureBytes, featureDtypeOption, fromStored, npyDtypeOf, toStored, type FeatureDtype } from './feature-dtype.js'
import { denseBytes, indexedBytes, storageRatio } from './figures.js'
import { frameIdOf, readBytes, writeBatch, type OutputBatch } from './files.js'
import { FrameIndexBuilder, frameEntry, readFrameIndex, type FrameEntry } from './frame-index.js'
import { VERSION } from './version.js'

/** Options of `mask-indexed`. */
export interface MaskIndexedOptions {
  feature_dtype: FeatureDtype
}

/** `format` of a mask-indexed `index.json`. */
export const MASK_INDEXED_FORMAT = 'plaf-mask-indexed'

/** Largest id in an id map. */
function maxId(ids: Uint16Array): number {
  let m = 0
  for (let i = 0; i < ids.length; i++) if (ids[i] > m) m = ids[i]
  return m
}

/**
 * Writes one frame's `<id>.ids.png` (16-bit greyscale id map) and `<id>.features.npy` (rows × D)
 * into `dir` through `batch`; returns its index entry.
 */
export function writeMaskIndexedFrame(dir: string, frameId: string, memory: SemanticMemory2D, dtype: FeatureDtype, batch: OutputBatch): FrameEntry {
  const [h, w] = memory.ids.shape
  const [rows, d] = memory.features.shape
  const top = maxId(memory.ids.data)
  if (rows < 1 || top >= rows) {
    fail('PLAF_PORT_VALUE_INVALID', `frame ${frameId}: the id map uses id ${top} but the feature table has ${rows} rows`, { frame: frameId })
  }
  const files = { ids: `${frameId}.ids.png`, features: `${frameId}.features.npy` }
  const file_bytes = {
    ids: batch.file(join(dir, files.ids), encodePng({ width: w, height: h, channels: 1, data: memory.ids.data })),
    features: batch.file(join(dir, files.features), encodeNpy({ data: toStored(memory.features.data, dtype), shape: [rows, d], dtype: npyDtypeOf(dtype) })),
  }
  return { id: frameId, files, file_bytes, bytes: file_bytes.ids + file_bytes.features, image_size: [h, w], rows }
}

/** Reads one stored frame of a mask-indexed directory back into a SemanticMemory2D (float32 features). */
export function readMaskIndexedFrame(dir: string, frameId: string): SemanticMemory2D {
  const index = readFrameIndex(dir, MASK_INDEXED_FORMAT)
  const entry = frameEntry(index, dir, frameId)
  const idsPath = join(dir, entry.files.ids)
  let png
  try {
    png = decodePng(readBytes(idsPath, 'id map'))
  } catch (e) {
    if (e instanceof PlafError) throw e
    fail('PLAF_INPUT_INVALID', `${idsPath} is not a readable PNG: ${(e as Error).message}`, { file: idsPath, frame: frameId, cause: e })
  }
  if (png.channels !== 1 || png.depth !== 16) {
    fail('PLAF_INPUT_INVALID', `${idsPath} must be a 16-bit greyscale PNG, found ${png.depth}-bit with ${png.channels} channels`, { file: idsPath, frame: frameId })
  }
  const featPath = join(dir, entry.files.features)
  const npy = decodeNpy(readBytes(featPath, 'feature table'), featPath)
  if ((npy.dtype !== '<f4' && npy.dtype !== '<f2') || npy.shape.length !== 2) {
    fail('PLAF_INPUT_INVALID', `${featPath} must be a 2-D float32/float16 array, found ${npy.dtype} (${npy.shape.join(', ')})`, { file: featPath, frame: frameId })
  }
  const [rows, d] = npy.shape
  if (index.feature_dim !== null && d !== index.feature_dim) {
    fail('PLAF_INPUT_INVALID', `${featPath} has ${d} columns, index.json says feature_dim ${index.feature_dim}`, { file: featPath, frame: frameId })
  }
  const ids = png.data as Uint16Array
  const top = maxId(ids)
  if (top >= rows) fail('PLAF_INPUT_INVALID', `${idsPath} uses id ${top} but ${featPath} has ${rows} rows`, { file: idsPath, frame: frameId })
  return {
    ids: { data: ids, shape: [png.height, png.width] },
    features: { data: fromStored(npy.data as Float32Array | Uint16Array, npy.dtype), shape: [rows, d] },
    space: index.space ?? '',
  }
}

const options: OptionsSchema<MaskIndexedOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: { feature_dtype: featureDtypeOption },
}

/**
 * `mask-indexed`: the paper's 2D semantic memory on disk (eqs. (4)–(6)). Per frame a 16-bit PNG id map and
 * a rows×D `.npy` feature table (row 0 = background); `index.json` ties the frames together.
 */
export const maskIndexedStorage = defineStage<MaskIndexedOptions, { memory: 'SemanticMemory2D' }, Record<string, never>>({
  name: 'mask-indexed',
  kind: 'storage2d',
  version: VERSION,
  package: '@plaf/storage',
  description: 'Stores each frame as a 16-bit PNG mask-id map plus a .npy feature table (one row per mask), with an index.json.',
  options,
  inputs: { memory: 'SemanticMemory2D' },
  outputs: {},
  async create(opts, ctx) {
    const index = new FrameIndexBuilder(MASK_INDEXED_FORMAT, opts.feature_dtype, ctx.stage)
    return {
      run({ memory }, rc) {
        const id = frameIdOf(rc.frame, ctx.stage)
        index.check(id, memory.space, memory.features.shape[1])
        const entry = writeBatch((batch) => writeMaskIndexedFrame(ctx.outDir, id, memory, opts.feature_dtype, batch))
        index.add(entry, memory.space, memory.features.shape[1])
        rc.metric('bytes', entry.bytes, 'B')
        rc.metric('frames', 1)
        rc.metric('rows', entry.rows ?? 0)
        return {}
      },
      finish() {
        const dim = index.featureDim ?? 0
        let dense = 0
        let paper = 0
        let measured = 0
        for (const f of index.entries) {
          const pixels = f.image_size[0] * f.image_size[1]
          dense += denseBytes(pixels, dim)
          paper += indexedBytes(pixels, 2, f.rows ?? 0, dim, featureBytes(opts.feature_dtype))
          measured += f.bytes
        }
        writeBatch((batch) => index.write(ctx.outDir, batch, {
          bytes: measured,
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
