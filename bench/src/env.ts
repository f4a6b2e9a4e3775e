import { execFileSync } from 'node:child_process'
import { availableParallelism, cpus, freemem, totalmem, type as osType, release } from 'node:os'
import { createTensorBackend, selectTensorBackend, type BackendChoice, type TensorBackend } from '@plaf/core'
import type { BenchConfig } from './config.js'

/** A tensor backend under the label the tables use. */
export interface LabelledBackend {
  /** `auto (onnxruntime)`, `reference`, or the requested name. */
  label: string
  backend: TensorBackend
}

/** What every case gets: the tensor backends to compare and a progress line writer (stderr). */
export interface BenchEnv {
  /** The chosen backend first, then `reference` unless it is the chosen one. */
  backends: LabelledBackend[]
  choices: BackendChoice[]
  progress(message: string): void
}

/** Opens the configured backend and the reference backend. */
export async function openEnv(config: BenchConfig, progress: (m: string) => void): Promise<BenchEnv> {
  const { backend, choices } = await selectTensorBackend(config.backend)
  const backends: LabelledBackend[] = [{ label: config.backend === 'auto' ? `auto (${backend.name})` : backend.name, backend }]
  if (backend.name !== 'reference') backends.push({ label: 'reference', backend: await createTensorBackend('reference') })
  return { backends, choices, progress }
}

/** Releases the backends. */
export async function closeEnv(env: BenchEnv): Promise<void> {
  for (const b of env.backends) await b.backend.dispose()
}

/** The machine a result was measured on. */
export interface MachineInfo {
  node: string
  platform: string
  cpu_model: string
  cores: number
  total_memory_bytes: number
  free_memory_bytes_at_start: number
  tensor_backend: string
  tensor_backend_device: string
  tensor_backend_choices: BackendChoice[]
  git_commit: string | null
}

/** Node, CPU, memory, the tensor backend chosen (and why earlier ones were skipped), the git commit. */
export function machineInfo(env: BenchEnv): MachineInfo {
  let commit: string | null = null
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null
  } catch {
    commit = null
  }
  const chosen = env.backends[0].backend
  return {
    node: process.version,
    platform: `${osType()} ${release()} ${process.arch}`,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    total_memory_bytes: totalmem(),
    free_memory_bytes_at_start: freemem(),
    tensor_backend: chosen.name,
    tensor_backend_device: chosen.device,
    tensor_backend_choices: env.choices,
    git_commit: commit,
  }
}

/**
 * Null when `bytes` more can be allocated with a 25 % margin over what the OS reports free
 * (MemAvailable on Linux), else the reason to skip, for the JSON and the table.
 */
export function memoryShortfall(bytes: number): string | null {
  const free = freemem()
  if (bytes * 1.25 <= free) return null
  return `needs about ${(bytes / 1e9).toFixed(1)} GB, only ${(free / 1e9).toFixed(1)} GB free`
}
