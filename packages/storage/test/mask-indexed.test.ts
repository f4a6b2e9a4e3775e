import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeNpy, decodePng, PlafError, type SemanticMemory2D } from '@plaf/core'
import { createRunContext, describeStagePlugin } from '@plaf/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { maskIndexedStorage, npyFileBytes, readMaskIndexedFrame, type FrameIndex } from '../src/index.js'
import { hasNumpy, listDir, makeMemory, maxAbsDiff, numpyNote, openStage, runPython, tempDir } from './fixtures.js'

describeStagePlugin(maskIndexedStorage, [
  { name: 'float32', inputs: () => ({ memory: makeMemory(12, 16, 8, 5) }) },
  { name: 'float16', options: { feature_dtype: 'float16' }, inputs: () => ({ memory: makeMemory(9, 7, 4, 3) }) },
])

let cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups) c()
  cleanups = []
})
const temp = () => {
  const t = tempDir('mask-indexed')
  cleanups.push(t.cleanup)
  return t.dir
}

async function store(options: Record<string, unknown>, frames: Array<[string, SemanticMemory2D]>) {
  const { inst, outDir } = await openStage(maskIndexedStorage, options, temp())
  const metrics: Array<Record<string, number>> = []
  for (const [i, [id, memory]] of frames.entries()) {
    const rc = createRunContext({ id, index: i })
    expect(await inst.run({ memory }, rc)).toEqual({})
    metrics.push(rc.metrics)
  }
  expect(await inst.finish!({}, createRunContext())).toEqual({})
  return { inst, outDir, metrics }
}

describe('mask-indexed', () => {
  it('round-trips float32 frames exactly and reports the bytes on disk', async () => {
    const frames: Array<[string, SemanticMemory2D]> = [['000000', makeMemory(30, 40, 16, 9, 1)], ['000010', makeMemory(30, 40, 16, 4, 2)]]
    const { inst, outDir, metrics } = await store({}, frames)
    for (const [k, [id, memory]] of frames.entries()) {
      const { memory: back } = (await inst.read!({ id })) as { memory: SemanticMemory2D }
      expect(back).toEqual(memory)
      const onDisk = ['ids.png', 'features.npy', 'json'].reduce((a, ext) => a + statSync(join(outDir, `${id}.${ext}`)).size, 0)
      const dense = npyFileBytes([30, 40, 16], '<f4')
      expect(metrics[k]).toEqual({ bytes: onDisk, dense_float32_bytes: dense, frames: 1, rows: memory.features.shape[0] })
    }
    expect(listDir(outDir)).toEqual(['000000.features.npy', '000000.ids.png', '000000.json', '000010.features.npy', '000010.ids.png', '000010.json', 'index.json'])
  })

  it('round-trips float16 within 1e-3 and halves the table', async () => {
    const memory = makeMemory(20, 20, 64, 12, 3)
    const { outDir, metrics } = await store({ feature_dtype: 'float16' }, [['f1', memory]])
    const back = readMaskIndexedFrame(outDir, 'f1')
    expect(back.ids).toEqual(memory.ids)
    expect(back.features.shape).toEqual(memory.features.shape)
    expect(maxAbsDiff(back.features.data, memory.features.data)).toBeLessThan(1e-3)
    const npy = decodeNpy(readFileSync(join(outDir, 'f1.features.npy')))
    expect(npy.dtype).toBe('<f2')
    expect(statSync(join(outDir, 'f1.features.npy')).size).toBe(128 + 13 * 64 * 2)
    expect(metrics[0].bytes).toBe(statSync(join(outDir, 'f1.features.npy')).size + statSync(join(outDir, 'f1.ids.png')).size + statSync(join(outDir, 'f1.json')).size)
  })

  it('writes readable files: a 16-bit greyscale PNG, a .npy with a zero background row, and index.json', async () => {
    const memory = makeMemory(10, 12, 4, 3, 4, 'siglip-test')
    const { outDir } = await store({}, [['a', memory]])
    const png = decodePng(readFileSync(join(outDir, 'a.ids.png')))
    expect([png.width, png.height, png.channels, png.depth]).toEqual([12, 10, 1, 16])
    expect(png.data).toEqual(memory.ids.data)
    const npy = decodeNpy(readFileSync(join(outDir, 'a.features.npy')))
    expect(npy.shape).toEqual([4, 4])
    expect(Array.from(npy.data.subarray(0, 4) as Float32Array)).toEqual([0, 0, 0, 0])
    const index = JSON.parse(readFileSync(join(outDir, 'index.json'), 'utf8')) as FrameIndex
    const bytes = statSync(join(outDir, 'a.ids.png')).size + statSync(join(outDir, 'a.features.npy')).size + statSync(join(outDir, 'a.json')).size
    expect(index).toMatchObject({
      format: 'plaf-mask-indexed', version: 1, space: 'siglip-test', feature_dim: 4, feature_dtype: 'float32', image_size: [10, 12], total_bytes: bytes,
      frames: [{ id: 'a', files: { ids: 'a.ids.png', features: 'a.features.npy', manifest: 'a.json' }, bytes, rows: 4, image_size: [10, 12] }],
    })
    // Paper eqs. (4)–(5): dense H·W·D·4, mask-indexed H·W·2 + K·D·b.
    expect(index.storage).toMatchObject({ bytes, paper_feature_bytes: 4, paper_dense_bytes: 10 * 12 * 4 * 4, paper_mask_indexed_bytes: 10 * 12 * 2 + 4 * 4 * 4 })
  })

  it('computes the paper\'s eqs. (4)–(6) with the table\'s b on both sides (float16: b = 2)', async () => {
    const memory = makeMemory(10, 12, 4, 3, 4, 'siglip-test')
    const { outDir } = await store({ feature_dtype: 'float16' }, [['a', memory]])
    const index = JSON.parse(readFileSync(join(outDir, 'index.json'), 'utf8')) as FrameIndex
    const paper = 10 * 12 * 2 + 4 * 4 * 2
    expect(index.storage).toMatchObject({ paper_feature_bytes: 2, paper_dense_bytes: 10 * 12 * 4 * 2, paper_mask_indexed_bytes: paper, paper_ratio: paper / (10 * 12 * 4 * 2) })
  })

  it('writes an empty index when no frame arrived', async () => {
    const { outDir } = await store({}, [])
    const index = JSON.parse(readFileSync(join(outDir, 'index.json'), 'utf8')) as FrameIndex
    expect(index).toMatchObject({ frames: [], space: null, feature_dim: null, image_size: null, total_bytes: 0 })
  })

  it('rejects id maps that point past the table, frames in another space, and unsafe frame ids', async () => {
    const { inst, outDir } = await openStage(maskIndexedStorage, {}, temp())
    const bad = makeMemory(4, 4, 2, 2)
    bad.ids.data[5] = 3
    await expect(async () => inst.run({ memory: bad }, createRunContext({ id: 'x', index: 0 }))).rejects.toThrow(/uses id 3 but the feature table has 3 rows/)
    await inst.run({ memory: makeMemory(4, 4, 2, 2) }, createRunContext({ id: 'y', index: 1 }))
    const other = makeMemory(4, 4, 2, 2, 1, 'other-space')
    await expect(async () => inst.run({ memory: other }, createRunContext({ id: 'z', index: 2 }))).rejects.toMatchObject({ code: 'PLAF_SPACE_MISMATCH' })
    await expect(async () => inst.run({ memory: makeMemory(4, 4, 2, 2) }, createRunContext({ id: '../up', index: 3 }))).rejects.toThrow(/cannot be used in a file name/)
    expect(listDir(outDir)).toEqual(['y.features.npy', 'y.ids.png', 'y.json'])
  })

  it('leaves no file under a final name when a write fails mid-frame', async () => {
    const { inst, outDir } = await openStage(maskIndexedStorage, {}, temp())
    // A non-empty directory where the table should go makes its rename fail after the PNG is in place.
    mkdirSync(join(outDir, 'f.features.npy', 'blocker'), { recursive: true })
    await expect(async () => inst.run({ memory: makeMemory(5, 5, 3, 2) }, createRunContext({ id: 'f', index: 0 }))).rejects.toThrow()
    expect(listDir(outDir)).toEqual(['f.features.npy'])
    expect(statSync(join(outDir, 'f.features.npy')).isDirectory()).toBe(true)
  })

  it('read() names the file that is missing or broken', async () => {
    const { inst, outDir } = await store({}, [['k', makeMemory(6, 6, 3, 2)]])
    await expect(inst.read!({ id: 'nope' })).rejects.toMatchObject({ code: 'PLAF_FILE_NOT_FOUND', diagnostics: [{ frame: 'nope', message: expect.stringMatching(/frame nope is not stored in .*store \(1 frames\)/) }] })
    writeFileSync(join(outDir, 'k.features.npy'), 'garbage')
    const err = await inst.read!({ id: 'k' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PlafError)
    expect((err as PlafError).diagnostics[0]).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: join(outDir, 'k.features.npy') })
    writeFileSync(join(outDir, 'k.ids.png'), 'not a png')
    await expect(inst.read!({ id: 'k' })).rejects.toThrow(/k\.ids\.png: not a PNG \(no PNG signature\)/)
    const empty = temp()
    expect(() => readMaskIndexedFrame(empty, 'k')).toThrow(/frame k is not stored in .* \(0 frames\)/)
  })

  it.skipIf(!hasNumpy)(`the id map and table load outside PLAF (zlib + numpy PNG reader, np.load)${numpyNote}`, async () => {
    const memory = makeMemory(13, 21, 6, 300, 5) // ids up to 300 need both bytes of each 16-bit sample
    const { outDir } = await store({}, [['p', memory]])
    // A PNG reader written from the spec in Python (no PIL here): chunks, zlib, the five row filters, big-endian samples.
    const got = runPython(`import sys, json, struct, zlib, numpy as np
b = open(sys.argv[1], 'rb').read(); assert b[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
pos, idat = 8, b''
while pos < len(b):
    n, t = struct.unpack('>I4s', b[pos:pos + 8]); body = b[pos + 8:pos + 8 + n]; pos += 12 + n
    if t == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    if t == b'IDAT': idat += body
raw, bpp, stride = zlib.decompress(idat), 2, w * 2
rows, prev = [], bytearray(stride)
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0; c = prev[i - bpp] if i >= bpp else 0; up = prev[i]
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + up) & 255
        elif f == 3: line[i] = (line[i] + (a + up) // 2) & 255
        elif f == 4:
            p = a + up - c; pa, pb, pc = abs(p - a), abs(p - up), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else up if pb <= pc else c)) & 255
    rows.append(bytes(line)); prev = line
ids = np.frombuffer(b''.join(rows), '>u2').reshape(h, w)
t = np.load(sys.argv[2])
print(json.dumps({'ihdr': [w, h, depth, ctype], 'ids': ids.ravel().tolist(), 'table': list(t.shape), 'row0': t[0].tolist()}))`,
    [join(outDir, 'p.ids.png'), join(outDir, 'p.features.npy')]) as { ihdr: number[]; ids: number[]; table: number[]; row0: number[] }
    expect(got.ihdr).toEqual([21, 13, 16, 0])
    expect(got.ids).toEqual(Array.from(memory.ids.data))
    expect(Math.max(...got.ids)).toBeGreaterThan(255)
    expect(got.table).toEqual([301, 6])
    expect(got.row0).toEqual([0, 0, 0, 0, 0, 0])
  })
})
