import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { SemanticMap3D } from '@plaf/core'
import { createRunContext, describeStagePlugin } from '@plaf/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { densePointsStorage, npyFileBytes, open3D, readDensePointsMap, writeDensePointsMap, writeIndexReferenceMap } from '../src/index.js'
import { hasNumpy, listDir, makeMap, numpyNote, openStage, runPython, tempDir } from './fixtures.js'

describeStagePlugin(densePointsStorage, [
  { name: 'kept', inputs: () => ({ map: makeMap(50, 6, 8) }) },
  { name: 'measured only', options: { keep: false }, inputs: () => ({ map: makeMap(20, 3, 4) }) },
  { name: 'empty map', inputs: () => ({ map: makeMap(0, 0, 4) }) },
])

let cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups) c()
  cleanups = []
})
const temp = () => {
  const t = tempDir('dense-points')
  cleanups.push(t.cleanup)
  return t.dir
}

describe('dense-points', () => {
  it('stores every point\'s own row; read back, point i\'s feature is the index-reference pool[ref[i]]', async () => {
    const map = makeMap(5000, 13, 7)
    const { inst, outDir } = await openStage(densePointsStorage, {}, temp())
    const rc = createRunContext()
    await inst.run({ map }, rc)
    expect(listDir(outDir)).toEqual(['features.npy', 'map.json', 'points.ply'])
    expect(statSync(join(outDir, 'features.npy')).size).toBe(npyFileBytes([5000, 7], '<f4'))
    expect(rc.metrics).toEqual({ bytes: statSync(join(outDir, 'features.npy')).size + statSync(join(outDir, 'points.ply')).size, dense_bytes: 128 + 5000 * 7 * 4, points: 5000 })
    const { map: back } = (await inst.read!()) as { map: SemanticMap3D }
    expect([back.positions, back.colors, back.space]).toEqual([map.positions, map.colors, map.space])
    const ir = temp()
    writeIndexReferenceMap(ir, map, { feature_dtype: 'float32', dense_baseline: false, keep_dense_baseline: false })
    const indexed = open3D(ir).map
    for (let i = 0; i < 5000; i += 499) {
      expect(back.pool.data.subarray(back.refs[i] * 7, back.refs[i] * 7 + 7)).toEqual(indexed.pool.data.subarray(indexed.refs[i] * 7, indexed.refs[i] * 7 + 7))
    }
  })

  it('keep: false writes no features.npy but records its exact size, and refuses to be read', () => {
    const dir = temp()
    const man = writeDensePointsMap(dir, makeMap(300, 4, 9), { keep: false })
    expect(listDir(dir)).toEqual(['map.json', 'points.ply'])
    expect(man.semantic_bytes).toBe(128 + 300 * 9 * 4)
    expect(() => readDensePointsMap(dir)).toThrow(/stored with keep: false/)
  })

  it('rejects refs past the pool before writing anything', () => {
    const dir = temp()
    const map = makeMap(10, 3, 2)
    map.refs[7] = 5
    expect(() => writeDensePointsMap(dir, map, { keep: true })).toThrow(/point 7 references pool row 5 but the pool has 3 rows/)
    expect(listDir(dir)).toEqual([])
  })

  it.skipIf(!hasNumpy)(`features.npy loads in numpy as N×D float32${numpyNote}`, () => {
    const map = makeMap(40, 5, 6)
    const dir = temp()
    writeDensePointsMap(dir, map, { keep: true })
    const got = runPython(`import sys, json, numpy as np
f = np.load(sys.argv[1])
print(json.dumps({'shape': list(f.shape), 'dtype': f.dtype.str, 'row': f[3].astype(float).tolist()}))`, [join(dir, 'features.npy')]) as Record<string, unknown>
    const r = map.refs[3]
    expect(got).toEqual({ shape: [40, 6], dtype: '<f4', row: Array.from(map.pool.data.subarray(r * 6, r * 6 + 6)) })
    expect(readFileSync(join(dir, 'points.ply')).subarray(0, 3).toString()).toBe('ply')
  })
})
