import { availableParallelism, cpus, totalmem } from 'node:os'
import { cudaProviderLibraries, firstLine, loadOnnxruntime, onnxruntimeBindingDir, onnxruntimeVersion } from './ort-providers.js'
import { probeTensorBackends } from './select.js'
import type { BackendChoice } from './types.js'

/** What `plaf doctor` prints about the machine and the runtimes (run manifests record a cheap subset: see runtime/run.ts). */
export interface EnvironmentReport {
  node: string
  platform: NodeJS.Platform
  arch: string
  /** Cores Node may use (`os.availableParallelism()`). */
  cpus: number
  cpuModel: string
  totalMemoryBytes: number
  onnxruntime: {
    /** Installed onnxruntime-node version, or undefined when it failed to load (see `error`). */
    version?: string
    /** `ort.listSupportedBackends()`: execution providers and whether their libraries ship with the package. */
    backends: { name: string; bundled: boolean }[]
    /** Folder of the native binding, where CUDA provider libraries must be placed. */
    bindingDir?: string
    /** The CUDA provider libraries and whether each is installed. */
    cudaProviderLibraries: { file: string; present: boolean }[]
    error?: string
  }
  /** `typeof globalThis.Float16Array`: `function` on Node 24+, where ORT returns float16 as Float16Array. */
  float16Array: string
  /** Every tensor seam backend: available or skipped, and why. */
  tensorBackends: BackendChoice[]
}

/** Describes this machine, onnxruntime-node and the tensor backends (it opens and closes each one). */
export async function describeEnvironment(): Promise<EnvironmentReport> {
  let onnxruntime: EnvironmentReport['onnxruntime']
  try {
    const ort = await loadOnnxruntime()
    onnxruntime = {
      version: onnxruntimeVersion(),
      backends: ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled })),
      bindingDir: onnxruntimeBindingDir(),
      cudaProviderLibraries: cudaProviderLibraries(),
    }
  } catch (e) {
    onnxruntime = { backends: [], cudaProviderLibraries: [], error: firstLine(e) }
  }
  return {
    node: process.versions.node,
    platform: process.platform,
    arch: process.arch,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    totalMemoryBytes: totalmem(),
    onnxruntime,
    float16Array: typeof (globalThis as { Float16Array?: unknown }).Float16Array,
    tensorBackends: await probeTensorBackends(),
  }
}
