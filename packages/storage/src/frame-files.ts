import { join } from 'node:path'
import { decodeNpy, decodePng, encodeNpy, encodePng, fail, PlafError } from '@plaf/core'
import { npyFileBytes, type OutputBatch, readBytes, storedFile } from './files.js'
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from './safetensors.js'
import { decodeTable, encodeTable, worstRowCosine, type StoredTable, type TableDtype } from './table-codec.js'

/** How a mask-indexed id map is stored: 16-bit greyscale PNG, or `.npy` (`<u2`, or `<u4` beyond 65,535 ids). */
export type IdsFormat = 'png' | 'npy'
/** How a mask-indexed feature table is stored: `.npy` (int8 scales in a second `.npy`) or one safetensors file. */
export type TableFormat = 'npy' | 'safetensors'

/** `format` of a per-frame mask-indexed manifest `<frame>.json`. */
export const FRAME_MANIFEST_FORMAT = 'plaf-mask-indexed-frame'

/** A 2D memory as the writer takes it: like SemanticMemory2D, but ids may be 32-bit. */
export interface Memory2D {
  ids: { data: Uint16Array | Uint32Array; shape: [h: number, w: number] }
  features: { data: Float32Array; shape: [rows: number, d: number] }
  space: string
}

/** `<frame>.json`: ties one frame's files together and states their layout and size. */
export interface FrameManifest {
  format: typeof FRAME_MANIFEST_FORMAT
  version: 1
  id: string
  space: string
  /** [height, width] of the id map. */
  image_size: [h: number, w: number]
  /** Feature table rows (row 0 is the background, all zero) and columns. */
  rows: number
  feature_dim: number
  feature_dtype: TableDtype
  ids: { file: string; format: IdsFormat; dtype: 'uint16' | 'uint32' }
  /** safetensors: tensors `features` (and `scales` for int8); npy: `scales_file` for int8. */
  table: { file: string; format: TableFormat; scales_file?: string }
  /** Bytes of each data file (the manifest excluded) and their sum. */
  file_bytes: Record<string, number>
  bytes: number
  /** Size of the dense float32 per-pixel `.npy` at this resolution (H×W×D, header included) and bytes / it. */
  dense_float32_bytes: number
  ratio_to_dense_float32: number | null
  /** int8 only: lowest cosine between a stored row (dequantised) and its float32 row. */
  int8_worst_row_cosine?: number
}

/** Codec choices of one frame. */
export interface FrameCodec {
  feature_dtype: TableDtype
  ids_format: IdsFormat
  table_format: TableFormat
}

function maxId(ids: Uint16Array | Uint32Array): number {
  let m = 0
  for (let i = 0; i < ids.length; i++) if (ids[i] > m) m = ids[i]
  return m
}

/** The safetensors tensors of a stored table. */
function tableTensors(t: StoredTable): Record<string, SafetensorsTensor> {
  const shape = [...t.shape]
  if (t.dtype === 'int8') return { features: { dtype: 'I8', shape, data: t.data }, scales: { dtype: 'F32', shape: [t.shape[0]], data: t.scales } }
  return { features: { dtype: t.dtype === 'float16' ? 'F16' : 'F32', shape, data: t.data } }
}

/**
 * Writes one frame of a mask-indexed memory into `dir` through `batch`: the id map, the table (and
 * int8 scales), then `<frameId>.json`. Returns the manifest and the manifest's own size in bytes.
 * A PNG id map holds at most id 65,535: a larger id there is PLAF_PORT_VALUE_INVALID (use `.npy`).
 */
export function writeFrameFiles(dir: string, frameId: string, memory: Memory2D, codec: FrameCodec, batch: OutputBatch): { manifest: FrameManifest; manifestBytes: number } {
  const [h, w] = memory.ids.shape
  const [rows, d] = memory.features.shape
  const top = maxId(memory.ids.data)
  if (rows < 1 || top >= rows) {
    fail('PLAF_PORT_VALUE_INVALID', `frame ${frameId}: the id map uses id ${top} but the feature table has ${rows} rows`, { frame: frameId })
  }
  const wide = top > 0xffff
  if (wide && codec.ids_format === 'png') {
    fail('PLAF_PORT_VALUE_INVALID', `frame ${frameId}: id ${top} does not fit a 16-bit PNG id map`, { frame: frameId, hint: 'set ids_format: npy (32-bit ids beyond 65,535 masks)' })
  }
  const file_bytes: Record<string, number> = {}
  const idsFile = `${frameId}.ids.${codec.ids_format}`
  if (codec.ids_format === 'png') {
    file_bytes.ids = batch.file(join(dir, idsFile), encodePng({ width: w, height: h, channels: 1, data: memory.ids.data as Uint16Array }))
  } else {
    const data = wide ? Uint32Array.from(memory.ids.data) : Uint16Array.from(memory.ids.data)
    file_bytes.ids = batch.file(join(dir, idsFile), encodeNpy({ data, shape: [h, w], dtype: wide ? '<u4' : '<u2' }))
  }
  const table = encodeTable(memory.features.data, rows, d, codec.feature_dtype)
  const tableFile = `${frameId}.features.${codec.table_format}`
  let scalesFile: string | undefined
  if (codec.table_format === 'safetensors') {
    const meta = { format: 'plaf-mask-indexed', space: memory.space, feature_dtype: codec.feature_dtype }
    file_bytes.features = batch.file(join(dir, tableFile), encodeSafetensors(tableTensors(table), meta))
  } else {
    const npyDtype = table.dtype === 'int8' ? '|i1' : table.dtype === 'float16' ? '<f2' : '<f4'
    file_bytes.features = batch.file(join(dir, tableFile), encodeNpy({ data: table.data, shape: [rows, d], dtype: npyDtype }))
    if (table.dtype === 'int8') {
      scalesFile = `${frameId}.scales.npy`
      file_bytes.scales = batch.file(join(dir, scalesFile), encodeNpy({ data: table.scales, shape: [rows], dtype: '<f4' }))
    }
  }
  const bytes = Object.values(file_bytes).reduce((a, b) => a + b, 0)
  const dense = npyFileBytes([h, w, d], '<f4')
  const manifest: FrameManifest = {
    format: FRAME_MANIFEST_FORMAT, version: 1, id: frameId, space: memory.space, image_size: [h, w], rows, feature_dim: d,
    feature_dtype: codec.feature_dtype,
    ids: { file: idsFile, format: codec.ids_format, dtype: wide ? 'uint32' : 'uint16' },
    table: { file: tableFile, format: codec.table_format, ...(scalesFile ? { scales_file: scalesFile } : {}) },
    file_bytes, bytes, dense_float32_bytes: dense, ratio_to_dense_float32: dense > 0 ? bytes / dense : null,
  }
  if (table.dtype === 'int8') manifest.int8_worst_row_cosine = worstRowCosine(memory.features.data, decodeTable(table), rows, d)
  const manifestBytes = batch.file(join(dir, `${frameId}.json`), JSON.stringify(manifest, null, 1) + '\n')
  return { manifest, manifestBytes }
}

const invalid = (file: string, frame: string, message: string): never => fail('PLAF_INPUT_INVALID', message, { file, frame })

/** Reads a stored id map; checks its size against the manifest. */
export function readIds(dir: string, m: FrameManifest): Uint16Array | Uint32Array {
  const path = storedFile(dir, m.ids?.file, join(dir, `${m.id}.json`))
  const bytes = readBytes(path, 'id map')
  const [h, w] = m.image_size
  let data: Uint16Array | Uint32Array
  let shape: number[]
  if (m.ids.format === 'png') {
    let png
    try {
      png = decodePng(bytes, path)
    } catch (e) {
      if (e instanceof PlafError) throw e
      return invalid(path, m.id, `${path} is not a readable PNG: ${(e as Error).message}`)
    }
    if (png.channels !== 1 || png.depth !== 16) invalid(path, m.id, `${path} must be a 16-bit greyscale PNG, found ${png.depth}-bit with ${png.channels} channels`)
    data = png.data as Uint16Array
    shape = [png.height, png.width]
  } else {
    const npy = decodeNpy(bytes, path)
    if ((npy.dtype !== '<u2' && npy.dtype !== '<u4') || npy.shape.length !== 2) invalid(path, m.id, `${path} must be a 2-D uint16/uint32 array, found ${npy.dtype} (${npy.shape.join(', ')})`)
    data = npy.data as Uint16Array | Uint32Array
    shape = npy.shape
  }
  if (shape[0] !== h || shape[1] !== w) invalid(path, m.id, `${path} is ${shape[0]}×${shape[1]}, its manifest says ${h}×${w}`)
  const top = maxId(data)
  if (top >= m.rows) invalid(path, m.id, `${path} uses id ${top} but the feature table has ${m.rows} rows`)
  return data
}

/** Reads a stored feature table exactly as written (no widening); checks it against the manifest. */
export function readTable(dir: string, m: FrameManifest): StoredTable {
  const path = storedFile(dir, m.table?.file, join(dir, `${m.id}.json`))
  const want: Record<TableDtype, [string, string]> = { float32: ['<f4', 'F32'], float16: ['<f2', 'F16'], int8: ['|i1', 'I8'] }
  const [npyDtype, stDtype] = want[m.feature_dtype] ?? invalid(path, m.id, `unknown feature_dtype ${JSON.stringify(m.feature_dtype)} in the manifest of frame ${m.id}`)
  let data: StoredTable['data']
  let shape: number[]
  let scales: Float32Array | undefined
  if (m.table.format === 'safetensors') {
    const st = decodeSafetensors(readBytes(path, 'feature table'), path)
    const f = st.tensors.features ?? invalid(path, m.id, `${path} has no tensor "features"`)
    if (f.dtype !== stDtype) invalid(path, m.id, `${path}: tensor features is ${f.dtype}, the manifest says ${m.feature_dtype} (${stDtype})`)
    data = f.data as StoredTable['data']
    shape = f.shape
    if (m.feature_dtype === 'int8') {
      const s = st.tensors.scales
      if (!s || s.dtype !== 'F32' || s.shape.length !== 1) invalid(path, m.id, `${path} needs an F32 tensor "scales" (one per row) for int8 features`)
      scales = s!.data as Float32Array
    }
  } else {
    const npy = decodeNpy(readBytes(path, 'feature table'), path)
    if (npy.dtype !== npyDtype) invalid(path, m.id, `${path} is ${npy.dtype}, the manifest says ${m.feature_dtype} (${npyDtype})`)
    data = npy.data as StoredTable['data']
    shape = npy.shape
    if (m.feature_dtype === 'int8') {
      const sp = storedFile(dir, m.table.scales_file ?? invalid(path, m.id, `the manifest of frame ${m.id} names no scales_file for its int8 table`), join(dir, `${m.id}.json`))
      const s = decodeNpy(readBytes(sp, 'int8 row scales'), sp)
      if (s.dtype !== '<f4' || s.shape.length !== 1) invalid(sp, m.id, `${sp} must be a 1-D float32 array, found ${s.dtype} (${s.shape.join(', ')})`)
      scales = s.data as Float32Array
    }
  }
  if (shape.length !== 2 || shape[0] !== m.rows || shape[1] !== m.feature_dim) {
    invalid(path, m.id, `${path} has shape (${shape.join(', ')}), the manifest says (${m.rows}, ${m.feature_dim})`)
  }
  if (scales && scales.length !== m.rows) invalid(path, m.id, `frame ${m.id}: ${scales.length} int8 row scales for ${m.rows} rows`)
  const s2: [number, number] = [shape[0], shape[1]]
  if (m.feature_dtype === 'int8') return { dtype: 'int8', data: data as Int8Array, scales: scales!, shape: s2 }
  return m.feature_dtype === 'float16' ? { dtype: 'float16', data: data as Uint16Array, shape: s2 } : { dtype: 'float32', data: data as Float32Array, shape: s2 }
}
