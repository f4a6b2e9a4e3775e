import { PlafError, diagnostic } from '../diagnostics.js'
import { createOnnxruntimeBackend, type OnnxruntimeBackendOptions } from './onnxruntime.js'
import { firstLine, onnxruntimeVersion } from './ort-providers.js'
import { createReferenceBackend, matmulReference } from './reference.js'
import { createTfjsBackend } from './tfjs.js'
import { TENSOR_BACKENDS, type BackendChoice, type TensorBackend, type TensorBackendName } from './types.js'

/** Options passed to the backends that take any (today: onnxruntime's device and threads). */
export type TensorBackendOptions = OnnxruntimeBackendOptions

/** A backend that loaded and passed the smoke test, with the sentence that says what it runs on. */
interface Opened {
  backend: TensorBackend
  why: string
}

/** A 2×3·3×2 product checked against the reference, so "available" means it computes, not just loads. */
async function smokeTest(backend: TensorBackend): Promise<void> {
  const a = Float32Array.of(1, 2, 3, -4, 5, 0.5)
  const b = Float32Array.of(0.25, -1, 2, 3, -0.5, 1)
  const want = matmulReference(a, b, 2, 3, 2)
  const got = await backend.matmul(a, b, 2, 3, 2)
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 * Math.max(1, Math.abs(want[i])))) {
      throw new Error(`smoke test failed: matmul gave [${Array.from(got).join(', ')}], expected [${Array.from(want).join(', ')}]`)
    }
  }
}

/** Creates one named backend and smoke-tests it; throws PLAF_BACKEND_UNAVAILABLE with the reason. */
async function open(name: TensorBackendName, opts: TensorBackendOptions): Promise<Opened> {
  let backend: TensorBackend | undefined
  try {
    let why: string
    if (name === 'onnxruntime') {
      const ort = await createOnnxruntimeBackend(opts)
      backend = ort
      const skipped = ort.reasons.length ? `; skipped ${ort.reasons.join('; ')}` : ''
      why = `onnxruntime ${onnxruntimeVersion()} on ${ort.provider}, ${ort.threads} threads${skipped}`
    } else if (name === 'reference') {
      backend = createReferenceBackend()
      why = 'plain typed-array loops (always available)'
    } else {
      const tfjs = await createTfjsBackend(name)
      backend = tfjs
      why = `${name} ${tfjs.version} on ${tfjs.device}`
    }
    await smokeTest(backend)
    return { backend, why }
  } catch (e) {
    await backend?.dispose().catch(() => {})
    if (e instanceof PlafError && e.code === 'PLAF_BACKEND_UNAVAILABLE') throw e
    throw new PlafError(diagnostic('PLAF_BACKEND_UNAVAILABLE', `${name}: ${firstLine(e)}`, { cause: e }), { cause: e })
  }
}

/** The reason inside a PLAF_BACKEND_UNAVAILABLE message, without the repeated backend name. */
function reason(name: TensorBackendName, e: unknown): string {
  const msg = e instanceof PlafError ? e.diagnostics[0].message : firstLine(e)
  return msg.startsWith(`${name}: `) ? msg.slice(name.length + 2) : msg
}

/**
 * Creates the named tensor backend, smoke-tested. Throws PlafError PLAF_BACKEND_UNAVAILABLE with
 * the real reason (first line of the underlying error) when it cannot be used here.
 */
export async function createTensorBackend(name: TensorBackendName, opts: TensorBackendOptions = {}): Promise<TensorBackend> {
  return (await open(name, opts)).backend
}

/**
 * Picks the tensor backend for a run. `auto` tries, in order: tfjs-node-gpu (only on a real GPU),
 * onnxruntime (CUDA when it really loads, else CPU), tfjs-node, tfjs-wasm, reference; every
 * candidate tried before the chosen one is listed as `skipped` with its reason. A named preference
 * is the only candidate: if it is unavailable this throws PLAF_BACKEND_UNAVAILABLE.
 */
export async function selectTensorBackend(
  preference: 'auto' | TensorBackendName = 'auto',
  opts: TensorBackendOptions = {},
): Promise<{ backend: TensorBackend; choices: BackendChoice[] }> {
  if (preference !== 'auto') {
    const { backend, why } = await open(preference, opts)
    return { backend, choices: [{ name: preference, status: 'chosen', why: `requested; ${why}` }] }
  }
  const choices: BackendChoice[] = []
  for (const name of TENSOR_BACKENDS) {
    try {
      const { backend, why } = await open(name, opts)
      choices.push({ name, status: 'chosen', why })
      return { backend, choices }
    } catch (e) {
      choices.push({ name, status: 'skipped', why: reason(name, e) })
    }
  }
  // The reference backend cannot fail to open; this keeps the types honest.
  throw new PlafError(diagnostic('PLAF_BACKEND_UNAVAILABLE', 'no tensor backend could be opened', { hint: choices.map((c) => `${c.name}: ${c.why}`).join('\n') }))
}

/** Tries every backend (for `plaf doctor` and the shared backend tests): available or skipped, and why. */
export async function probeTensorBackends(opts: TensorBackendOptions = {}): Promise<BackendChoice[]> {
  const out: BackendChoice[] = []
  for (const name of TENSOR_BACKENDS) {
    try {
      const { backend, why } = await open(name, opts)
      await backend.dispose()
      out.push({ name, status: 'available', why })
    } catch (e) {
      out.push({ name, status: 'skipped', why: reason(name, e) })
    }
  }
  return out
}
