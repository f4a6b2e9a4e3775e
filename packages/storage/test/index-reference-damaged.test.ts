import { readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodeNpy, PlafError } from '@plaf/core'
import { afterEach, describe, expect, it } from 'vitest'
import { npyFileBytes, open3D, writeIndexReferenceMap, type IndexReferenceManifest, type IndexReferenceOptions } from '../src/index.js'
import { makeMap, recordSizes, tempDir } from './fixtures.js'

let cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups) c()
  cleanups = []
})
const temp = () => {
  const t = tempDir('index-ref-damaged')
  cleanups.push(t.cleanup)
  return t.dir
}
const base: IndexReferenceOptions = { feature_dtype: 'float32', pool_format: 'npy', counts: false, refs_codec: 'none', dense_baseline: false, keep_dense_baseline: true }

/** The first diagnostic open3D throws for `dir`. */
const refusal = (dir: string) => {
  try {
    open3D(dir)
  } catch (e) {
    expect(e).toBeInstanceOf(PlafError)
    return (e as PlafError).diagnostics[0]
  }
  throw new Error(`open3D(${dir}) did not refuse`)
}

describe('open3D checks every file map.json lists', () => {
  it('refuses a truncated refs.npy, naming it and both sizes (the walkthrough: truncate -s 1000 refs.npy went unnoticed)', () => {
    const dir = temp()
    const man = writeIndexReferenceMap(dir, makeMap(2000, 30, 8), base)
    truncateSync(join(dir, 'refs.npy'), 1000)
    const d = refusal(dir)
    expect(d).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: join(dir, 'refs.npy'), expected: `${man.files.refs.bytes} bytes`, actual: '1000 bytes' })
    expect(d.message).toBe(`${join(dir, 'refs.npy')} is 1,000 bytes but ${join(dir, 'map.json')} records 4,128: the file was truncated after the map was written`)
  })

  it('refuses any listed file whose size changed: pool, pool scales, dense-points, map.ply (grown too)', () => {
    for (const [opts, file] of [[{}, 'pool.npy'], [{ feature_dtype: 'int8' }, 'pool-scales.npy'], [{ dense_baseline: true }, 'dense-points.npy'], [{}, 'map.ply'], [{ pool_format: 'safetensors' }, 'pool.safetensors']] as const) {
      const dir = temp()
      writeIndexReferenceMap(dir, makeMap(300, 12, 5), { ...base, ...opts })
      const bytes = readFileSync(join(dir, file))
      writeFileSync(join(dir, file), Buffer.concat([bytes, Buffer.from([0])]))
      expect(refusal(dir), file).toMatchObject({ file: join(dir, file), message: expect.stringMatching(/is [\d,]+ bytes but .*records [\d,]+: the file was changed after the map was written/) })
      writeFileSync(join(dir, file), bytes.subarray(0, bytes.length - 1))
      expect(refusal(dir).message, file).toMatch(/the file was truncated after the map was written/)
    }
  })

  it('refuses a missing listed file (dense-points.npy deleted), naming it', () => {
    const dir = temp()
    writeIndexReferenceMap(dir, makeMap(50, 4, 3), { ...base, dense_baseline: true })
    writeFileSync(join(dir, 'dense-points.npy'), '') // replaced by an empty file
    expect(refusal(dir).message).toMatch(/dense-points\.npy is 0 bytes but .*records/)
  })

  it('checks the .npy headers against map.json even when the sizes were recorded: dtype and shape, data adding up', () => {
    const map = makeMap(400, 10, 6)
    // refs.npy of the right size but <i2 instead of <u2
    const a = temp()
    writeIndexReferenceMap(a, map, base)
    writeFileSync(join(a, 'refs.npy'), encodeNpy({ data: Int16Array.from(map.refs), shape: [400] }))
    recordSizes(a)
    expect(refusal(a)).toMatchObject({ file: join(a, 'refs.npy'), expected: '<u2 (400)', actual: '<i2 (400)' })
    // refs.npy with one point too few (map.json's sizes rewritten to match)
    const b = temp()
    writeIndexReferenceMap(b, map, base)
    writeFileSync(join(b, 'refs.npy'), encodeNpy({ data: Uint16Array.from(map.refs.subarray(1)), shape: [399] }))
    recordSizes(b)
    expect(refusal(b).message).toMatch(/refs\.npy must hold a <u2 array of shape \(400\) \(from .*map\.json\), found <u2 \(399\)/)
    // a header promising more than the file holds
    const c = temp()
    writeIndexReferenceMap(c, map, { ...base, dense_baseline: true })
    const dense = readFileSync(join(c, 'dense-points.npy'))
    writeFileSync(join(c, 'dense-points.npy'), dense.subarray(0, dense.length - 4))
    recordSizes(c)
    expect(refusal(c).message).toMatch(new RegExp(`dense-points\\.npy is ${(dense.length - 4).toLocaleString('en-US')} bytes, its header \\(<f4, shape \\(400, 6\\)\\) needs ${dense.length.toLocaleString('en-US')}`))
    // a pool of the right dtype and size but another shape than map.json says
    const e = temp()
    writeIndexReferenceMap(e, map, base)
    writeFileSync(join(e, 'pool.npy'), encodeNpy({ data: map.pool.data, shape: [6, 10] }))
    recordSizes(e)
    expect(refusal(e)).toMatchObject({ file: join(e, 'pool.npy'), expected: '<f4 (10, 6)', actual: '<f4 (6, 10)' })
  })

  it('refuses a refs.npy that is well formed but disagrees with the PLY ref column, naming the first point', () => {
    const map = makeMap(500, 20, 4)
    const dir = temp()
    writeIndexReferenceMap(dir, map, base)
    const refs = Uint16Array.from(map.refs)
    refs[321] = (refs[321] + 1) % 20
    writeFileSync(join(dir, 'refs.npy'), encodeNpy({ data: refs, shape: [500] }))
    expect(refusal(dir)).toMatchObject({
      file: join(dir, 'refs.npy'), message: `${join(dir, 'refs.npy')} disagrees with the ref column of ${join(dir, 'map.ply')}: point 321 has ref ${refs[321]} there, ${map.refs[321]} in the PLY`,
    })
  })

  it('refuses a map.json whose counts disagree with the files (points, pool_rows, feature_dim), and a v2 map.json without refs', () => {
    const dir = temp()
    const man = writeIndexReferenceMap(dir, makeMap(100, 5, 3), base)
    const write = (m: unknown) => writeFileSync(join(dir, 'map.json'), JSON.stringify(m))
    write({ ...man, points: 99 })
    expect(refusal(dir).message).toMatch(/refs\.npy must hold a <u2 array of shape \(99\)/)
    write({ ...man, pool_rows: 6 })
    expect(refusal(dir).message).toMatch(/pool\.npy must hold a <f4 array of shape \(6, 3\)/)
    write({ ...man, files: { ply: man.files.ply, pool: man.files.pool } })
    expect(refusal(dir).message).toMatch(/map\.json lists no refs file \(files\.refs\): a version 2 map always has one/)
    write({ ...man, files: { ...man.files, refs: { name: 'refs.npy', bytes: 'x' } } })
    expect(refusal(dir).message).toMatch(/map\.json: files\.refs\.bytes must be a byte count, got "x"/)
  })

  it('reads an undamaged map of every kind (dense kept or not, int8, safetensors, deflate, wide refs)', () => {
    for (const opts of [{}, { dense_baseline: true }, { dense_baseline: true, keep_dense_baseline: false }, { feature_dtype: 'int8' }, { pool_format: 'safetensors' }, { refs_codec: 'deflate' }] as const) {
      const dir = temp()
      writeIndexReferenceMap(dir, makeMap(300, 12, 5), { ...base, ...opts })
      expect(open3D(dir).map.refs.length, JSON.stringify(opts)).toBe(300)
    }
    const wide = makeMap(30, 70_000, 1)
    wide.refs[2] = 69_999
    const dir = temp()
    writeIndexReferenceMap(dir, wide, base)
    expect(open3D(dir).map.refs).toEqual(wide.refs)
  })
})

describe('the dense per-point float32 baseline is always reported', () => {
  it('without dense_baseline: map.json has its exact size (header + N·D·4) and the ratio, nothing written', () => {
    const dir = temp()
    const man: IndexReferenceManifest = writeIndexReferenceMap(dir, makeMap(1234, 9, 16), base)
    expect(man.files.dense).toBeUndefined()
    expect(man.storage.measured).toMatchObject({ dense_bytes: npyFileBytes([1234, 16], '<f4'), dense_written: false, ratio: man.storage.measured.semantic_bytes / npyFileBytes([1234, 16], '<f4') })
    expect(npyFileBytes([1234, 16], '<f4')).toBe(128 + 1234 * 16 * 4)
  })
})
