import type * as Tf from '@tensorflow/tfjs-core'
import { fail } from '../diagnostics.js'
import { float16ToFloat32, float32ToFloat16 } from '../formats/float16.js'
import { firstLine } from './ort-providers.js'
import type { TensorBackend } from './types.js'

/** The TensorFlow.js flavours of the tensor seam. */
export type TfjsBackendName = 'tfjs-node-gpu' | 'tfjs-node' | 'tfjs-wasm'

type TfModule = typeof Tf

/** A TensorFlow.js tensor backend, with the tfjs-core version it runs. */
export interface TfjsBackend extends TensorBackend {
  readonly version: string
}

/** Why tfjs-node(-gpu) 4.22.0 cannot load on this Node, or undefined when it can. */
export function tfjsNodeBlocker(nodeVersion = process.versions.node): string | undefined {
  if (Number(nodeVersion.split('.')[0]) >= 23) {
    return `tfjs-node 4.22.0 calls util.isNullOrUndefined, removed in Node 23 (tensorflow/tfjs#8609; fix merged, unreleased); this is Node ${nodeVersion}`
  }
  return undefined
}

/** `import()` of a package that may be absent; the specifier is a variable so typecheck never needs it. */
async function importOptional(specifier: string): Promise<TfModule> {
  let mod: TfModule & { default?: TfModule }
  try {
    mod = (await import(specifier)) as TfModule & { default?: TfModule }
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module)|Could not resolve/.test(firstLine(e))) {
      throw new Error(`${specifier} is not installed (optional peer dependency): ${firstLine(e)}`)
    }
    throw e
  }
  // CommonJS packages: the namespace's `default` is module.exports, which has every export.
  return mod.default && typeof mod.default.tensor === 'function' ? mod.default : mod
}

async function loadTf(name: TfjsBackendName): Promise<{ tf: TfModule; backendName: string; device: string; version: string }> {
  if (name === 'tfjs-wasm') {
    const tf = await importOptional('@tensorflow/tfjs-core')
    tf.env().set('PROD', true)
    // The Emscripten module adds process-wide uncaughtException/unhandledRejection listeners that
    // rethrow (and its dispose removes every listener, not just its own): take them back out.
    const uncaught = process.listeners('uncaughtException')
    const unhandled = process.listeners('unhandledRejection')
    try {
      await importOptional('@tensorflow/tfjs-backend-wasm')
      // Node has no threaded wasm build (tensorflow/tfjs#3830): SIMD on one thread.
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise')
    } finally {
      for (const l of process.listeners('uncaughtException')) if (!uncaught.includes(l)) process.removeListener('uncaughtException', l)
      for (const l of process.listeners('unhandledRejection')) if (!unhandled.includes(l)) process.removeListener('unhandledRejection', l)
    }
    return { tf, backendName: 'wasm', device: 'cpu (wasm simd, 1 thread)', version: tf.version_core }
  }
  const blocker = tfjsNodeBlocker()
  if (blocker) throw new Error(blocker)
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2' // libtensorflow's start-up chatter
  const tf = await importOptional(name === 'tfjs-node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node')
  tf.env().set('PROD', true)
  if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend failed to initialise')
  const gpu = (tf.findBackend('tensorflow') as { isUsingGpuDevice?: boolean } | null)?.isUsingGpuDevice === true
  if (name === 'tfjs-node-gpu' && !gpu) {
    throw new Error('tfjs-node-gpu loaded but libtensorflow found no GPU (it needs CUDA 11.2 + cuDNN 8.1)')
  }
  return { tf, backendName: 'tensorflow', device: gpu ? 'gpu' : 'cpu', version: tf.version_core }
}

/**
 * Tensor seam on TensorFlow.js: `tfjs-node-gpu` (only when libtensorflow really sits on a GPU),
 * `tfjs-node` (native CPU) or `tfjs-wasm` (tfjs-core + tfjs-backend-wasm, SIMD, one thread in
 * Node). The two native ones are optional peer dependencies loaded with `import()`; they need
 * Node ≤ 22. tfjs has no float16 dtype, so `toFloat16`/`fromFloat16` use the reference bit kernels
 * (`formats/float16.ts`). tfjs keeps one global active backend, so every op first makes its own
 * backend the active one. Throws PLAF_BACKEND_UNAVAILABLE with the reason when it cannot load.
 */
export async function createTfjsBackend(name: TfjsBackendName): Promise<TfjsBackend> {
  let loaded: Awaited<ReturnType<typeof loadTf>>
  try {
    loaded = await loadTf(name)
  } catch (e) {
    fail('PLAF_BACKEND_UNAVAILABLE', `${name}: ${firstLine(e)}`, { cause: e })
  }
  const { tf, backendName, device, version } = loaded
  const use = async (): Promise<void> => {
    if (tf.getBackend() !== backendName) await tf.setBackend(backendName)
  }
  async function read<T extends Float32Array | Int32Array>(t: Tf.Tensor): Promise<T> {
    try {
      return (await t.data()) as T
    } finally {
      t.dispose()
    }
  }
  return {
    name,
    device,
    version,
    async matmul(a, b, m, k, n) {
      if (m === 0 || n === 0 || k === 0) return new Float32Array(m * n)
      await use()
      return read(tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n]))))
    },
    async normalizeRows(a, m, n) {
      if (m === 0 || n === 0) return a
      await use()
      const y = tf.tidy(() => {
        const x = tf.tensor2d(a, [m, n])
        const norm = tf.sqrt(tf.sum(tf.square(x), 1, true))
        return tf.div(x, tf.where(tf.equal(norm, 0), tf.onesLike(norm), norm))
      })
      a.set(await read<Float32Array>(y))
      return a
    },
    async argmax(a, m, n) {
      if (m === 0 || n === 0) return new Int32Array(m)
      await use()
      return read(tf.tidy(() => tf.argMax(tf.tensor2d(a, [m, n]), 1)))
    },
    async topk(a, m, n, k) {
      const kk = Math.max(0, Math.min(k, n))
      if (m === 0 || kk === 0) return { indices: new Int32Array(m * kk), values: new Float32Array(m * kk) }
      await use()
      const r = tf.tidy(() => tf.topk(tf.tensor2d(a, [m, n]), kk, true))
      const [values, indices] = await Promise.all([read<Float32Array>(r.values), read<Int32Array>(r.indices)])
      return { indices, values }
    },
    toFloat16: async (a) => float32ToFloat16(a),
    fromFloat16: async (a) => float16ToFloat32(a),
    // The tfjs engine is process-wide and may serve other instances: nothing to tear down.
    dispose: async () => {},
  }
}
