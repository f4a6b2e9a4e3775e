import { availableParallelism } from 'node:os'
import type * as Ort from 'onnxruntime-node'
import { buildModel, type GraphNode, type GraphValue } from './onnx-graph.js'
import {
  createSessionWithFallback,
  loadOnnxruntime,
  planProviders,
  type OnnxDevice,
  type OnnxProvider,
} from './ort-providers.js'
import type { TensorBackend } from './types.js'

/** Options of the onnxruntime tensor backend. */
export interface OnnxruntimeBackendOptions {
  /** `auto` tries CUDA when its provider libraries are installed, then CPU. Default `auto`. */
  device?: Exclude<OnnxDevice, 'webgpu'>
  /** Intra-op threads; default: the number of cores. */
  threads?: number
}

/** The onnxruntime tensor backend, plus the provider it runs on and why earlier ones were skipped. */
export interface OnnxruntimeBackend extends TensorBackend {
  readonly provider: OnnxProvider
  readonly reasons: readonly string[]
  readonly threads: number
}

type Op = 'matmul' | 'normalize' | 'argmax' | 'topk' | 'toHalf' | 'fromHalf'

const f32 = (name: string, shape: (number | string)[]): GraphValue => ({ name, type: 'float32', shape })

/** The tiny graphs, one per op, every dim symbolic so one session serves all shapes. */
function graphFor(op: Op): Uint8Array {
  const one = (nodes: GraphNode[], inputs: GraphValue[], outputs: GraphValue[]): Uint8Array =>
    buildModel({ inputs, outputs, nodes, name: `plaf_${op}` })
  switch (op) {
    case 'matmul':
      return one([{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['c'] }], [f32('a', ['m', 'k']), f32('b', ['k', 'n'])], [f32('c', ['m', 'n'])])
    case 'normalize':
      // y = x / (‖x‖ == 0 ? 1 : ‖x‖): zero rows stay zero instead of becoming NaN.
      return buildModel({
        name: 'plaf_normalize',
        inputs: [f32('x', ['m', 'n'])],
        outputs: [f32('y', ['m', 'n'])],
        initializers: [
          { name: 'zero', type: 'float32', dims: [], data: [0] },
          { name: 'one', type: 'float32', dims: [], data: [1] },
        ],
        nodes: [
          { op: 'ReduceL2', inputs: ['x'], outputs: ['norm'], attributes: { axes: [1], keepdims: 1 } },
          { op: 'Equal', inputs: ['norm', 'zero'], outputs: ['isZero'] },
          { op: 'Where', inputs: ['isZero', 'one', 'norm'], outputs: ['safe'] },
          { op: 'Div', inputs: ['x', 'safe'], outputs: ['y'] },
        ],
      })
    case 'argmax':
      return one(
        [{ op: 'ArgMax', inputs: ['x'], outputs: ['i'], attributes: { axis: 1, keepdims: 0, select_last_index: 0 } }],
        [f32('x', ['m', 'n'])],
        [{ name: 'i', type: 'int64', shape: ['m'] }],
      )
    case 'topk':
      return one(
        [{ op: 'TopK', inputs: ['x', 'k'], outputs: ['v', 'i'], attributes: { axis: 1, largest: 1, sorted: 1 } }],
        [f32('x', ['m', 'n']), { name: 'k', type: 'int64', shape: [1] }],
        [f32('v', ['m', 'kk']), { name: 'i', type: 'int64', shape: ['m', 'kk'] }],
      )
    case 'toHalf':
      return one([{ op: 'Cast', inputs: ['x'], outputs: ['h'], attributes: { to: 10 } }], [f32('x', ['n'])], [{ name: 'h', type: 'float16', shape: ['n'] }])
    case 'fromHalf':
      return one([{ op: 'Cast', inputs: ['h'], outputs: ['x'], attributes: { to: 1 } }], [{ name: 'h', type: 'float16', shape: ['n'] }], [f32('x', ['n'])])
  }
}

/** int64 indices as int32 (row lengths fit easily). */
function toInt32(data: Ort.Tensor['data']): Int32Array {
  const src = data as BigInt64Array
  const out = new Int32Array(src.length)
  for (let i = 0; i < src.length; i++) out[i] = Number(src[i])
  return out
}

/** Half bits whether ORT hands back `Uint16Array` (Node ≤ 22) or `Float16Array` (Node 24+). */
function halfBits(data: Ort.Tensor['data']): Uint16Array {
  const v = data as unknown as ArrayBufferView & { length: number }
  return v instanceof Uint16Array ? v : new Uint16Array(v.buffer, v.byteOffset, v.length)
}

/**
 * Tensor seam on onnxruntime-node: each op is a tiny ONNX graph built in TypeScript, run on the
 * same execution provider the models use (CUDA when its libraries load, else CPU). The provider is
 * chosen once, by creating the MatMul session; the other sessions are built on first use and cached.
 * TopK and ArgMax already order ties like the reference (lower index first), so no fix-up is needed.
 */
export async function createOnnxruntimeBackend(opts: OnnxruntimeBackendOptions = {}): Promise<OnnxruntimeBackend> {
  const ort = await loadOnnxruntime()
  const threads = opts.threads ?? availableParallelism()
  // Shapes change from call to call: memory patterns and arena growth would only hold memory.
  const sessionOptions: Ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableMemPattern: false,
    enableCpuMemArena: false,
    logSeverityLevel: 3,
    // The seam's graphs are short calls between JS kernels on the same cores: threads spinning after
    // a run would take those cores from the JS that follows (measured: mask-mean 72–87 ms with
    // spinning, 41–44 ms without, 968×1296, K = 100, 2 cores).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  }
  const first = await createSessionWithFallback(ort, graphFor('matmul'), planProviders(opts.device ?? 'auto'), sessionOptions)
  const provider = first.provider
  const sessions = new Map<Op, Promise<Ort.InferenceSession>>([['matmul', Promise.resolve(first.session)]])
  const session = (op: Op): Promise<Ort.InferenceSession> => {
    let s = sessions.get(op)
    if (!s) {
      s = ort.InferenceSession.create(graphFor(op), { ...sessionOptions, executionProviders: [provider === 'cuda' ? { name: 'cuda', deviceId: 0 } : provider] })
      sessions.set(op, s)
    }
    return s
  }
  const T = (type: 'float32' | 'float16' | 'int64', data: Float32Array | Uint16Array | BigInt64Array, dims: number[]) =>
    new ort.Tensor(type, data, dims)

  return {
    name: 'onnxruntime',
    device: provider === 'cuda' ? 'cuda:0' : 'cpu',
    provider,
    reasons: first.reasons,
    threads,
    async matmul(a, b, m, k, n) {
      if (m === 0 || n === 0 || k === 0) return new Float32Array(m * n)
      const out = await (await session('matmul')).run({ a: T('float32', a, [m, k]), b: T('float32', b, [k, n]) })
      return out.c.data as Float32Array
    },
    async normalizeRows(a, m, n) {
      if (m === 0 || n === 0) return a
      const out = await (await session('normalize')).run({ x: T('float32', a, [m, n]) })
      a.set(out.y.data as Float32Array)
      return a
    },
    async argmax(a, m, n) {
      if (m === 0 || n === 0) return new Int32Array(m)
      const out = await (await session('argmax')).run({ x: T('float32', a, [m, n]) })
      return toInt32(out.i.data)
    },
    async topk(a, m, n, k) {
      const kk = Math.max(0, Math.min(k, n))
      if (m === 0 || kk === 0) return { indices: new Int32Array(m * kk), values: new Float32Array(m * kk) }
      const out = await (await session('topk')).run({ x: T('float32', a, [m, n]), k: T('int64', BigInt64Array.of(BigInt(kk)), [1]) })
      return { indices: toInt32(out.i.data), values: out.v.data as Float32Array }
    },
    async toFloat16(a) {
      if (a.length === 0) return new Uint16Array(0)
      const out = await (await session('toHalf')).run({ x: T('float32', a, [a.length]) })
      return halfBits(out.h.data)
    },
    async fromFloat16(a) {
      if (a.length === 0) return new Float32Array(0)
      const out = await (await session('fromHalf')).run({ h: T('float16', a, [a.length]) })
      return out.x.data as Float32Array
    },
    async dispose() {
      const all = [...sessions.values()]
      sessions.clear()
      for (const s of await Promise.allSettled(all)) if (s.status === 'fulfilled') await s.value.release()
    },
  }
}
