import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { buildModel } from '../../src/backends/onnx-graph.js'
import { openOnnxSession } from '../../src/backends/onnx-session.js'
import { cudaProviderLibraries } from '../../src/backends/ort-providers.js'
import { withSessionLog, type SessionRecord } from '../../src/backends/session-log.js'

/** y = x·W + 1 (W = [[1,0],[0,2],[1,1]]), n = argmax(y). */
const model = buildModel({
  inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3] }],
  outputs: [
    { name: 'y', type: 'float32', shape: ['batch', 2] },
    { name: 'n', type: 'int64', shape: ['batch'] },
  ],
  initializers: [
    { name: 'W', type: 'float32', dims: [3, 2], data: [1, 0, 0, 2, 1, 1] },
    { name: 'one', type: 'float32', dims: [], data: [1] },
  ],
  nodes: [
    { op: 'MatMul', inputs: ['x', 'W'], outputs: ['xw'] },
    { op: 'Add', inputs: ['xw', 'one'], outputs: ['y'] },
    { op: 'ArgMax', inputs: ['y'], outputs: ['n'], attributes: { axis: 1, keepdims: 0 } },
  ],
})
const x = (...v: number[]) => ({ x: { type: 'float32' as const, data: Float32Array.from(v), dims: [v.length / 3, 3] } })

describe('buffer reuse across runs', () => {
  it('ORT writes every run of one shape into the same output buffers, and each caller keeps its own values', async () => {
    const s = await openOnnxSession(model, { name: 'reuse' })
    try {
      const first = await s.run(x(1, 2, 3))
      const later = []
      for (let i = 0; i < 4; i++) later.push(await s.run(x(i, 0, 0)))
      // two outputs allocated once, then written into again four times
      expect(await s.bufferStats()).toMatchObject({ runs: 5, allocated: 2, reused: 8 })
      expect(Array.from(first.y.data as Float32Array)).toEqual([5, 8]) // not overwritten by the later runs
      expect(later.map((o) => Array.from(o.y.data as Float32Array))).toEqual([[1, 1], [2, 1], [3, 1], [4, 1]])
      expect(later.map((o) => Number((o.n.data as BigInt64Array)[0]))).toEqual([0, 0, 0, 0])
      // another batch size is another signature: its own buffers, then reused
      await s.run(x(1, 2, 3, 0, 0, 1))
      await s.run(x(1, 2, 3, 0, 0, 1))
      expect(await s.bufferStats()).toMatchObject({ runs: 7, allocated: 4, reused: 10 })
      // only some outputs requested: a signature of its own
      const only = await s.run(x(0, 1, 0), ['n'])
      expect(Object.keys(only)).toEqual(['n'])
    } finally {
      await s.release()
    }
  })

  it('moves pooled input buffers to the worker and back, so a frame loop allocates them once', async () => {
    const s = await openOnnxSession(model, { name: 'pool' })
    try {
      const seen: number[][] = []
      for (let i = 0; i < 4; i++) {
        const t = s.borrowInput('float32', [1, 3])
        ;(t.data as Float32Array).set([i, i, i])
        const out = await s.run({ x: t }, undefined, { transfer: true })
        expect((t.data as Float32Array).byteLength).toBe(0) // moved, not copied
        seen.push(Array.from(out.y.data as Float32Array))
      }
      expect(seen).toEqual([[1, 1], [3, 4], [5, 7], [7, 10]])
      expect(await s.bufferStats()).toMatchObject({ inputsAllocated: 1, inputsReused: 3 })
      // without transfer the buffer is copied and stays here, so it is not pooled again
      const kept = s.borrowInput('float32', [1, 3])
      await s.run({ x: kept })
      expect(s.borrowInput('float32', [1, 3]).data).not.toBe(kept.data)
      expect(await s.bufferStats()).toMatchObject({ inputsAllocated: 2, inputsReused: 4 })
    } finally {
      await s.release()
    }
  })

  it('copies an output into the shared destination given for it, and returns a view on it', async () => {
    const s = await openOnnxSession(model, { name: 'into' })
    try {
      const into = new Float32Array(new SharedArrayBuffer(4 * 8))
      const out = await s.run(x(1, 2, 3, 0, 0, 1), undefined, { into: { y: into } })
      expect(out.y.data).toBeInstanceOf(Float32Array)
      expect(Array.from(out.y.data as Float32Array)).toEqual([5, 8, 2, 2])
      expect(Array.from(into)).toEqual([5, 8, 2, 2, 0, 0, 0, 0])
      // a view on the same memory (another buffer object after the message), nothing new here
      expect((out.y.data as Float32Array).buffer).toBeInstanceOf(SharedArrayBuffer)
      into[0] = 42
      expect((out.y.data as Float32Array)[0]).toBe(42)
      expect(out.y.dims).toEqual([2, 2])
      expect(Number((out.n.data as BigInt64Array)[0])).toBe(1) // no destination: as usual
      // the next run writes there again
      await s.run(x(0, 1, 0), undefined, { into: { y: into } })
      expect(Array.from(into.subarray(0, 2))).toEqual([1, 3])
      // a destination too small, or not shared, is not used
      const small = new Float32Array(new SharedArrayBuffer(4))
      const big = await s.run(x(1, 2, 3), undefined, { into: { y: small } })
      expect((big.y.data as Float32Array).buffer).not.toBeInstanceOf(SharedArrayBuffer)
      expect(Array.from(big.y.data as Float32Array)).toEqual([5, 8])
      const plain = await s.run(x(1, 2, 3), undefined, { into: { y: new Float32Array(8) as unknown as Float32Array<SharedArrayBuffer> } })
      expect(Array.from(plain.y.data as Float32Array)).toEqual([5, 8])
      expect((plain.y.data as Float32Array).buffer).not.toBeInstanceOf(SharedArrayBuffer)
    } finally {
      await s.release()
    }
  })
})

describe('the session log of a run', () => {
  it('records the provider, the reason each skipped provider was skipped, and the threads', async () => {
    const log: SessionRecord[] = []
    await withSessionLog(log, async () => {
      const cuda = await openOnnxSession(model, { name: 'on-cuda', device: 'cuda', threads: 2 })
      await cuda.release()
      const gpu = await openOnnxSession(model, { name: 'on-webgpu', device: 'webgpu' })
      await gpu.release()
    })
    await (await openOnnxSession(model, { name: 'outside' })).release() // outside any run: logged nowhere
    expect(log.map((r) => r.model)).toEqual(['on-cuda', 'on-webgpu'])
    expect(log[0]).toMatchObject({ device: 'cuda', provider: 'cpu', threads: { intra_op: 2, inter_op: 1 } })
    if (cudaProviderLibraries().some((l) => !l.present)) {
      expect(log[0].skipped).toEqual([{ provider: 'cuda', reason: expect.stringMatching(/^provider libraries not installed \(libonnxruntime_providers_\w+\.so.* missing in .*\); install them with ONNXRUNTIME_NODE_INSTALL=cuda12/) }])
    }
    // this machine has no GPU: the WebGPU provider is tried and fails, with ORT's reason
    expect(log[1]).toMatchObject({ device: 'webgpu', provider: 'cpu', threads: { intra_op: availableParallelism(), inter_op: 1 } })
    expect(log[1].skipped).toEqual([{ provider: 'webgpu', reason: expect.any(String) }])
    expect(log[1].skipped[0].reason.length).toBeGreaterThan(10)
  })
})
