import { join } from 'node:path'
import { decodeNpy, decodePly, defineStage, encodeNpy, encodePly, fail, type OptionsSchema, type SemanticMap3D } from '@plaf/core'
import { featureBytes, featureDtypeOption, fromStored, npyDtypeOf, toStored, type FeatureDtype } from './feature-dtype.js'
import { denseBytes, indexedBytes, storageRatio } from './figures.js'
import { npyFileBytes, readBytes, readJson, writeBatch } from './files.js'
import { VERSION } from './version.js'

/** Options of `index-reference`. */
export interface IndexReferenceOptions {
  feature_dtype: FeatureDtype
  dense_baseline: boolean
  keep_dense_baseline: boolean
}

/** `format` of `map.json`. */
export const INDEX_REFERENCE_FORMAT = 'plaf-index-reference'
/** File names inside an index-reference directory. */
export const INDEX_REFERENCE_FILES = { ply: 'map.ply', pool: 'pool.npy', dense: 'dense-points.npy', manifest: 'map.json' } as const

/** Bytes of one per-point reference (`property uint32 ref`), r in eq. (8). */
const REF_BYTES = 4
/** Points per chunk when streaming the dense per-point baseline. */
const DENSE_CHUNK = 4096

/** Contents of `map.json`. */
export interface IndexReferenceManifest {
  format: typeof INDEX_REFERENCE_FORMAT
  version: 1
  points: number
  pool_rows: number
  feature_dim: number
  feature_dtype: FeatureDtype
  space: string
  /** Role → { name, bytes } of each file written. */
  files: Record<string, { name: string; bytes: number }>
  /** The paper's eqs. (7)–(9) next to the sizes measured on disk. */
  storage: {
    paper: { dense_bytes: number; index_reference_bytes: number; ratio: number | null; feature_bytes: number; ref_bytes: number }
    measured: {
      /** pool.npy on disk. */
      pool_bytes: number
      /** The `ref` column inside map.ply: points × 4. */
      ref_bytes: number
      /** pool_bytes + ref_bytes: the semantic part of this representation. */
      semantic_bytes: number
      /** map.ply + pool.npy. */
      total_bytes: number
      /** Size of dense-points.npy with dense_baseline: on disk when kept, else computed exactly without writing it. */
      dense_bytes: number | null
      /** semantic_bytes / dense_bytes, when measured. */
      ratio: number | null
    }
  }
}

/** Writes the files of a map into `dir`; returns the manifest (also written as map.json). */
export function writeIndexReferenceMap(dir: string, map: SemanticMap3D, opts: IndexReferenceOptions): IndexReferenceManifest {
  const n = map.refs.length
  const [m, d] = map.pool.shape
  for (let i = 0; i < n; i++) {
    if (map.refs[i] >= m) fail('PLAF_PORT_VALUE_INVALID', `point ${i} references pool row ${map.refs[i]} but the pool has ${m} rows`)
  }
  return writeBatch((batch) => {
    const f = INDEX_REFERENCE_FILES
    const files: IndexReferenceManifest['files'] = {}
    files.pool = { name: f.pool, bytes: batch.file(join(dir, f.pool), encodeNpy({ data: toStored(map.pool.data, opts.feature_dtype), shape: [m, d], dtype: npyDtypeOf(opts.feature_dtype) })) }
    let denseSize: number | null = null
    if (opts.dense_baseline && !opts.keep_dense_baseline) denseSize = npyFileBytes([n, d], '<f4')
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
    }
    const col = <T extends Float32Array | Uint8Array>(src: T, k: number, out: T): T => {
      for (let i = 0; i < n; i++) out[i] = src[3 * i + k]
      return out
    }
    const ply = encodePly({
      vertexCount: n,
      comments: [`PLAF-TS index-reference map v1`, `pool=${f.pool}`, `feature_dim=${d}`, `feature_dtype=${opts.feature_dtype}`, `space=${map.space.replace(/[\r\n]/g, ' ')}`],
      properties: [
        { name: 'x', type: 'float', data: col(map.positions, 0, new Float32Array(n)) },
        { name: 'y', type: 'float', data: col(map.positions, 1, new Float32Array(n)) },
        { name: 'z', type: 'float', data: col(map.positions, 2, new Float32Array(n)) },
        { name: 'red', type: 'uchar', data: col(map.colors, 0, new Uint8Array(n)) },
        { name: 'green', type: 'uchar', data: col(map.colors, 1, new Uint8Array(n)) },
        { name: 'blue', type: 'uchar', data: col(map.colors, 2, new Uint8Array(n)) },
        { name: 'ref', type: 'uint32', data: map.refs },
      ],
    })
    files.ply = { name: f.ply, bytes: batch.file(join(dir, f.ply), ply) }
    const b = featureBytes(opts.feature_dtype)
    const paperDense = denseBytes(n, d)
    const paperIndexed = indexedBytes(n, REF_BYTES, m, d, b)
    const semantic = files.pool.bytes + n * REF_BYTES
    const manifest: IndexReferenceManifest = {
      format: INDEX_REFERENCE_FORMAT,
      version: 1,
      points: n,
      pool_rows: m,
      feature_dim: d,
      feature_dtype: opts.feature_dtype,
      space: map.space,
      files,
      storage: {
        paper: { dense_bytes: paperDense, index_reference_bytes: paperIndexed, ratio: storageRatio(paperIndexed, paperDense), feature_bytes: b, ref_bytes: REF_BYTES },
        measured: {
          pool_bytes: files.pool.bytes,
          ref_bytes: n * REF_BYTES,
          semantic_bytes: semantic,
          total_bytes: files.pool.bytes + files.ply.bytes,
          dense_bytes: denseSize,
          ratio: denseSize === null ? null : storageRatio(semantic, denseSize),
        },
      },
    }
    batch.file(join(dir, f.manifest), JSON.stringify(manifest, null, 2) + '\n')
    return manifest
  })
}

/** Reads an index-reference directory back into a SemanticMap3D (pool widened to float32). */
export function readIndexReferenceMap(dir: string): SemanticMap3D {
  const manifestPath = join(dir, INDEX_REFERENCE_FILES.manifest)
  const man = readJson(manifestPath, 'index-reference manifest') as unknown as IndexReferenceManifest
  if (man.format !== INDEX_REFERENCE_FORMAT || man.version !== 1) {
    fail('PLAF_INPUT_INVALID', `${manifestPath} is not a version 1 ${INDEX_REFERENCE_FORMAT} manifest`, { file: manifestPath })
  }
  const plyPath = join(dir, man.files?.ply?.name ?? INDEX_REFERENCE_FILES.ply)
  const ply = decodePly(readBytes(plyPath, 'map'), plyPath)
  const want = { x: 'float', y: 'float', z: 'float', red: 'uchar', green: 'uchar', blue: 'uchar', ref: 'uint32' } as const
  for (const [name, type] of Object.entries(want)) {
    const t = ply.types[name]
    const same = t === type || (type === 'float' && t === 'float32') || (type === 'uchar' && t === 'uint8') || (type === 'uint32' && t === 'uint')
    if (!same) fail('PLAF_INPUT_INVALID', `${plyPath} needs vertex property "${type} ${name}", found ${t ? `"${t} ${name}"` : 'none'}`, { file: plyPath })
  }
  const poolPath = join(dir, man.files?.pool?.name ?? INDEX_REFERENCE_FILES.pool)
  const pool = decodeNpy(readBytes(poolPath, 'feature pool'), poolPath)
  if ((pool.dtype !== '<f4' && pool.dtype !== '<f2') || pool.shape.length !== 2) {
    fail('PLAF_INPUT_INVALID', `${poolPath} must be a 2-D float32/float16 array, found ${pool.dtype} (${pool.shape.join(', ')})`, { file: poolPath })
  }
  const [m, d] = pool.shape
  const n = ply.vertexCount
  const p = ply.properties
  const positions = new Float32Array(3 * n)
  const colors = new Uint8Array(3 * n)
  for (let i = 0; i < n; i++) {
    positions[3 * i] = p.x[i]
    positions[3 * i + 1] = p.y[i]
    positions[3 * i + 2] = p.z[i]
    colors[3 * i] = p.red[i]
    colors[3 * i + 1] = p.green[i]
    colors[3 * i + 2] = p.blue[i]
  }
  const refs = p.ref as Uint32Array
  for (let i = 0; i < n; i++) {
    if (refs[i] >= m) fail('PLAF_INPUT_INVALID', `${plyPath}: point ${i} references pool row ${refs[i]} but ${poolPath} has ${m} rows`, { file: plyPath })
  }
  return { positions, colors, refs, pool: { data: fromStored(pool.data as Float32Array | Uint16Array, pool.dtype), shape: [m, d] }, space: man.space }
}

const options: OptionsSchema<IndexReferenceOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    feature_dtype: featureDtypeOption,
    dense_baseline: {
      type: 'boolean',
      default: false,
      description: 'Also measure the dense per-point baseline, dense-points.npy (N×D float32, each point\'s pool row): its exact file size is reported as dense_bytes.',
    },
    keep_dense_baseline: {
      type: 'boolean',
      default: true,
      description: 'With dense_baseline, really write dense-points.npy; false only computes its exact size (npy header + N×D×4), writing nothing.',
    },
  },
}

/**
 * `index-reference`: the paper's 3D map on disk (eqs. (7)–(9)). A binary PLY of points with a
 * `uint32 ref` per point into `pool.npy` (M×D), and `map.json` with the storage figures.
 */
export const indexReferenceStorage = defineStage<IndexReferenceOptions, { map: 'SemanticMap3D' }, Record<string, never>>({
  name: 'index-reference',
  kind: 'storage3d',
  version: VERSION,
  package: '@plaf/storage',
  description: 'Stores the 3D map as a binary PLY (xyz, rgb, uint32 ref per point) plus a .npy feature pool and a map.json manifest.',
  options,
  inputs: { map: 'SemanticMap3D' },
  outputs: {},
  async create(opts, ctx) {
    return {
      run({ map }, rc) {
        const man = writeIndexReferenceMap(ctx.outDir, map, opts)
        rc.metric('bytes', man.storage.measured.total_bytes, 'B')
        rc.metric('points', man.points)
        rc.metric('pool_rows', man.pool_rows)
        if (man.storage.measured.dense_bytes !== null) rc.metric('dense_bytes', man.storage.measured.dense_bytes, 'B')
        return {}
      },
      read: async () => ({ map: readIndexReferenceMap(ctx.outDir) }),
    }
  },
})
