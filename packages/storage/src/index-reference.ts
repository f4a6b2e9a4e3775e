import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { defineStage, encodeNpy, encodePly, fail, type OptionsSchema, type SemanticMap3D } from '@plaf/core'
import { denseBytes, indexedBytes, storageRatio } from './figures.js'
import { npyFileBytes, writeBatch } from './files.js'
import {
  INDEX_REFERENCE_FILES, INDEX_REFERENCE_FORMAT, MAX_USHORT_POOL_ROWS, type IndexReferenceManifest, type RefsCodec,
} from './index-reference-format.js'
import { open3D } from './open3d.js'
import { writePool, type PoolFiles, type PoolFormat } from './pool-files.js'
import { groupByRef } from './ref-order.js'
import { tableDtypeOption, tableElementBytes, type TableDtype } from './table-codec.js'
import { VERSION } from './version.js'

/** Largest int32: wide refs and counts are int32 columns in map.ply (Open3D reads no 32-bit unsigned column). */
const INT32_MAX = 2 ** 31 - 1

/** Options of `index-reference`. */
export interface IndexReferenceOptions {
  feature_dtype: TableDtype
  pool_format: PoolFormat
  counts: boolean
  refs_codec: RefsCodec
  dense_baseline: boolean
  keep_dense_baseline: boolean
}


/** What {@link writeIndexReferenceMap} takes: the plugin's options, with the pool format (npy) and counts (off) optional. */
export type WriteIndexReferenceOptions = Omit<IndexReferenceOptions, 'pool_format' | 'counts' | 'refs_codec'> & Partial<Pick<IndexReferenceOptions, 'pool_format' | 'counts' | 'refs_codec'>>



/** What `storage.paper` in map.json is: the paper's eqs. (7)–(9), one b on both sides. */
export const PAPER_FORMULA_3D = 'eq. (7) dense_bytes = N·D·b; eq. (8) index_reference_bytes = N·r + M·D·b; eq. (9) ratio = index_reference_bytes / dense_bytes; b = feature_bytes (the pool\'s dtype) on both sides, r = ref_bytes'

/**
 * Exact .npy size of a dense per-point baseline of N×D features stored at `dtype` (header + N·D·b);
 * at int8 plus a float32 scale per point (npy of N), as the int8 pool keeps one scale per row.
 */
export function densePointsBytes(n: number, d: number, dtype: TableDtype): number {
  if (dtype === 'int8') return npyFileBytes([n, d], '|i1') + npyFileBytes([n], '<f4')
  return npyFileBytes([n, d], dtype === 'float16' ? '<f2' : '<f4')
}

/** Points per chunk when streaming the dense per-point baseline. */
const DENSE_CHUNK = 4096


/**
 * Writes the files of a map into `dir`: map.ply (x, y, z float, red, green, blue uchar, ref
 * ushort|uint, optional count uint), refs.npy, the pool, and map.json; returns the manifest.
 * `counts` (per point) are written when given and `opts.counts` is set.
 */
export function writeIndexReferenceMap(dir: string, lifted: SemanticMap3D, options: WriteIndexReferenceOptions, liftedCounts?: Uint32Array): IndexReferenceManifest {
  const opts: IndexReferenceOptions = { pool_format: 'npy', counts: false, refs_codec: 'none', ...options }
  let map = lifted
  let counts = liftedCounts
  const n = map.refs.length
  const [m, d] = map.pool.shape
  for (let i = 0; i < n; i++) {
    if (map.refs[i] >= m) fail('PLAF_PORT_VALUE_INVALID', `point ${i} references pool row ${map.refs[i]} but the pool has ${m} rows`)
  }
  if (counts && counts.length !== n) fail('PLAF_PORT_VALUE_INVALID', `${counts.length} observation counts for ${n} points`)
  if (m > INT32_MAX + 1) fail('PLAF_PORT_VALUE_INVALID', `a pool of ${m} rows: map.ply stores refs as int32, so at most ${INT32_MAX + 1} rows`)
  if (counts) {
    for (let i = 0; i < n; i++) {
      if (counts[i] > INT32_MAX) fail('PLAF_PORT_VALUE_INVALID', `point ${i} has ${counts[i]} observations: map.ply stores counts as int32 (at most ${INT32_MAX})`)
    }
  }
  if (opts.refs_codec === 'deflate') ({ map, counts } = groupByRef(map, counts))
  const withCounts = opts.counts && counts !== undefined
  const narrow = m <= MAX_USHORT_POOL_ROWS
  const refs = narrow ? Uint16Array.from(map.refs) : map.refs
  const refBytes = narrow ? 2 : 4
  return writeBatch((batch) => {
    const f = INDEX_REFERENCE_FILES
    const pool: PoolFiles = writePool(dir, map.pool.data, m, d, opts.feature_dtype, opts.pool_format, batch)
    const files: IndexReferenceManifest['files'] = { ...pool }
    const refsNpy = encodeNpy({ data: refs, shape: [n], dtype: narrow ? '<u2' : '<u4' })
    files.refs = opts.refs_codec === 'deflate'
      ? { name: `${f.refs}.zlib`, bytes: batch.file(join(dir, `${f.refs}.zlib`), deflateSync(refsNpy, { level: 9 })) }
      : { name: f.refs, bytes: batch.file(join(dir, f.refs), refsNpy) }
    const refsStored = opts.refs_codec === 'deflate' ? files.refs.bytes : n * refBytes
    // The dense per-point float32 baseline (the official layout, N × D float32): its exact .npy
    // size is always computed (header + N·D·4), so every map reports its ratio to dense; with
    // dense_baseline and keep_dense_baseline the file is written and its size on disk is used.
    let denseSize = npyFileBytes([n, d], '<f4')
    let denseWritten = false
    if (opts.dense_baseline && opts.keep_dense_baseline) {
      const chunk = new Float32Array(DENSE_CHUNK * d)
      const bytes = batch.npy(join(dir, f.dense), [n, d], '<f4', (write) => {
        for (let start = 0; start < n; start += DENSE_CHUNK) {
          const end = Math.min(n, start + DENSE_CHUNK)
          for (let i = start, o = 0; i < end; i++) {
            for (let k = 0, s = map.refs[i] * d; k < d; k++) chunk[o++] = map.pool.data[s + k]
          }
          write(chunk.subarray(0, (end - start) * d))
        }
      })
      files.dense = { name: f.dense, bytes }
      denseSize = bytes
      denseWritten = true
    }
    const col = <T extends Float32Array | Uint8Array>(src: T, k: number, out: T): T => {
      for (let i = 0; i < n; i++) out[i] = src[3 * i + k]
      return out
    }
    const ply = encodePly({
      vertexCount: n,
      comments: [`PLAF-TS index-reference map v2`, `pool=${pool.pool.name}`, `feature_dim=${d}`, `feature_dtype=${opts.feature_dtype}`, `space=${map.space.replace(/[\r\n]/g, ' ')}`],
      properties: [
        { name: 'x', type: 'float', data: col(map.positions, 0, new Float32Array(n)) },
        { name: 'y', type: 'float', data: col(map.positions, 1, new Float32Array(n)) },
        { name: 'z', type: 'float', data: col(map.positions, 2, new Float32Array(n)) },
        { name: 'red', type: 'uchar', data: col(map.colors, 0, new Uint8Array(n)) },
        { name: 'green', type: 'uchar', data: col(map.colors, 1, new Uint8Array(n)) },
        { name: 'blue', type: 'uchar', data: col(map.colors, 2, new Uint8Array(n)) },
        // Sized spellings Open3D's tensor reader loads (0.16 skips `ushort`, `uint` and `uint32`
        // columns): `uint16` refs, and `int32` for wide refs and counts (both < 2^31).
        { name: 'ref', type: narrow ? 'uint16' : 'int32', data: narrow ? refs : new Int32Array(refs.buffer, refs.byteOffset, refs.length) },
        ...(withCounts ? [{ name: 'count', type: 'int32' as const, data: new Int32Array(counts!.buffer, counts!.byteOffset, counts!.length) }] : []),
      ],
    })
    files.ply = { name: f.ply, bytes: batch.file(join(dir, f.ply), ply) }
    // Eqs. (7)–(9) as the paper writes them: the same b (the pool's bytes per element) on both sides.
    const b = tableElementBytes(opts.feature_dtype)
    const paperDense = denseBytes(n, d, b)
    const paperIndexed = indexedBytes(n, refBytes, m, d, b)
    const poolBytes = pool.pool.bytes + (pool.scales?.bytes ?? 0)
    const semantic = poolBytes + refsStored
    const densePoolDtype = densePointsBytes(n, d, opts.feature_dtype)
    const manifest: IndexReferenceManifest = {
      format: INDEX_REFERENCE_FORMAT,
      version: 2,
      points: n,
      pool_rows: m,
      feature_dim: d,
      feature_dtype: opts.feature_dtype,
      ref_dtype: narrow ? 'uint16' : 'uint32',
      pool_format: opts.pool_format,
      counts: withCounts,
      refs_codec: opts.refs_codec,
      point_order: opts.refs_codec === 'deflate' ? 'grouped-by-ref' : 'lifted',
      space: map.space,
      files,
      storage: {
        paper: {
          dense_bytes: paperDense, index_reference_bytes: paperIndexed, ratio: storageRatio(paperIndexed, paperDense), feature_bytes: b, ref_bytes: refBytes,
          formula: PAPER_FORMULA_3D,
        },
        measured: {
          pool_bytes: poolBytes,
          ref_bytes: refsStored,
          semantic_bytes: semantic,
          total_bytes: poolBytes + files.ply.bytes,
          dense_bytes: denseSize,
          dense_written: denseWritten,
          ratio: storageRatio(semantic, denseSize),
          dense_dtype: 'float32',
          pool_dtype: opts.feature_dtype,
          dense_pool_dtype_bytes: densePoolDtype,
          ratio_pool_dtype: storageRatio(semantic, densePoolDtype),
          total_ratio: storageRatio(poolBytes + files.ply.bytes, denseSize),
          total_ratio_pool_dtype: storageRatio(poolBytes + files.ply.bytes, densePoolDtype),
        },
      },
    }
    batch.file(join(dir, f.manifest), JSON.stringify(manifest, null, 2) + '\n')
    return manifest
  })
}

const options: OptionsSchema<IndexReferenceOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    feature_dtype: tableDtypeOption,
    pool_format: {
      type: 'string', enum: ['npy', 'safetensors'], default: 'npy',
      description: 'Pool file: npy (pool.npy; int8 row scales in pool-scales.npy) or safetensors (pool.safetensors with tensors pool and, for int8, scales).',
    },
    refs_codec: {
      type: 'string', enum: ['none', 'deflate'], default: 'none',
      description: 'deflate: store the points grouped by ref (a stable sort, so the ref column is at most M runs) and refs as refs.npy.zlib, a zlib stream of the .npy (Python: np.load(io.BytesIO(zlib.decompress(data)))); the semantic part then counts its compressed size.',
    },
    counts: {
      type: 'boolean', default: false,
      description: 'Add a uint count per point to map.ply: the depth samples fused into it (when the lifter provides them).',
    },
    dense_baseline: {
      type: 'boolean',
      default: false,
      description: 'Write the dense per-point baseline, dense-points.npy (N×D float32, each point\'s pool row), when keep_dense_baseline is true too. Its exact size (npy header + N×D×4) is reported as dense_bytes either way, and map.json has the ratio.',
    },
    keep_dense_baseline: {
      type: 'boolean',
      default: true,
      description: 'With dense_baseline, really write dense-points.npy (its size on disk is then dense_bytes, and also dense_file_bytes); false writes nothing, like dense_baseline false.',
    },
  },
}

/**
 * `index-reference`: the paper's 3D map on disk (eqs. (7)–(9)). A binary little-endian PLY of
 * points with a `ushort ref` (pools ≤ 65,535 rows, else `uint`) per point into the pool (M×D,
 * npy or safetensors, float32/float16/int8), refs.npy, and `map.json` with the storage figures.
 */
export const indexReferenceStorage = defineStage<IndexReferenceOptions, { map: 'SemanticMap3D' }, Record<string, never>>({
  name: 'index-reference',
  kind: 'storage3d',
  version: VERSION,
  package: '@plaf/storage',
  description: 'Stores the 3D map as a binary PLY (xyz, rgb, ushort/uint ref per point, optional count) plus refs.npy, a feature pool (npy or safetensors; float32, float16 or int8) and a map.json manifest.',
  options,
  inputs: { map: 'SemanticMap3D' },
  outputs: {},
  async create(opts, ctx) {
    return {
      run({ map }, rc) {
        // The backproject lifter's map carries per-point observation counts beyond the core port.
        const counts = (map as SemanticMap3D & { counts?: unknown }).counts
        const man = writeIndexReferenceMap(ctx.outDir, map, opts, counts instanceof Uint32Array ? counts : undefined)
        rc.metric('bytes', man.storage.measured.total_bytes, 'B')
        rc.metric('points', man.points)
        rc.metric('pool_rows', man.pool_rows)
        const dense = man.storage.measured.dense_bytes
        if (dense !== null) rc.metric('dense_bytes', dense, 'B')
        // the same figure once more when dense-points.npy was written: report.md says which it is
        if (dense !== null && man.storage.measured.dense_written) rc.metric('dense_file_bytes', dense, 'B')
        // like-for-like: the same dense per-point layout at the pool's dtype (feature_bytes says which)
        rc.metric('dense_pool_dtype_bytes', man.storage.measured.dense_pool_dtype_bytes!, 'B')
        rc.metric('semantic_bytes', man.storage.measured.semantic_bytes, 'B')
        rc.metric('feature_bytes', man.storage.paper.feature_bytes)
        return {}
      },
      read: async () => ({ map: open3D(ctx.outDir).map }),
    }
  },
})
