import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import type * as Ort from 'onnxruntime-node'

const require = createRequire(import.meta.url)

/** Where models may run; `auto` tries CUDA (when its provider libraries are installed), then CPU. */
export type OnnxDevice = 'auto' | 'cpu' | 'cuda' | 'webgpu'

/** An onnxruntime execution provider this project knows how to ask for. */
export type OnnxProvider = 'cuda' | 'webgpu' | 'cpu'

/** Absolute path of onnxruntime-node's CommonJS entry (what a worker `require`s). */
export function onnxruntimeEntry(): string {
  return require.resolve('onnxruntime-node')
}

/** Loads onnxruntime-node on first use (its native library is 45 MB; `@plaf/core` imports stay cheap). */
export async function loadOnnxruntime(): Promise<typeof Ort> {
  const mod = (await import('onnxruntime-node')) as typeof Ort & { default?: typeof Ort }
  return mod.default ?? mod
}

/** Version of the installed onnxruntime-node package. */
export function onnxruntimeVersion(): string {
  return (require('onnxruntime-node/package.json') as { version: string }).version
}

/** Folder holding `onnxruntime_binding.node`; provider libraries must sit next to it. */
export function onnxruntimeBindingDir(): string {
  return join(dirname(onnxruntimeEntry()), '..', 'bin', 'napi-v6', process.platform, process.arch)
}

/** The CUDA provider libraries ORT loads at session creation, and whether each is installed. */
export function cudaProviderLibraries(dir = onnxruntimeBindingDir()): { file: string; present: boolean }[] {
  const names =
    process.platform === 'win32'
      ? ['onnxruntime_providers_shared.dll', 'onnxruntime_providers_cuda.dll']
      : ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so']
  return names.map((name) => {
    const file = join(dir, name)
    return { file, present: existsSync(file) }
  })
}

/**
 * The providers to try for a device preference, in order, plus why the ones left out were left
 * out. CPU is always last: ORT's own provider list does not fall back when a provider fails to
 * load, so callers create one session per provider until one works.
 */
export function planProviders(device: OnnxDevice): { order: OnnxProvider[]; reasons: string[] } {
  const reasons: string[] = []
  const order: OnnxProvider[] = []
  if (device === 'webgpu') order.push('webgpu')
  if (device === 'auto' || device === 'cuda') {
    const libs = cudaProviderLibraries()
    const missing = libs.filter((l) => !l.present)
    if (missing.length === 0) order.push('cuda')
    else {
      reasons.push(
        `cuda: provider libraries not installed (${missing.map((l) => basename(l.file)).join(', ')} missing in ${dirname(libs[0].file)}); ` +
          'install them with ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js',
      )
    }
  }
  order.push('cpu')
  return { order, reasons }
}

/** First line of an error's message, for reasons shown to users. */
export function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e)
  return msg.split('\n')[0].trim()
}

/**
 * Creates a session on the first provider of `order` that loads; each failure is added to
 * `reasons` and the next provider is tried. Throws the CPU failure (the model itself is bad).
 */
export async function createSessionWithFallback(
  ort: typeof Ort,
  model: string | Uint8Array,
  plan: { order: OnnxProvider[]; reasons: string[] },
  options: Ort.InferenceSession.SessionOptions,
): Promise<{ session: Ort.InferenceSession; provider: OnnxProvider; reasons: string[] }> {
  const reasons = [...plan.reasons]
  for (const provider of plan.order) {
    const ep = provider === 'cuda' ? { name: 'cuda', deviceId: 0 } : provider
    try {
      const opts = { ...options, executionProviders: [ep] } as Ort.InferenceSession.SessionOptions
      // Two overloads (path or bytes), so the union is split for the type checker.
      const session = typeof model === 'string' ? await ort.InferenceSession.create(model, opts) : await ort.InferenceSession.create(model, opts)
      return { session, provider, reasons }
    } catch (e) {
      if (provider === 'cpu') throw e
      reasons.push(`${provider}: ${firstLine(e)}`)
    }
  }
  throw new Error('unreachable: cpu is always in the provider order')
}
