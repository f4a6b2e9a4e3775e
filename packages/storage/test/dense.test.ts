import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodeNpy, float16ToFloat32, float32ToFloat16, type SemanticMemory2D, type StagePlugin } from '@plaf/core'
import { createRunContext, describeStagePlugin } from '@plaf/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { denseStorage, maskIndexedStorage, npyFileBytes, readDenseFile, readDenseFrame, type FrameIndex } from '../src/index.js'
import { hasNumpy, listDir, makeMemory, maxAbsDiff, numpyNote, openStage, runPython, tempDir } from './fixtures.js'

describeStagePlugin(denseStorage, [
  { name: 'float32', inputs: () => ({ memory: makeMemory(6, 8, 4, 3) }) },
  { name: 'float16, first frame only', options: { feature_dtype: 'float16', max_frames: 1 }, inputs: () => ({ memory: makeMemory(5, 3, 2, 2) }) },
  { name: 'measured, not kept', options: { keep: false }, inputs: () => ({ memory: makeMemory(4, 6, 3, 2) }) },
])

/** Test oracle: the H×W×D tensor built in memory (fine at test sizes). */
function oracle(m: SemanticMemory2D): Float32Array {
  const [h, w] = m.ids.shape
  const d = m.features.shape[1]
  const out = new Float32Array(h * w * d)
  for (let p = 0; p < h * w; p++) out.set(m.features.data.subarray(m.ids.data[p] * d, (m.ids.data[p] + 1) * d), p * d)
  return out
}

let cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups) c()
  cleanups = []
})
const temp = () => {
  const t = tempDir('dense')
  cleanups.push(t.cleanup)
  return t.dir
}

async function store(options: Record<string, unknown>, frames: Array<[string, SemanticMemory2D]>, plugin: StagePlugin = denseStorage, runDir = temp()) {
  const { inst, outDir } = await openStage(plugin, options, runDir, plugin.name)
  const metrics: Array<Record<string, number>> = []
  for (const [i, [id, memory]] of frames.entries()) {
    const rc = createRunContext({ id, index: i })
    await inst.run({ memory }, rc)
    metrics.push(rc.metrics)
  }
  await inst.finish!({}, createRunContext())
  return { outDir, metrics }
}

describe('dense', () => {
  it('stores features[ids[p]] for every pixel, C order, and reports the file size', async () => {
    const memory = makeMemory(17, 23, 12, 6)
    const { outDir, metrics } = await store({}, [['000000', memory]])
    const back = readDenseFrame(outDir, '000000')
    expect(back.shape).toEqual([17, 23, 12])
    expect(back.dtype).toBe('<f4')
    expect(Buffer.from(back.data.buffer).equals(Buffer.from(oracle(memory).buffer))).toBe(true)
    const size = statSync(join(outDir, '000000.dense.npy')).size
    expect(size).toBe(128 + 17 * 23 * 12 * 4)
    // float32 dense is its own dense float32 baseline: ratio 1
    expect(metrics[0]).toEqual({ bytes: size, dense_float32_bytes: size, frames: 1 })
    const index = JSON.parse(readFileSync(join(outDir, 'index.json'), 'utf8')) as FrameIndex
    expect(index).toMatchObject({ format: 'plaf-dense', feature_dim: 12, total_bytes: size, frames: [{ id: '000000', files: { dense: '000000.dense.npy' }, bytes: size }] })
  })

  it('stores float16 halves, within 1e-3 of the float32 oracle', async () => {
    const memory = makeMemory(9, 11, 32, 5)
    const { outDir } = await store({ feature_dtype: 'float16' }, [['h', memory]])
    const back = readDenseFile(join(outDir, 'h.dense.npy'))
    expect(back.dtype).toBe('<f2')
    // Exactly the rounded table, and within the half-precision error of the float32 values.
    expect(back.data).toEqual(oracle({ ...memory, features: { ...memory.features, data: float16ToFloat32(float32ToFloat16(memory.features.data)) } }))
    expect(maxAbsDiff(back.data, oracle(memory))).toBeLessThan(1e-3)
  })

  it('max_frames stores only the first frames; later ones write and report nothing', async () => {
    const frames: Array<[string, SemanticMemory2D]> = ['a', 'b', 'c'].map((id, i) => [id, makeMemory(4, 5, 3, 2, i + 1)])
    const { outDir, metrics } = await store({ max_frames: 2 }, frames)
    expect(listDir(outDir)).toEqual(['a.dense.npy', 'b.dense.npy', 'index.json'])
    expect(metrics[2]).toEqual({})
    expect(metrics[1]).toEqual({ bytes: statSync(join(outDir, 'b.dense.npy')).size, dense_float32_bytes: npyFileBytes([4, 5, 3], '<f4'), frames: 1 })
    const none = await store({ max_frames: 0 }, frames)
    expect(listDir(none.outDir)).toEqual(['index.json'])
  })

  it('an id past the table fails mid-stream and leaves no file behind', async () => {
    const { inst, outDir } = await openStage(denseStorage, {}, temp())
    const memory = makeMemory(8, 8, 4, 3)
    memory.ids.data[63] = 9 // the last pixel: header and 7 rows are already streamed
    await expect(async () => inst.run({ memory }, createRunContext({ id: 'bad', index: 0 }))).rejects.toThrow(/pixel \(7, 7\) has id 9/)
    expect(listDir(outDir)).toEqual([])
  })

  it('keep: false writes only index.json and reports the exact size writing would give', async () => {
    for (const [dtype, h, w, d] of [['float32', 17, 23, 12], ['float16', 9, 11, 32], ['float16', 1, 1, 1], ['float32', 0, 4, 3]] as const) {
      const memory = makeMemory(h, w, d, Math.min(4, h))
      const kept = await store({ feature_dtype: dtype }, [['f', memory]])
      const measured = await store({ feature_dtype: dtype, keep: false }, [['f', memory]])
      const onDisk = statSync(join(kept.outDir, 'f.dense.npy')).size
      expect(measured.metrics[0], `${dtype} ${h}×${w}×${d}`).toEqual({ bytes: onDisk, dense_float32_bytes: npyFileBytes([h, w, d], '<f4'), frames: 1 })
      expect(npyFileBytes([h, w, d], dtype === 'float16' ? '<f2' : '<f4')).toBe(onDisk)
      expect(listDir(measured.outDir)).toEqual(['index.json'])
      const index = JSON.parse(readFileSync(join(measured.outDir, 'index.json'), 'utf8')) as FrameIndex
      expect(index).toMatchObject({ total_bytes: onDisk, frames: [{ id: 'f', files: {}, bytes: onDisk, image_size: [h, w], measured_only: true }] })
      expect(() => readDenseFrame(measured.outDir, 'f')).toThrow(/frame f in .*index\.json was measured, not stored \(dense with keep: false\)/)
    }
  })

  it('keep: false still checks every id against the table', async () => {
    const { inst, outDir } = await openStage(denseStorage, { keep: false }, temp())
    const memory = makeMemory(8, 8, 4, 3)
    memory.ids.data[62] = 9
    await expect(async () => inst.run({ memory }, createRunContext({ id: 'bad', index: 0 }))).rejects.toThrow(/pixel \(6, 7\) has id 9/)
    expect(listDir(outDir)).toEqual([])
  })

  it('npyFileBytes follows the header growing with the shape\'s digits', () => {
    // a zero-sized first axis writes no data, so huge other axes can be checked against encodeNpy
    for (const shape of [[0], [0, 1e15, 1e15, 1e15], [0, ...Array<number>(20).fill(123456789)]]) {
      expect(npyFileBytes(shape, '<f4')).toBe(encodeNpy({ data: new Float32Array(0), shape }).length)
    }
    expect(npyFileBytes([0, ...Array<number>(20).fill(123456789)], '<f2')).toBeGreaterThan(128)
  })

  it('readDenseFile names a file that is not a dense tensor', () => {
    const dir = temp()
    writeFileSync(join(dir, 'x.npy'), 'nope')
    expect(() => readDenseFile(join(dir, 'x.npy'))).toThrow(/x\.npy: not a \.npy file/)
    expect(() => readDenseFile(join(dir, 'y.npy'))).toThrow(/y\.npy does not exist/)
  })

  it('measures mask-indexed against dense on the same frames', async () => {
    const frames: Array<[string, SemanticMemory2D]> = [['0', makeMemory(120, 160, 256, 40, 7)], ['1', makeMemory(120, 160, 256, 25, 8)]]
    const runDir = temp()
    const dense = await store({}, frames, denseStorage, runDir)
    const indexed = await store({}, frames, maskIndexedStorage, runDir)
    const sum = (m: Array<Record<string, number>>) => m.reduce((s, x) => s + x.bytes, 0)
    const ratio = sum(indexed.metrics) / sum(dense.metrics)
    // Eqs. (5)/(4) for these frames is about (2 + 66·256·4 / 19200) / (256·4) ≈ 0.5%; the PNG compresses the ids further.
    expect(ratio).toBeGreaterThan(0)
    expect(ratio).toBeLessThan(0.01)
  })

  it.skipIf(!hasNumpy)(`dense files load in numpy with the right shape and values${numpyNote}`, async () => {
    const memory = makeMemory(7, 9, 5, 4)
    const { outDir } = await store({}, [['n', memory]])
    const got = runPython(`import sys, json, numpy as np
a = np.load(sys.argv[1])
print(json.dumps({'shape': list(a.shape), 'dtype': a.dtype.str, 'values': a.astype(np.float64).ravel().tolist()}))`, [join(outDir, 'n.dense.npy')]) as { shape: number[]; dtype: string; values: number[] }
    expect(got.shape).toEqual([7, 9, 5])
    expect(got.dtype).toBe('<f4')
    expect(got.values).toEqual(Array.from(oracle(memory)))
  })
})

describe('dense: ratio to dense float32 in the run report', () => {
  it('float16 reports its bytes over the float32 file at the same resolution', async () => {
    const { inst } = await openStage(denseStorage, { feature_dtype: 'float16' }, temp())
    const rc = createRunContext({ id: 'f', index: 0 })
    await inst.run({ memory: makeMemory(9, 11, 32, 5) }, rc)
    const fin = createRunContext()
    await inst.finish!({}, fin)
    expect(rc.metrics).toMatchObject({ bytes: 128 + 9 * 11 * 32 * 2, dense_float32_bytes: 128 + 9 * 11 * 32 * 4 })
    expect(fin.metrics.ratio_to_dense_float32).toBe((128 + 9 * 11 * 32 * 2) / (128 + 9 * 11 * 32 * 4))
    expect(fin.metrics.feature_bytes).toBe(2)
  })

  it('index.json: eq. (4) at the stored dtype\'s b (float16: H·W·D·2), the float32 file beside it', async () => {
    const { inst, outDir } = await openStage(denseStorage, { feature_dtype: 'float16', keep: false }, temp())
    await inst.run({ memory: makeMemory(9, 11, 32, 5) }, createRunContext({ id: 'f', index: 0 }))
    await inst.finish!({}, createRunContext())
    const index = JSON.parse(readFileSync(join(outDir, 'index.json'), 'utf8')) as { storage: Record<string, number> }
    expect(index.storage).toMatchObject({
      bytes: 128 + 9 * 11 * 32 * 2, dense_float32_bytes: 128 + 9 * 11 * 32 * 4, paper_feature_bytes: 2, paper_dense_bytes: 9 * 11 * 32 * 2,
      ratio_to_paper_dense: (128 + 9 * 11 * 32 * 2) / (9 * 11 * 32 * 2),
    })
  })
})
