import { mkdirSync, mkdtempSync, rmSync, statfsSync } from 'node:fs'
import { join } from 'node:path'
import { aggregateMasks, MASK_MEAN_DEFAULTS } from '@plaf/aggregator'
import { createRunContext, createStandaloneContext, npyHeader, validateOptions, type SemanticMemory2D, type StagePlugin } from '@plaf/core'
import { denseBytes, denseStorage, indexedBytes, INDEX_REFERENCE_FILES, maskIndexedStorage, storageRatio, writeIndexReferenceMap } from '@plaf/storage'
import type { BenchConfig } from '../config.js'
import type { BenchEnv } from '../env.js'
import { syntheticGrid, syntheticMap, syntheticMasks } from '../fixtures.js'
import { formatBytes, formatMs, formatRatio, type CaseReport, type Cell } from '../report.js'

/** A size on disk and how it was obtained. */
interface Sized {
  bytes: number
  /** `measured`: written by the storage package and summed from its own report; `computed`: a formula. */
  how: 'measured' | string
  write_ms?: number
  /** int8 tables only: the lowest cosine of a stored row to its float32 row (the codec's report). */
  int8_worst_row_cosine?: number
}

/** Null when `bytes` fit on the file system of `dir` with a 20 % margin, else the reason. */
function diskShortfall(dir: string, bytes: number): string | null {
  const s = statfsSync(dir)
  const free = s.bavail * s.bsize
  return bytes * 1.2 <= free ? null : `needs ${formatBytes(bytes)} on disk, ${formatBytes(free)} free in ${dir}`
}

/** Runs one storage plugin on one frame in a fresh stage directory and returns the bytes it reports. */
async function storeFrame(plugin: StagePlugin, options: Record<string, unknown>, memory: SemanticMemory2D, runDir: string): Promise<Sized> {
  const v = validateOptions(plugin, options)
  if (!v.ok) throw new Error(`${plugin.name}: invalid options ${JSON.stringify(v.errors)}`)
  const ctx = createStandaloneContext({ runDir, stage: `${plugin.name}-${Object.values(options).join('-')}` })
  const instance = await plugin.create(v.value, ctx)
  const rc = createRunContext({ id: '000000', index: 0 })
  const t0 = performance.now()
  await instance.run({ memory }, rc)
  const write_ms = performance.now() - t0
  const fin = createRunContext()
  await instance.finish?.({}, fin)
  await instance.dispose?.()
  rmSync(ctx.outDir, { recursive: true, force: true })
  const worst = fin.metrics.int8_worst_row_cosine
  return { bytes: rc.metrics.bytes, how: 'measured', write_ms, ...(worst !== undefined ? { int8_worst_row_cosine: worst } : {}) }
}

/**
 * `storage`: bytes on disk of one frame's 2D memory (mask-indexed, float32 and float16) against
 * the dense per-pixel H×W×D `.npy`, and of the 3D index-and-reference map against dense per-point
 * features; each next to the paper's eqs. (4)–(9). Big dense files are deleted right after.
 */
export async function runStorageCase(config: BenchConfig, env: BenchEnv): Promise<CaseReport> {
  const started = new Date()
  const t0 = performance.now()
  const s = config.storage
  const [gh, gw] = s.grid
  mkdirSync(config.tmpDir, { recursive: true })
  const root = mkdtempSync(join(config.tmpDir, 'plaf-bench-storage-'))
  const backend = env.backends[0].backend
  const twoD: Record<string, unknown>[] = []
  const rows2d: Cell[][] = []
  const rows3d: Cell[][] = []
  const threeD: Record<string, unknown>[] = []
  try {
    for (const [si, { H, W, measureDense }] of s.sizes2d.entries()) {
      const tag = `storage 2D ${H}×${W}`
      const grid = syntheticGrid(config.seed + 400 + si, H, W, gh, gw, s.d)
      const memory = await aggregateMasks(grid, syntheticMasks(config.seed + 500 + si, W, H, s.k), MASK_MEAN_DEFAULTS, backend)
      const pixels = H * W
      const K = memory.features.shape[0] - 1
      const f32 = await storeFrame(maskIndexedStorage, { feature_dtype: 'float32' }, memory, root)
      const f16 = await storeFrame(maskIndexedStorage, { feature_dtype: 'float16' }, memory, root)
      const i8 = await storeFrame(maskIndexedStorage, { feature_dtype: 'int8' }, memory, root)
      const i8st = await storeFrame(maskIndexedStorage, { feature_dtype: 'int8', table_format: 'safetensors' }, memory, root)
      const computedDense = npyHeader([H, W, s.d], '<f4').length + pixels * s.d * 4
      let dense: Sized = { bytes: computedDense, how: 'computed, = npy header + H·W·D·4 (written only with --full at this size)' }
      const noDisk = measureDense ? diskShortfall(root, computedDense) : null
      if (measureDense && noDisk === null) {
        env.progress(`${tag}: writing the dense per-pixel .npy (${formatBytes(computedDense)}), deleted right after`)
        dense = await storeFrame(denseStorage, { feature_dtype: 'float32' }, memory, root)
      } else if (noDisk) {
        dense = { bytes: computedDense, how: `computed, = npy header + H·W·D·4 (${noDisk})` }
      }
      env.progress(`${tag}: mask-indexed ${formatBytes(f32.bytes)} (float32), ${formatBytes(f16.bytes)} (float16), ${formatBytes(i8.bytes)} (int8), dense ${formatBytes(dense.bytes)} (${dense.how === 'measured' ? 'measured' : 'computed'})`)
      const paper = { eq4_dense_bytes: denseBytes(pixels, s.d, 4), eq5_mask_indexed_bytes: indexedBytes(pixels, 2, K, s.d, 4) }
      const eq6 = storageRatio(paper.eq5_mask_indexed_bytes, paper.eq4_dense_bytes)
      const pickle = pixels * 2 + (K + 1) * s.d * 4
      twoD.push({
        size: [H, W], masks: K, feature_dim: s.d, mask_indexed_float32: f32, mask_indexed_float16: f16, dense_float32: dense,
        ratio_float32_to_dense: storageRatio(f32.bytes, dense.bytes), ratio_float16_to_dense: storageRatio(f16.bytes, dense.bytes),
        mask_indexed_int8: i8, mask_indexed_int8_safetensors: i8st,
        ratio_int8_to_dense: storageRatio(i8.bytes, dense.bytes), ratio_int8_safetensors_to_dense: storageRatio(i8st.bytes, dense.bytes),
        int8_worst_row_cosine: i8.int8_worst_row_cosine ?? null,
        paper: { ...paper, eq6_ratio: eq6 },
        official_pickle_bytes_computed: pickle,
      })
      const size = `${H}×${W}`
      const how = (x: Sized) => (x.how === 'measured' ? 'measured' : 'computed')
      rows2d.push(
        [size, 'dense per-pixel H×W×D float32 .npy', formatBytes(dense.bytes), how(dense), formatMs(dense.write_ms ?? null), '100 %'],
        [size, 'mask-indexed float32 (PNG ids + .npy table)', formatBytes(f32.bytes), how(f32), formatMs(f32.write_ms ?? null), formatRatio(storageRatio(f32.bytes, dense.bytes), true)],
        [size, 'mask-indexed float16', formatBytes(f16.bytes), how(f16), formatMs(f16.write_ms ?? null), formatRatio(storageRatio(f16.bytes, dense.bytes), true)],
        [size, `mask-indexed int8 + row scales (worst-row cosine ${i8.int8_worst_row_cosine?.toFixed(6)})`, formatBytes(i8.bytes), how(i8), formatMs(i8.write_ms ?? null), formatRatio(storageRatio(i8.bytes, dense.bytes), true)],
        [size, 'mask-indexed int8, safetensors table', formatBytes(i8st.bytes), how(i8st), formatMs(i8st.write_ms ?? null), formatRatio(storageRatio(i8st.bytes, dense.bytes), true)],
        [size, `paper eq. (5), uint16 ids + K·D·4 (K = ${K})`, formatBytes(paper.eq5_mask_indexed_bytes), 'computed', '–', formatRatio(eq6, true) + ' (eq. 6)'],
        [size, 'official pickle, H·W·2 + (K+1)·D·4', formatBytes(pickle), 'computed', '–', formatRatio(storageRatio(pickle, dense.bytes), true)],
      )
    }

    // One 3D case per pool size: M = 1,000 (what fusion reaches on a room) and the configured M.
    const { n, d } = { n: s.n, d: s.d }
    let dense: Sized | null = null
    for (const m of [...new Set([Math.min(1000, s.m), s.m])]) {
      const tag = `storage 3D N=${n} M=${m}`
      const map = syntheticMap(config.seed + 600, n, m, d)
      const denseNpy = npyHeader([n, d], '<f4').length + n * d * 4
      // The dense baseline does not depend on M: written (when there is room) in the first case only.
      const noDisk: string | null = dense !== null ? 'measured in the first case' : s.measureDense3d ? diskShortfall(root, denseNpy) : 'not requested'
      if (noDisk === null) env.progress(`${tag}: writing map.ply + pool and the dense per-point .npy (${formatBytes(denseNpy)}), deleted right after`)
      const write = (dtype: 'float32' | 'float16' | 'int8', withDense: boolean, refsCodec: 'none' | 'deflate' = 'none') => {
        const dir = join(root, `map-${dtype}-${refsCodec}`)
        const t = performance.now()
        const man = writeIndexReferenceMap(dir, map, { feature_dtype: dtype, dense_baseline: withDense, keep_dense_baseline: true, refs_codec: refsCodec })
        const ms = performance.now() - t
        rmSync(dir, { recursive: true, force: true })
        return { man, ms }
      }
      const f32 = write('float32', noDisk === null)
      const f16 = write('float16', false)
      const i8 = write('int8', false)
      const i8z = write('int8', false, 'deflate')
      const measuredDense = f32.man.storage.measured.dense_bytes
      dense ??= measuredDense !== null ? { bytes: measuredDense, how: 'measured' } : { bytes: denseNpy, how: `computed, = npy header + N·D·4 (${noDisk})` }
      const eq7 = denseBytes(n, d, 4)
      const eq8 = { uint32_refs: indexedBytes(n, 4, m, d, 4), uint16_refs: indexedBytes(n, 2, m, d, 4) }
      const entry = (r: typeof f32) => ({ ...r.man.storage.measured, dense_bytes: undefined, ratio: undefined, ref_dtype: r.man.ref_dtype, files: r.man.files, write_ms: r.ms })
      const ratio = (r: typeof f32) => storageRatio(r.man.storage.measured.semantic_bytes, dense!.bytes)
      threeD.push({
        points: n, pool_rows: m, feature_dim: d,
        dense_per_point_float32: dense,
        index_reference_float32: entry(f32),
        index_reference_float16: entry(f16),
        index_reference_int8: entry(i8),
        index_reference_int8_deflate: entry(i8z),
        ratio_semantic_float32_to_dense: ratio(f32),
        ratio_semantic_float16_to_dense: ratio(f16),
        ratio_semantic_int8_to_dense: ratio(i8),
        ratio_semantic_int8_deflate_to_dense: ratio(i8z),
        paper: { eq7_dense_bytes: eq7, eq8_index_reference_bytes: eq8, eq9_ratio: { uint32_refs: storageRatio(eq8.uint32_refs, eq7), uint16_refs: storageRatio(eq8.uint16_refs, eq7) } },
        dense_file: INDEX_REFERENCE_FILES.dense,
      })
      env.progress(`${tag}: pool + refs ${formatBytes(i8.man.storage.measured.semantic_bytes)} (int8) vs dense ${formatBytes(dense.bytes)}`)
      const label = `N=${n}, M=${m}`
      const how = dense.how === 'measured' ? 'measured' : 'computed'
      const refs = `${f32.man.ref_dtype} refs`
      rows3d.push(
        [label, 'dense per-point N×D float32 .npy', formatBytes(dense.bytes), how, '100 %'],
        [label, `pool float32 + ${refs} (semantic part)`, formatBytes(f32.man.storage.measured.semantic_bytes), 'measured', formatRatio(ratio(f32), true)],
        [label, `pool float16 + ${refs}`, formatBytes(f16.man.storage.measured.semantic_bytes), 'measured', formatRatio(ratio(f16), true)],
        [label, `pool int8 + row scales + ${refs}`, formatBytes(i8.man.storage.measured.semantic_bytes), 'measured', formatRatio(ratio(i8), true)],
        [label, 'pool int8 + row scales + refs grouped by ref, deflated (refs_codec: deflate)', formatBytes(i8z.man.storage.measured.semantic_bytes), 'measured', formatRatio(ratio(i8z), true)],
        [label, 'map.ply (xyz, rgb, ref) + pool.npy float32, whole map', formatBytes(f32.man.storage.measured.total_bytes), 'measured', formatRatio(storageRatio(f32.man.storage.measured.total_bytes, dense.bytes), true)],
        [label, 'paper eq. (8), b_r = 4: N·4 + M·D·4', formatBytes(eq8.uint32_refs), 'computed', formatRatio(storageRatio(eq8.uint32_refs, eq7), true) + ' (eq. 9)'],
        [label, 'paper eq. (8), b_r = 2: N·2 + M·D·4', formatBytes(eq8.uint16_refs), 'computed', formatRatio(storageRatio(eq8.uint16_refs, eq7), true) + ' (eq. 9)'],
      )
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
  return {
    name: 'storage',
    started_at: started.toISOString(),
    duration_ms: performance.now() - t0,
    params: { sizes_2d: s.sizes2d, masks: s.k, feature_dim: s.d, grid: s.grid, points: s.n, pool_rows: [...new Set([Math.min(1000, s.m), s.m])], measure_dense_3d: s.measureDense3d, seed: config.seed },
    measurements: { two_d: twoD, three_d: threeD },
    checks: { passed: true, details: [] },
    official: { pickle_2d: 'official 2D pickle: 0.06–0.11 % of dense' },
    tables: [
      { title: `storage 2D: one frame, K = ${s.k} masks, D = ${s.d} (bytes on disk; 1 MB = 10⁶ B)`, columns: ['size', 'format', 'bytes', 'how', 'write', 'of dense'], rows: rows2d },
      { title: `storage 3D: D = ${s.d}`, columns: ['map', 'format', 'bytes', 'how', 'of dense'], rows: rows3d },
    ],
    notes: [
      '"measured": bytes the storage package wrote and reported (files deleted right after); "computed": the formula named in the row.',
      'Mask-indexed sizes depend on how well the PNG id map compresses; the synthetic masks are ellipses and rectangles.',
      'Mask-indexed bytes count every file of the frame: id map, table, int8 row scales and the per-frame JSON manifest.',
    ],
  }
}
