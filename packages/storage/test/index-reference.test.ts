import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodePly, encodePly, PlafError, type SemanticMap3D } from '@plaf/core'
import { createRunContext, describeStagePlugin } from '@plaf/core/testing'
import { ColorManagement } from 'three'
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js'
import { afterEach, describe, expect, it } from 'vitest'
import { densePointsBytes, indexReferenceStorage, npyFileBytes, PAPER_FORMULA_3D, readIndexReferenceMap, type IndexReferenceManifest } from '../src/index.js'
import { hasNumpy, listDir, makeMap, maxAbsDiff, numpyNote, openStage, recordSizes, runPython, tempDir } from './fixtures.js'

describeStagePlugin(indexReferenceStorage, [
  { name: 'float32', inputs: () => ({ map: makeMap(50, 6, 8) }) },
  { name: 'float16 with dense baseline', options: { feature_dtype: 'float16', dense_baseline: true }, inputs: () => ({ map: makeMap(20, 3, 4) }) },
  { name: 'dense baseline measured only', options: { dense_baseline: true, keep_dense_baseline: false }, inputs: () => ({ map: makeMap(20, 3, 4) }) },
  { name: 'empty map', inputs: () => ({ map: makeMap(0, 0, 4) }) },
])

let cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups) c()
  cleanups = []
})
const temp = () => {
  const t = tempDir('index-ref')
  cleanups.push(t.cleanup)
  return t.dir
}

async function store(options: Record<string, unknown>, map: SemanticMap3D) {
  const { inst, outDir } = await openStage(indexReferenceStorage, options, temp())
  const rc = createRunContext()
  expect(await inst.run({ map }, rc)).toEqual({})
  return { inst, outDir, metrics: rc.metrics }
}

const size = (dir: string, f: string) => statSync(join(dir, f)).size

describe('index-reference', () => {
  it('measures the dense per-point baseline without writing it: the exact size writing gives', async () => {
    for (const [n, m, d] of [[300, 9, 64], [1, 1, 1], [0, 0, 5], [12345, 7, 3]]) {
      const map = makeMap(n, m, d)
      const kept = await store({ dense_baseline: true }, map)
      const measured = await store({ dense_baseline: true, keep_dense_baseline: false }, map)
      expect(listDir(measured.outDir)).toEqual(['map.json', 'map.ply', 'pool.npy', 'refs.npy'])
      const onDisk = size(kept.outDir, 'dense-points.npy')
      expect(measured.metrics.dense_bytes, `${n}×${d}`).toBe(onDisk)
      expect(npyFileBytes([n, d], '<f4')).toBe(onDisk)
      const man = JSON.parse(readFileSync(join(measured.outDir, 'map.json'), 'utf8')) as IndexReferenceManifest
      expect(man.files.dense).toBeUndefined()
      expect(man.storage.measured.dense_bytes).toBe(onDisk)
      expect(man.storage.measured.ratio).toBe(man.storage.measured.semantic_bytes / onDisk)
    }
  })

  it('round-trips a float32 map exactly through read()', async () => {
    const map = makeMap(500, 17, 32)
    const { inst, outDir, metrics } = await store({}, map)
    const { map: back } = (await inst.read!()) as { map: SemanticMap3D }
    expect(back).toEqual(map)
    expect(listDir(outDir)).toEqual(['map.json', 'map.ply', 'pool.npy', 'refs.npy'])
    // dense_bytes even without dense_baseline: computed exactly (header + N·D·4), nothing written
    expect(metrics).toEqual({
      bytes: size(outDir, 'map.ply') + size(outDir, 'pool.npy'), points: 500, pool_rows: 17, dense_bytes: npyFileBytes([500, 32], '<f4'),
      dense_pool_dtype_bytes: npyFileBytes([500, 32], '<f4'), semantic_bytes: size(outDir, 'pool.npy') + 500 * 2, feature_bytes: 4,
    })
  })

  it('stores a float16 pool within 1e-3, and measures the dense per-point baseline on disk', async () => {
    const map = makeMap(300, 9, 64)
    const { outDir, metrics } = await store({ feature_dtype: 'float16', dense_baseline: true }, map)
    const back = readIndexReferenceMap(outDir)
    expect(back.refs).toEqual(map.refs)
    expect(maxAbsDiff(back.pool.data, map.pool.data)).toBeLessThan(1e-3)
    const dense = size(outDir, 'dense-points.npy')
    expect(dense).toBe(128 + 300 * 64 * 4)
    // dense_bytes is the float32 file; dense_pool_dtype_bytes the same layout at the pool's float16 (feature_bytes 2)
    expect(metrics).toEqual({
      bytes: size(outDir, 'map.ply') + size(outDir, 'pool.npy'), points: 300, pool_rows: 9, dense_bytes: dense, dense_file_bytes: dense,
      dense_pool_dtype_bytes: 128 + 300 * 64 * 2, semantic_bytes: 128 + 9 * 64 * 2 + 600, feature_bytes: 2,
    })
    const man = JSON.parse(readFileSync(join(outDir, 'map.json'), 'utf8')) as IndexReferenceManifest
    const pool = size(outDir, 'pool.npy')
    expect(pool).toBe(128 + 9 * 64 * 2)
    expect(man).toMatchObject({
      format: 'plaf-index-reference', version: 2, points: 300, pool_rows: 9, feature_dim: 64, feature_dtype: 'float16', ref_dtype: 'uint16', pool_format: 'npy', counts: false, space: 'test-space',
      files: { ply: { name: 'map.ply', bytes: size(outDir, 'map.ply') }, pool: { name: 'pool.npy', bytes: pool }, dense: { name: 'dense-points.npy', bytes: dense } },
    })
    // Paper eqs. (7)–(9) as written: dense N·D·b, ours M·D·b + N·r, the same b = 2 (float16) on both
    // sides and r = 2 (uint16, M ≤ 65,535); eq. (9) then reads r/(D·b) + M/N.
    expect(man.storage.paper).toEqual({
      dense_bytes: 300 * 64 * 2, index_reference_bytes: 9 * 64 * 2 + 300 * 2, ratio: (9 * 64 * 2 + 300 * 2) / (300 * 64 * 2), feature_bytes: 2, ref_bytes: 2, formula: PAPER_FORMULA_3D,
    })
    expect(man.storage.paper.ratio).toBeCloseTo(2 / (64 * 2) + 9 / 300, 12)
    const ply = size(outDir, 'map.ply')
    const dense16 = 128 + 300 * 64 * 2
    expect(man.storage.measured).toEqual({
      pool_bytes: pool, ref_bytes: 600, semantic_bytes: pool + 600, total_bytes: pool + ply, dense_bytes: dense, dense_written: true, ratio: (pool + 600) / dense,
      dense_dtype: 'float32', pool_dtype: 'float16', dense_pool_dtype_bytes: dense16, ratio_pool_dtype: (pool + 600) / dense16,
      total_ratio: (pool + ply) / dense, total_ratio_pool_dtype: (pool + ply) / dense16,
    })
  })

  it('states eq. (9) with one b for every pool dtype, and the dense per-point size at the pool\'s dtype', async () => {
    for (const [dtype, b] of [['float32', 4], ['float16', 2], ['int8', 1]] as const) {
      const { outDir } = await store({ feature_dtype: dtype }, makeMap(200, 5, 16))
      const man = JSON.parse(readFileSync(join(outDir, 'map.json'), 'utf8')) as IndexReferenceManifest
      expect(man.storage.paper).toMatchObject({ dense_bytes: 200 * 16 * b, index_reference_bytes: 200 * 2 + 5 * 16 * b, feature_bytes: b })
      expect(man.storage.measured.dense_bytes).toBe(npyFileBytes([200, 16], '<f4'))
      expect(man.storage.measured.dense_pool_dtype_bytes).toBe(densePointsBytes(200, 16, dtype))
    }
    expect(densePointsBytes(200, 16, 'float16')).toBe(128 + 200 * 16 * 2)
    // int8: one byte an element plus a float32 scale a point, as the int8 pool keeps a scale a row
    expect(densePointsBytes(200, 16, 'int8')).toBe(128 + 200 * 16 + 128 + 200 * 4)
  })

  it('writes map.ply with exactly the documented header', async () => {
    const { outDir } = await store({}, { ...makeMap(3, 2, 5), space: 'radio-siglip' })
    const text = new TextDecoder().decode(readFileSync(join(outDir, 'map.ply')))
    expect(text.slice(0, text.indexOf('end_header') + 11)).toBe([
      'ply', 'format binary_little_endian 1.0', 'comment PLAF-TS index-reference map v2', 'comment pool=pool.npy', 'comment feature_dim=5',
      'comment feature_dtype=float32', 'comment space=radio-siglip', 'element vertex 3', 'property float x', 'property float y', 'property float z',
      'property uchar red', 'property uchar green', 'property uchar blue', 'property uint16 ref', 'end_header', '',
    ].join('\n'))
    expect(size(outDir, 'map.ply')).toBe(text.indexOf('end_header') + 11 + 3 * 17)
  })

  it('map.ply loads in three.js PLYLoader with the right positions, colours and refs', async () => {
    const map = makeMap(400, 31, 4)
    const { outDir } = await store({}, map)
    ColorManagement.enabled = false // compare raw /255 colours, not linearised ones
    try {
      const loader = new PLYLoader()
      loader.setCustomPropertyNameMapping({ ref: ['ref'] })
      const geo = loader.parse(readFileSync(join(outDir, 'map.ply')).buffer.slice(0) as ArrayBuffer)
      expect(Array.from(geo.getAttribute('ref').array)).toEqual(Array.from(map.refs))
      expect(Array.from(geo.getAttribute('position').array)).toEqual(Array.from(map.positions))
      const colors = geo.getAttribute('color').array
      expect(maxAbsDiff(colors, Array.from(map.colors, (c) => c / 255))).toBeLessThan(1e-6)
    } finally {
      ColorManagement.enabled = true
    }
  })

  it.skipIf(!hasNumpy)(`pool.npy and dense-points.npy load in numpy, and pool[ref] is the dense row${numpyNote}`, async () => {
    const map = makeMap(40, 5, 6)
    const { outDir } = await store({ dense_baseline: true }, map)
    const got = runPython(`import sys, json, numpy as np
pool = np.load(sys.argv[1]); dense = np.load(sys.argv[2])
refs = np.array(json.loads(sys.argv[3]), dtype=np.int64)
print(json.dumps({'pool': list(pool.shape), 'dense': list(dense.shape), 'dtype': dense.dtype.str, 'same': bool((pool[refs] == dense).all()), 'first': pool[0].astype(float).tolist()}))`,
    [join(outDir, 'pool.npy'), join(outDir, 'dense-points.npy'), JSON.stringify(Array.from(map.refs))]) as Record<string, unknown>
    expect(got).toEqual({ pool: [5, 6], dense: [40, 6], dtype: '<f4', same: true, first: Array.from(map.pool.data.subarray(0, 6)) })
  })

  it('rejects refs past the pool before writing anything', async () => {
    const { inst, outDir } = await openStage(indexReferenceStorage, {}, temp())
    const map = makeMap(10, 3, 2)
    map.refs[4] = 3
    await expect(async () => inst.run({ map }, createRunContext())).rejects.toThrow(/point 4 references pool row 3 but the pool has 3 rows/)
    expect(listDir(outDir)).toEqual([])
  })

  it('leaves no file under a final name when a write fails part-way', async () => {
    const { inst, outDir } = await openStage(indexReferenceStorage, { dense_baseline: true }, temp())
    // pool.npy and dense-points.npy are written first; the blocked map.ply rename then fails.
    mkdirSync(join(outDir, 'map.ply', 'blocker'), { recursive: true })
    await expect(async () => inst.run({ map: makeMap(30, 4, 3) }, createRunContext())).rejects.toThrow()
    expect(listDir(outDir)).toEqual(['map.ply'])
    expect(statSync(join(outDir, 'map.ply')).isDirectory()).toBe(true)
  })

  it('read() names missing or malformed files', async () => {
    const { inst, outDir } = await store({}, makeMap(5, 2, 3))
    const noRef = encodePly({ vertexCount: 1, properties: ['x', 'y', 'z'].map((name) => ({ name, type: 'float' as const, data: [0] })) })
    writeFileSync(join(outDir, 'map.ply'), noRef)
    await expect(inst.read!()).rejects.toThrow(/map\.ply is \d+ bytes but .*map\.json records \d+: the file was truncated after the map was written/)
    recordSizes(outDir)
    await expect(inst.read!()).rejects.toThrow(/map\.ply needs vertex property "uchar red", found none/)
    writeFileSync(join(outDir, 'pool.npy'), new Uint8Array(3))
    writeFileSync(join(outDir, 'map.ply'), encodePly({ vertexCount: 0, properties: [
      ...['x', 'y', 'z'].map((name) => ({ name, type: 'float' as const, data: [] })),
      ...['red', 'green', 'blue'].map((name) => ({ name, type: 'uchar' as const, data: [] })), { name: 'ref', type: 'ushort' as const, data: [] },
    ] }))
    recordSizes(outDir)
    const err = await inst.read!().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PlafError)
    expect((err as PlafError).diagnostics[0]).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: join(outDir, 'pool.npy') })
    expect(() => readIndexReferenceMap(temp())).toThrow(/map\.json does not exist/)
    expect(decodePly(readFileSync(join(outDir, 'map.ply'))).vertexCount).toBe(0)
  })
})
