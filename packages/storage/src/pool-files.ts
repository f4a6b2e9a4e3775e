import { join } from 'node:path'
import { decodeNpy, encodeNpy, fail } from '@plaf/core'
import type { OutputBatch } from './files.js'
import { readBytes, storedFile } from './files.js'
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from './safetensors.js'
import { decodeTable, encodeTable, type StoredTable, type TableDtype } from './table-codec.js'

/** How a 3D map's feature pool is stored: `.npy` (int8 scales in a second `.npy`) or one safetensors file. */
export type PoolFormat = 'npy' | 'safetensors'

/** Where a pool went: file names (relative to the map directory) and sizes. */
export interface PoolFiles {
  /** The pool table file. */
  pool: { name: string; bytes: number }
  /** int8 in `.npy` only: the per-row float32 scales. */
  scales?: { name: string; bytes: number }
}

const NPY_DTYPE = { float32: '<f4', float16: '<f2', int8: '|i1' } as const
const ST_DTYPE = { float32: 'F32', float16: 'F16', int8: 'I8' } as const

/**
 * Writes a float32 pool (M×D) as `pool.npy` (+ `pool-scales.npy` for int8) or as
 * `pool.safetensors` with tensors `pool` (and `scales` for int8), through the shared table codec
 * (int8: one float32 scale per row, row = q · scale).
 */
export function writePool(dir: string, data: Float32Array, m: number, d: number, dtype: TableDtype, format: PoolFormat, batch: OutputBatch): PoolFiles {
  const t = encodeTable(data, m, d, dtype)
  if (format === 'safetensors') {
    const tensors: Record<string, SafetensorsTensor> = { pool: { dtype: ST_DTYPE[dtype], shape: [m, d], data: t.data } }
    if (t.dtype === 'int8') tensors.scales = { dtype: 'F32', shape: [m], data: t.scales }
    const name = 'pool.safetensors'
    return { pool: { name, bytes: batch.file(join(dir, name), encodeSafetensors(tensors, { format: 'plaf-pool', feature_dtype: dtype })) } }
  }
  const out: PoolFiles = { pool: { name: 'pool.npy', bytes: batch.file(join(dir, 'pool.npy'), encodeNpy({ data: t.data, shape: [m, d], dtype: NPY_DTYPE[dtype] })) } }
  if (t.dtype === 'int8') out.scales = { name: 'pool-scales.npy', bytes: batch.file(join(dir, 'pool-scales.npy'), encodeNpy({ data: t.scales, shape: [m], dtype: '<f4' })) }
  return out
}

/** Reads a pool written by {@link writePool} back as float32 M×D, naming the file and what is wrong. */
export function readPool(dir: string, files: PoolFiles, dtype: TableDtype, format: PoolFormat): { data: Float32Array; shape: [number, number] } {
  const path = storedFile(dir, files.pool?.name, join(dir, 'map.json'))
  const bad = (why: string): never => fail('PLAF_INPUT_INVALID', `${path}: ${why}`, { file: path })
  let table: StoredTable
  if (format === 'safetensors') {
    const st = decodeSafetensors(readBytes(path, 'feature pool'), path)
    const p = st.tensors.pool ?? bad('no tensor "pool"')
    if (p.dtype !== ST_DTYPE[dtype] || p.shape.length !== 2) bad(`tensor "pool" must be 2-D ${ST_DTYPE[dtype]} (map.json says ${dtype}), found ${p.dtype} [${p.shape.join(', ')}]`)
    const shape = p.shape as [number, number]
    if (dtype === 'int8') {
      const s = st.tensors.scales
      if (!s || s.dtype !== 'F32' || s.shape[0] !== shape[0]) bad(`int8 pool needs an F32 tensor "scales" with ${shape[0]} rows`)
      table = { dtype, data: p.data as Int8Array, scales: s!.data as Float32Array, shape }
    } else table = { dtype, data: p.data, shape } as StoredTable
  } else {
    const npy = decodeNpy(readBytes(path, 'feature pool'), path)
    if (npy.dtype !== NPY_DTYPE[dtype] || npy.shape.length !== 2) bad(`must be a 2-D ${NPY_DTYPE[dtype]} array (map.json says ${dtype}), found ${npy.dtype} (${npy.shape.join(', ')})`)
    const shape = npy.shape as [number, number]
    if (dtype === 'int8') {
      const sp = storedFile(dir, files.scales?.name ?? bad('map.json names no scales file for the int8 pool'), join(dir, 'map.json'))
      const s = decodeNpy(readBytes(sp, 'pool row scales'), sp)
      if (s.dtype !== '<f4' || s.shape.length !== 1 || s.shape[0] !== shape[0]) fail('PLAF_INPUT_INVALID', `${sp} must hold ${shape[0]} float32 row scales`, { file: sp })
      table = { dtype, data: npy.data as Int8Array, scales: s.data as Float32Array, shape }
    } else table = { dtype, data: npy.data, shape } as StoredTable
  }
  return { data: decodeTable(table), shape: table.shape }
}
