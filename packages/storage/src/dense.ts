import { join } from 'node:path'
import { decodeNpy, defineStage, fail, float32ToFloat16, type NpyDtype, type OptionsSchema, type SemanticMemory2D } from '@plaf/core'
import { featureBytes, featureDtypeOption, fromStored, npyDtypeOf, type FeatureDtype } from './feature-dtype.js'
import { denseBytes, storageRatio } from './figures.js'
import { frameIdOf, npyFileBytes, type OutputBatch, readBytes, storedFile, writeBatch } from './files.js'
import { FrameIndexBuilder, frameEntry, readFrameIndex, type FrameEntry } from './frame-index.js'
import { VERSION } from './version.js'

/** Options of `dense`. */
export interface DenseOptions {
  feature_dtype: FeatureDtype
  max_frames: number | null
  keep: boolean
}

/** `format` of a dense `index.json`. */
export const DENSE_FORMAT = 'plaf-dense'

/**
 * Streams `<id>.dense.npy`, the H×W×D per-pixel tensor (pixel p gets features[ids[p]]), one image
 * row at a time: memory stays at one row (W×D) plus the table, never H×W×D. An id without a table
 * row fails mid-stream and leaves no file behind.
 */
export function writeDenseFrame(dir: string, frameId: string, memory: SemanticMemory2D, dtype: FeatureDtype, batch: OutputBatch): FrameEntry {
  const [h, w] = memory.ids.shape
  const [rows, d] = memory.features.shape
  const ids = memory.ids.data
  const table = dtype === 'float16' ? float32ToFloat16(memory.features.data) : memory.features.data
  const row = dtype === 'float16' ? new Uint16Array(w * d) : new Float32Array(w * d)
  const file = `${frameId}.dense.npy`
  const size = batch.npy(join(dir, file), [h, w, d], npyDtypeOf(dtype), (write) => {
    for (let y = 0; y < h; y++) {
      for (let x = 0, o = 0; x < w; x++) {
        const id = ids[y * w + x]
        if (id >= rows) {
          fail('PLAF_PORT_VALUE_INVALID', `frame ${frameId}: pixel (${x}, ${y}) has id ${id} but the feature table has ${rows} rows`, { frame: frameId })
        }
        for (let k = 0, s = id * d; k < d; k++) row[o++] = table[s + k]
      }
      write(row)
    }
  })
  return { id: frameId, files: { dense: file }, file_bytes: { dense: size }, bytes: size, image_size: [h, w] }
}

/**
 * Measures `<id>.dense.npy` without writing it: checks every pixel's id as writing would, and
 * returns an entry whose `bytes` is the exact size the file would have (npyFileBytes) and that
 * lists no file (`measured_only`).
 */
export function measureDenseFrame(frameId: string, memory: SemanticMemory2D, dtype: FeatureDtype): FrameEntry {
  const [h, w] = memory.ids.shape
  const [rows, d] = memory.features.shape
  const ids = memory.ids.data
  for (let p = 0; p < ids.length; p++) {
    if (ids[p] >= rows) {
      fail('PLAF_PORT_VALUE_INVALID', `frame ${frameId}: pixel (${p % w}, ${Math.floor(p / w)}) has id ${ids[p]} but the feature table has ${rows} rows`, { frame: frameId })
    }
  }
  const size = npyFileBytes([h, w, d], npyDtypeOf(dtype))
  return { id: frameId, files: {}, file_bytes: {}, bytes: size, image_size: [h, w], measured_only: true }
}

/** A dense per-pixel tensor read back from disk (float16 widened to float32). */
export interface DenseFrame {
  data: Float32Array
  shape: [h: number, w: number, d: number]
  /** The stored element type. */
  dtype: NpyDtype
}

/**
 * Reads one `.dense.npy` file (H×W×D) into memory. Meant for tests, small crops and benchmarks:
 * at full resolution this is the very tensor the mask-indexed format avoids holding.
 */
export function readDenseFile(path: string): DenseFrame {
  const npy = decodeNpy(readBytes(path, 'dense feature file'), path)
  if ((npy.dtype !== '<f4' && npy.dtype !== '<f2') || npy.shape.length !== 3) {
    fail('PLAF_INPUT_INVALID', `${path} must be an H×W×D float32/float16 array, found ${npy.dtype} (${npy.shape.join(', ')})`, { file: path })
  }
  const [h, w, d] = npy.shape
  return { data: fromStored(npy.data as Float32Array | Uint16Array, npy.dtype), shape: [h, w, d], dtype: npy.dtype }
}

/** Reads the dense tensor of one frame of a `dense` output directory (through its index.json). */
export function readDenseFrame(dir: string, frameId: string): DenseFrame {
  const entry = frameEntry(readFrameIndex(dir, DENSE_FORMAT), dir, frameId)
  if (!entry.files.dense) {
    fail('PLAF_FILE_NOT_FOUND', `frame ${frameId} in ${join(dir, 'index.json')} was measured, not stored (dense with keep: false)`, { file: join(dir, 'index.json'), frame: frameId })
  }
  return readDenseFile(storedFile(dir, entry.files.dense, join(dir, 'index.json')))
}

const options: OptionsSchema<DenseOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    feature_dtype: featureDtypeOption,
    max_frames: {
      type: ['integer', 'null'],
      minimum: 0,
      default: null,
      description: 'Store only the first this-many frames (null = all); later frames write and report nothing, so a demo can measure the ratio to mask-indexed on a few frames.',
    },
    keep: {
      type: 'boolean',
      default: true,
      description: 'Write the .dense.npy files. false only measures them: each frame\'s exact file size (npy header + H×W×D data) is computed and reported, nothing but index.json is written.',
    },
  },
}

/**
 * `dense`: the per-pixel baseline of the paper's eq. (4), H×W×D features per frame as `.npy`,
 * streamed row by row so the tensor is never held in memory; `index.json` lists the frames.
 */
export const denseStorage = defineStage<DenseOptions, { memory: 'SemanticMemory2D' }, Record<string, never>>({
  name: 'dense',
  kind: 'storage2d',
  version: VERSION,
  package: '@plaf/storage',
  description: 'Baseline: stores every pixel\'s feature (H×W×D .npy per frame), to measure what mask-indexed storage saves.',
  options,
  inputs: { memory: 'SemanticMemory2D' },
  outputs: {},
  async create(opts, ctx) {
    const index = new FrameIndexBuilder(DENSE_FORMAT, opts.feature_dtype, ctx.stage)
    return {
      run({ memory }, rc) {
        const id = frameIdOf(rc.frame, ctx.stage)
        const stored = index.entries.some((f) => f.id === id)
        if (opts.max_frames !== null && !stored && index.entries.length >= opts.max_frames) return {}
        index.check(id, memory.space, memory.features.shape[1])
        const entry = opts.keep
          ? writeBatch((batch) => writeDenseFrame(ctx.outDir, id, memory, opts.feature_dtype, batch))
          : measureDenseFrame(id, memory, opts.feature_dtype)
        index.add(entry, memory.space, memory.features.shape[1])
        const [h, w] = memory.ids.shape
        rc.metric('bytes', entry.bytes, 'B')
        rc.metric('dense_float32_bytes', npyFileBytes([h, w, memory.features.shape[1]], '<f4'), 'B')
        rc.metric('frames', 1)
        return {}
      },
      finish(_inputs, rc) {
        // eq. (4) at the stored dtype's b (H·W·D·b); dense_float32_bytes is the float32 file
        const b = featureBytes(opts.feature_dtype)
        let dense = 0
        let measured = 0
        let dense32 = 0
        for (const f of index.entries) {
          dense += denseBytes(f.image_size[0] * f.image_size[1], index.featureDim ?? 0, b)
          dense32 += npyFileBytes([f.image_size[0], f.image_size[1], index.featureDim ?? 0], '<f4')
          measured += f.bytes
        }
        const ratio = storageRatio(measured, dense32)
        if (ratio !== null) rc.metric('ratio_to_dense_float32', ratio)
        rc.metric('feature_bytes', b)
        writeBatch((batch) => index.write(ctx.outDir, batch, {
          bytes: measured, dense_float32_bytes: dense32, ratio_to_dense_float32: ratio, paper_feature_bytes: b, paper_dense_bytes: dense, ratio_to_paper_dense: storageRatio(measured, dense),
        }))
        return {}
      },
    }
  },
})
