import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodePly, encodePly } from '@plaf/core'
import { pythonCheck } from '@plaf/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { open3D, worstRowCosine, writeIndexReferenceMap, type IndexReferenceOptions } from '../src/index.js'
import { hasNumpy, listDir, makeMap, maxAbsDiff, numpyNote, recordSizes, runPython, tempDir } from './fixtures.js'

let cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups) c()
  cleanups = []
})
const temp = () => {
  const t = tempDir('index-ref-v2')
  cleanups.push(t.cleanup)
  return t.dir
}
const base: IndexReferenceOptions = { feature_dtype: 'float32', pool_format: 'npy', counts: false, refs_codec: 'none', dense_baseline: false, keep_dense_baseline: true }
const open3d = pythonCheck(['open3d', 'numpy'], ['python3-open3d'])

describe('index-reference v2', () => {
  it('writes → open3D → equal, for every pool format and dtype (lossy ones within their bounds)', () => {
    const map = makeMap(700, 40, 24)
    for (const pool_format of ['npy', 'safetensors'] as const) {
      for (const feature_dtype of ['float32', 'float16', 'int8'] as const) {
        const dir = temp()
        const man = writeIndexReferenceMap(dir, map, { ...base, pool_format, feature_dtype })
        const { map: back, manifest, counts } = open3D(dir)
        expect(manifest).toEqual(man)
        expect(counts).toBeNull()
        expect([back.positions, back.colors, back.refs, back.space, back.pool.shape]).toEqual([map.positions, map.colors, map.refs, map.space, map.pool.shape])
        const what = `${pool_format} ${feature_dtype}`
        if (feature_dtype === 'float32') expect(back.pool.data, what).toEqual(map.pool.data)
        if (feature_dtype === 'float16') expect(maxAbsDiff(back.pool.data, map.pool.data), what).toBeLessThan(1e-3)
        if (feature_dtype === 'int8') expect(worstRowCosine(map.pool.data, back.pool.data, 40, 24), what).toBeGreaterThan(0.999)
        const pool = pool_format === 'npy' ? (feature_dtype === 'int8' ? ['pool-scales.npy', 'pool.npy'] : ['pool.npy']) : ['pool.safetensors']
        expect(listDir(dir), what).toEqual(['map.json', 'map.ply', ...pool, 'refs.npy'].sort())
        // The semantic part: the pool file(s) plus N refs of 2 bytes (M ≤ 65,535).
        const poolBytes = pool.reduce((s, f) => s + readFileSync(join(dir, f)).length, 0)
        expect(man.storage.measured.semantic_bytes).toBe(poolBytes + 700 * 2)
      }
    }
  })

  it('uses int32 refs in map.ply (<u4 in refs.npy) above 65,535 pool rows, uint16 at exactly 65,535', () => {
    for (const [m, type, dtype] of [[65_535, 'uint16', 'uint16'], [65_536, 'int32', 'uint32']] as const) {
      const map = makeMap(10, m, 1)
      map.refs[3] = m - 1
      const dir = temp()
      const man = writeIndexReferenceMap(dir, map, base)
      expect(man.ref_dtype).toBe(dtype)
      expect(decodePly(readFileSync(join(dir, 'map.ply'))).types.ref).toBe(type)
      expect(open3D(dir).map.refs).toEqual(map.refs)
    }
  })

  it('writes the per-point count column when asked and given, and reads it back', () => {
    const map = makeMap(50, 4, 3)
    const counts = Uint32Array.from({ length: 50 }, (_, i) => 1 + (i * 7) % 13)
    const dir = temp()
    expect(writeIndexReferenceMap(dir, map, { ...base, counts: true }, counts).counts).toBe(true)
    expect(decodePly(readFileSync(join(dir, 'map.ply'))).types.count).toBe('int32')
    expect(open3D(dir).counts).toEqual(counts)
    const without = temp()
    expect(writeIndexReferenceMap(without, map, { ...base, counts: true }).counts).toBe(false)
    expect(open3D(without).counts).toBeNull()
    expect(() => writeIndexReferenceMap(temp(), map, { ...base, counts: true }, new Uint32Array(3))).toThrow(/3 observation counts for 50 points/)
  })

  it('names a pool whose dtype disagrees with map.json', () => {
    const dir = temp()
    const man = writeIndexReferenceMap(dir, makeMap(5, 2, 3), { ...base, feature_dtype: 'int8', pool_format: 'safetensors' })
    const path = join(dir, 'map.json')
    writeFileSync(path, JSON.stringify({ ...man, feature_dtype: 'float16' }))
    expect(() => open3D(dir)).toThrow(/pool\.safetensors: tensor "pool" must be 2-D F16 \(map\.json says float16\), found I8/)
  })

  it.skipIf(!hasNumpy)(`refs.npy, an int8 pool and its scales load in numpy: pool[refs] · scale is the float32 row${numpyNote}`, () => {
    const map = makeMap(300, 20, 16)
    const dir = temp()
    writeIndexReferenceMap(dir, map, { ...base, feature_dtype: 'int8' })
    const got = runPython(`import sys, json, numpy as np
d = sys.argv[1]
refs = np.load(d + '/refs.npy'); q = np.load(d + '/pool.npy'); s = np.load(d + '/pool-scales.npy')
rows = q[refs].astype(np.float32) * s[refs][:, None]
print(json.dumps({'refs': refs.dtype.str, 'pool': q.dtype.str, 'first': refs[:5].tolist(), 'rows': rows[:3].ravel().tolist()}))`, [dir]) as Record<string, unknown>
    const want: number[] = []
    for (let i = 0; i < 3; i++) want.push(...map.pool.data.subarray(map.refs[i] * 16, map.refs[i] * 16 + 16))
    expect(got).toMatchObject({ refs: '<u2', pool: '|i1', first: Array.from(map.refs.subarray(0, 5)) })
    expect(maxAbsDiff(got.rows as number[], want)).toBeLessThan(0.01)
  })

  it.skipIf(!open3d.available)(`map.ply (uint16 or int32 ref, int32 count) loads in Open3D with the right points, colours, refs and counts${open3d.note}`, () => {
    for (const m of [9, 70_000]) {
      const map = makeMap(200, m, 4)
      map.refs[7] = m - 1
      const counts = Uint32Array.from({ length: 200 }, (_, i) => 1 + (i % 11))
      const dir = temp()
      writeIndexReferenceMap(dir, map, { ...base, counts: true }, counts)
      const got = open3d.json(`import sys, json, numpy as np, open3d as o3d
pc = o3d.io.read_point_cloud(sys.argv[1] + '/map.ply')
t = o3d.t.io.read_point_cloud(sys.argv[1] + '/map.ply')
print(json.dumps({'n': len(pc.points), 'p': np.asarray(pc.points)[:4].ravel().tolist(), 'c': (np.asarray(pc.colors)[:4] * 255).round().ravel().tolist(),
  'ref': t.point['ref'].numpy().ravel().tolist(), 'count': t.point['count'].numpy().ravel().tolist()}))`, [dir]) as Record<string, unknown>
      expect(got.n).toBe(200)
      expect(maxAbsDiff(got.p as number[], Array.from(map.positions.subarray(0, 12)))).toBeLessThan(1e-6)
      expect(got.c).toEqual(Array.from(map.colors.subarray(0, 12)))
      expect(got.ref).toEqual(Array.from(map.refs))
      expect(got.count).toEqual(Array.from(counts))
    }
  })

  it('reads maps written before the Open3D spellings (ushort / uint ref, uint count), and names negative refs and counts', () => {
    const map = makeMap(20, 5, 2)
    const dir = temp()
    writeIndexReferenceMap(dir, map, { ...base, counts: true }, new Uint32Array(20).fill(2))
    const ply = decodePly(readFileSync(join(dir, 'map.ply')))
    const rewrite = (ref: { type: 'ushort' | 'int32'; data: ArrayLike<number> }, count: { type: 'uint' | 'int32'; data: ArrayLike<number> }) => {
      writeFileSync(join(dir, 'map.ply'), encodePly({ vertexCount: 20, properties: [
        ...(['x', 'y', 'z'] as const).map((name) => ({ name, type: 'float' as const, data: ply.properties[name] })),
        ...(['red', 'green', 'blue'] as const).map((name) => ({ name, type: 'uchar' as const, data: ply.properties[name] })),
        { name: 'ref', ...ref }, { name: 'count', ...count },
      ] }))
      recordSizes(dir)
    }
    rewrite({ type: 'ushort', data: map.refs }, { type: 'uint', data: new Uint32Array(20).fill(2) })
    expect(open3D(dir).map.refs).toEqual(map.refs)
    expect(open3D(dir).counts).toEqual(new Uint32Array(20).fill(2))
    rewrite({ type: 'ushort', data: map.refs }, { type: 'int32', data: new Int32Array(20).fill(-1) })
    expect(() => open3D(dir)).toThrow(/map\.ply: point 0 has the negative observation count -1/)
    rewrite({ type: 'int32', data: map.refs }, { type: 'int32', data: new Int32Array(20).fill(1) })
    expect(() => open3D(dir)).toThrow(/map\.ply needs vertex property "ushort ref", found "int32 ref"/)
  })
})

describe('refs_codec: deflate', () => {
  it('groups points by ref (stable), deflates refs.npy, and reads back the same points in that order', () => {
    const map = makeMap(3000, 25, 8)
    const counts = Uint32Array.from({ length: 3000 }, (_, i) => 1 + (i % 5))
    const dir = temp()
    const man = writeIndexReferenceMap(dir, map, { ...base, counts: true, refs_codec: 'deflate' }, counts)
    expect(man).toMatchObject({ refs_codec: 'deflate', point_order: 'grouped-by-ref', files: { refs: { name: 'refs.npy.zlib' } } })
    const back = open3D(dir)
    // Same multiset of (position, colour, ref, count), refs non-decreasing, ties in lifted order.
    const key = (m: { positions: Float32Array; colors: Uint8Array; refs: Uint32Array }, c: Uint32Array, i: number) =>
      `${m.refs[i]}|${Array.from(m.positions.subarray(3 * i, 3 * i + 3))}|${Array.from(m.colors.subarray(3 * i, 3 * i + 3))}|${c[i]}`
    const want = Array.from({ length: 3000 }, (_, i) => i).sort((a, b) => map.refs[a] - map.refs[b] || a - b).map((i) => key(map, counts, i))
    expect(Array.from({ length: 3000 }, (_, i) => key(back.map, back.counts!, i))).toEqual(want)
    expect(back.map.pool).toEqual(map.pool)
    // 25 runs of uint16 deflate to far less than 2 bytes per point; the semantic part counts the file.
    const zlibBytes = readFileSync(join(dir, 'refs.npy.zlib')).length
    expect(zlibBytes).toBeLessThan(3000 * 2 / 10)
    expect(man.storage.measured.ref_bytes).toBe(zlibBytes)
  })

  it('names a refs.npy.zlib that is damaged or disagrees with map.ply', () => {
    const dir = temp()
    writeIndexReferenceMap(dir, makeMap(100, 4, 2), { ...base, refs_codec: 'deflate' })
    writeFileSync(join(dir, 'refs.npy.zlib'), new Uint8Array([1, 2, 3]))
    expect(() => open3D(dir)).toThrow(/refs\.npy\.zlib is 3 bytes but .*map\.json records \d+: the file was truncated/)
    recordSizes(dir)
    expect(() => open3D(dir)).toThrow(/refs\.npy\.zlib is not a zlib stream of a \.npy/)
    const other = temp()
    writeIndexReferenceMap(other, makeMap(100, 4, 2, 9), { ...base, refs_codec: 'deflate' })
    writeFileSync(join(dir, 'refs.npy.zlib'), readFileSync(join(other, 'refs.npy.zlib')))
    recordSizes(dir)
    expect(() => open3D(dir)).toThrow(/refs\.npy\.zlib disagrees with the ref column of .*map\.ply/)
  })

  it.skipIf(!hasNumpy)(`refs.npy.zlib loads with numpy and Python's zlib${numpyNote}`, () => {
    const map = makeMap(500, 7, 3)
    const dir = temp()
    writeIndexReferenceMap(dir, map, { ...base, refs_codec: 'deflate' })
    const got = runPython(`import sys, io, json, zlib, numpy as np
r = np.load(io.BytesIO(zlib.decompress(open(sys.argv[1] + '/refs.npy.zlib', 'rb').read())))
print(json.dumps({'dtype': r.dtype.str, 'refs': r.tolist()}))`, [dir]) as { dtype: string; refs: number[] }
    expect(got.dtype).toBe('<u2')
    expect(got.refs).toEqual(Array.from(map.refs).sort((a, b) => a - b))
  })
})
