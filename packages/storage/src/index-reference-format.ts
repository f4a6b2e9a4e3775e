/** The on-disk format of an index-reference directory: file names, the manifest, the refs codec. */
import type { PoolFormat } from './pool-files.js'
import type { TableDtype } from './table-codec.js'

/** How refs.npy is stored: plain, or zlib-deflated with the points grouped by ref. */
export type RefsCodec = 'none' | 'deflate'

/** `format` of `map.json`. */
export const INDEX_REFERENCE_FORMAT = 'plaf-index-reference'
/** File names inside an index-reference directory. */
export const INDEX_REFERENCE_FILES = { ply: 'map.ply', refs: 'refs.npy', pool: 'pool.npy', dense: 'dense-points.npy', manifest: 'map.json' } as const

/** Pools up to this many rows get 2-byte refs (`ushort ref`, `<u2`); larger ones 4-byte. */
export const MAX_USHORT_POOL_ROWS = 65_535

/** Contents of `map.json`. */
export interface IndexReferenceManifest {
  format: typeof INDEX_REFERENCE_FORMAT
  /** 2 since refs became uint16/uint32 with refs.npy; version 1 (uint32 refs, npy pool) is still read. */
  version: 1 | 2
  points: number
  pool_rows: number
  feature_dim: number
  feature_dtype: TableDtype
  /** Element type of `ref` in map.ply and of refs.npy. */
  ref_dtype: 'uint16' | 'uint32'
  pool_format: PoolFormat
  /** Whether map.ply has a `uint count` per point (depth samples fused into it). */
  counts: boolean
  /** `deflate`: refs in refs.npy.zlib (zlib stream of the .npy) and the points grouped by ref. */
  refs_codec: RefsCodec
  /** `lifted`: the lifter's order; `grouped-by-ref`: stably sorted by ref (refs_codec deflate). */
  point_order: 'lifted' | 'grouped-by-ref'
  space: string
  /** Role → { name, bytes } of each file written. */
  files: Record<string, { name: string; bytes: number }>
  /** The paper's eqs. (7)–(9) next to the sizes measured on disk. */
  storage: {
    /**
     * The paper's equations with b = feature_bytes on both sides (dense_bytes = N·D·b, not the
     * float32 file; map.json files written before this field used b = 4 for dense_bytes) and r =
     * ref_bytes; `formula` states them (absent in older files).
     */
    paper: { dense_bytes: number; index_reference_bytes: number; ratio: number | null; feature_bytes: number; ref_bytes: number; formula?: string }
    measured: {
      /** The pool file(s) on disk (with int8 scales). */
      pool_bytes: number
      /** The refs: points × 2 or 4 (the `ref` column), or the size of refs.npy.zlib with refs_codec deflate. */
      ref_bytes: number
      /** pool_bytes + ref_bytes: the semantic part of this representation. */
      semantic_bytes: number
      /** map.ply + the pool file(s) (refs.npy repeats the refs for readers that drop PLY extras and is not counted). */
      total_bytes: number
      /**
       * Size of the dense per-point float32 baseline (dense-points.npy, N × D `<f4`): on disk when
       * written (`dense_written`), else computed exactly (npy header + N·D·4) without writing it.
       * Always set since maps report their ratio to dense whatever `dense_baseline` says; null
       * only in map.json files written before.
       */
      dense_bytes: number | null
      /** Whether dense-points.npy was written (dense_baseline and keep_dense_baseline); absent in older map.json files. */
      dense_written?: boolean
      /** semantic_bytes / dense_bytes: pool at `pool_dtype` against dense float32 (null only in older map.json files). */
      ratio: number | null
      /** The dtype of dense_bytes: always float32 (the official layout); absent in older map.json files, like the fields below. */
      dense_dtype?: 'float32'
      /** The pool's dtype (= feature_dtype): what the like-for-like figures below use on the dense side too. */
      pool_dtype?: TableDtype
      /** Exact .npy size of the dense per-point baseline at the pool's dtype (header + N·D·b; int8: + N float32 scales), computed, never written. */
      dense_pool_dtype_bytes?: number
      /** semantic_bytes / dense_pool_dtype_bytes: like for like, pool_dtype on both sides. */
      ratio_pool_dtype?: number | null
      /** total_bytes / dense_bytes: the whole map (xyz, rgb, ref per point + pool) against dense float32 features. */
      total_ratio?: number | null
      /** total_bytes / dense_pool_dtype_bytes: the whole map against dense features at the pool's dtype. */
      total_ratio_pool_dtype?: number | null
    }
  }
}
