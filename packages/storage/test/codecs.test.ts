import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createRunContext } from '@plaf/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import {
  encodeTable, maskIndexedStorage, npyFileBytes, open2D, quantizeInt8, worstRowCosine, writeMaskIndexedFrame, type FrameIndex, type FrameManifest, type Memory2D,
} from '../src/index.js'
import { writeBatch } from '../src/files.js'
import { hasNumpy, listDir, makeMemory, numpyNote, openStage, runPython, tempDir } from './fixtures.js'

let cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups) c()
  cleanups = []
})
const temp = () => {
  const t = tempDir('codecs')
  cleanups.push(t.cleanup)
  return t.dir
}

/** A memory with more than 65,535 masks: one pixel per mask on a 270×270 image, D = 2. */
function wideMemory(): Memory2D {
  const h = 270
  const w = 270
  const rows = 70_001
  const ids = new Uint32Array(h * w)
  for (let i = 0; i < ids.length; i++) ids[i] = i % rows
  const features = new Float32Array(rows * 2)
  for (let r = 1; r < rows; r++) {
    features[r * 2] = Math.cos(r)
    features[r * 2 + 1] = Math.sin(r)
  }
  return { ids: { data: ids, shape: [h, w] }, features: { data: features, shape: [rows, 2] }, space: 'wide' }
}

const dtypes = ['float32', 'float16', 'int8'] as const
const idsFormats = ['png', 'npy'] as const
const tableFormats = ['npy', 'safetensors'] as const

describe('mask-indexed codec options', () => {
  for (const feature_dtype of dtypes) {
    for (const ids_format of idsFormats) {
      for (const table_format of tableFormats) {
        it(`${feature_dtype}, ${ids_format} ids, ${table_format} table: open2D returns exactly what was written`, async () => {
          const memory = makeMemory(17, 23, 12, 9, 7)
          const { inst, outDir } = await openStage(maskIndexedStorage, { feature_dtype, ids_format, table_format }, temp())
          const rc = createRunContext({ id: 'f0', index: 0 })
          await inst.run({ memory }, rc)
          await inst.finish!({}, createRunContext())
          const opened = open2D(outDir)
          expect(opened.frames).toEqual(['f0'])
          const f = opened.read('f0')
          expect(f.ids.data).toBeInstanceOf(Uint16Array)
          expect(f.ids.data).toEqual(memory.ids.data)
          // The table is exactly the encoder's output (half bits, int8 values and scales bit for bit).
          expect(f.table).toEqual(encodeTable(memory.features.data, 10, 12, feature_dtype))
          if (feature_dtype === 'float32') expect(f.features()).toEqual(memory.features.data)
          const m = JSON.parse(readFileSync(join(outDir, 'f0.json'), 'utf8')) as FrameManifest
          const dataFiles = Object.values(m.file_bytes).reduce((a, b) => a + b, 0)
          const files = [m.ids.file, m.table.file, ...(m.table.scales_file ? [m.table.scales_file] : [])]
          expect(dataFiles).toBe(files.reduce((a, x) => a + statSync(join(outDir, x)).size, 0))
          expect(m.dense_float32_bytes).toBe(npyFileBytes([17, 23, 12], '<f4'))
          expect(rc.metrics.bytes).toBe(dataFiles + statSync(join(outDir, 'f0.json')).size)
          expect(rc.metrics.dense_float32_bytes).toBe(m.dense_float32_bytes)
          expect(listDir(outDir)).toEqual([...files, 'f0.json', 'index.json'].sort())
        })
      }
    }
  }

  for (const table_format of tableFormats) {
    it(`32-bit ids (70,000 masks) go to a <u4 .npy and read back equal (${table_format} table)`, () => {
      const dir = temp()
      const memory = wideMemory()
      for (const feature_dtype of dtypes) {
        writeBatch((b) => writeMaskIndexedFrame(dir, feature_dtype, memory, { feature_dtype, ids_format: 'npy', table_format }, b))
        const f = open2D(dir).read(feature_dtype)
        expect(f.manifest.ids).toEqual({ file: `${feature_dtype}.ids.npy`, format: 'npy', dtype: 'uint32' })
        expect(f.ids.data).toBeInstanceOf(Uint32Array)
        expect(f.ids.data).toEqual(memory.ids.data)
        expect(f.table).toEqual(encodeTable(memory.features.data, 70_001, 2, feature_dtype))
      }
      expect(() => writeBatch((b) => writeMaskIndexedFrame(dir, 'p', memory, { feature_dtype: 'float32', ids_format: 'png', table_format }, b)))
        .toThrow(/frame p: id 70000 does not fit a 16-bit PNG id map/)
      expect(listDir(dir).filter((x) => x.startsWith('p.'))).toEqual([])
    })
  }

  it('quantises int8 per row with scale max|x|/127 (computed by hand)', () => {
    const x = new Float32Array([0, 0, 0, 0.5, -0.3, 0.1, -2, 0.75, 0.01])
    const q = quantizeInt8(x, 3, 3)
    expect(Array.from(q.scales)).toEqual([0, Math.fround(0.5 / 127), Math.fround(2 / 127)])
    // 0.5 → 127; -0.3 / (0.5/127) = -76.2 → -76; 0.1 → 25.4 → 25. -2 → -127; 0.75 → 47.625 → 48; 0.01 → 0.635 → 1.
    expect(Array.from(q.data)).toEqual([0, 0, 0, 127, -76, 25, -127, 48, 1])
    expect(worstRowCosine(x, x, 3, 3)).toBeCloseTo(1, 12)
    expect(worstRowCosine(new Float32Array([1, 0]), new Float32Array([1, 1]), 1, 2)).toBeCloseTo(Math.SQRT1_2, 7)
  })

  it('reports the int8 worst-row cosine and the ratio to dense float32 per frame and per scene', async () => {
    const frames: Array<[string, ReturnType<typeof makeMemory>]> = [['a', makeMemory(24, 32, 64, 8, 1)], ['b', makeMemory(24, 32, 64, 5, 2)]]
    const { inst, outDir } = await openStage(maskIndexedStorage, { feature_dtype: 'int8' }, temp())
    let bytes = 0
    let worst = 1
    for (const [i, [id, memory]] of frames.entries()) {
      const rc = createRunContext({ id, index: i })
      await inst.run({ memory }, rc)
      bytes += rc.metrics.bytes
      const m = JSON.parse(readFileSync(join(outDir, `${id}.json`), 'utf8')) as FrameManifest
      const back = open2D(outDir).read(id).features()
      expect(m.int8_worst_row_cosine).toBe(worstRowCosine(memory.features.data, back, memory.features.shape[0], 64))
      expect(m.int8_worst_row_cosine).toBeGreaterThan(0.999)
      expect(m.int8_worst_row_cosine).toBeLessThan(1)
      expect(m.ratio_to_dense_float32).toBe(m.bytes / m.dense_float32_bytes)
      worst = Math.min(worst, m.int8_worst_row_cosine!)
    }
    const fin = createRunContext()
    await inst.finish!({}, fin)
    const dense = 2 * npyFileBytes([24, 32, 64], '<f4')
    expect(fin.metrics).toEqual({ ratio_to_dense_float32: bytes / dense, int8_worst_row_cosine: worst, feature_bytes: 1 })
    const index = JSON.parse(readFileSync(join(outDir, 'index.json'), 'utf8')) as FrameIndex
    expect(index.storage).toMatchObject({ bytes, dense_float32_bytes: dense, ratio_to_dense_float32: bytes / dense, int8_worst_row_cosine: worst })
  })

  it('names the broken file and what is wrong when a stored frame does not match its manifest', async () => {
    const dir = temp()
    const memory = makeMemory(6, 6, 4, 3)
    writeBatch((b) => writeMaskIndexedFrame(dir, 'k', memory, { feature_dtype: 'int8', ids_format: 'npy', table_format: 'npy' }, b))
    const m = JSON.parse(readFileSync(join(dir, 'k.json'), 'utf8')) as FrameManifest
    const { writeFileSync } = await import('node:fs')
    writeFileSync(join(dir, 'k.json'), JSON.stringify({ ...m, rows: 9 }))
    expect(() => open2D(dir).read('k')).toThrow(/k\.scales\.npy|k\.features\.npy has shape \(4, 4\), the manifest says \(9, 4\)/)
    writeFileSync(join(dir, 'k.json'), JSON.stringify({ ...m, feature_dtype: 'float16' }))
    expect(() => open2D(dir).read('k')).toThrow(/k\.features\.npy is \|i1, the manifest says float16 \(<f2\)/)
    writeFileSync(join(dir, 'k.json'), JSON.stringify({ ...m, table: { ...m.table, format: 'zip' } }))
    expect(() => open2D(dir).read('k')).toThrow(/k\.json: table must name a file and a format/)
    expect(() => open2D(join(dir, 'none'))).toThrow(/mask-indexed directory .*none does not exist/)
  })

  it.skipIf(!hasNumpy)(`numpy rebuilds the float32 table from the int8 .npy and scales, and reads the <u4 id map${numpyNote}`, () => {
    const dir = temp()
    const memory = wideMemory()
    writeBatch((b) => writeMaskIndexedFrame(dir, 'w', memory, { feature_dtype: 'int8', ids_format: 'npy', table_format: 'npy' }, b))
    const got = runPython(`import sys, json, numpy as np
d = sys.argv[1]
ids = np.load(d + '/w.ids.npy'); q = np.load(d + '/w.features.npy'); s = np.load(d + '/w.scales.npy')
t = q.astype(np.float32) * s[:, None]
print(json.dumps({'ids': [str(ids.dtype), int(ids.max()), list(ids.shape)], 'q': str(q.dtype), 'row7': t[7].tolist()}))`, [dir]) as Record<string, unknown>
    const back = open2D(dir).read('w').features()
    expect(got).toEqual({ ids: ['uint32', 70_000, [270, 270]], q: 'int8', row7: [back[14], back[15]] })
  })
})
