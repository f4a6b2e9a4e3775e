import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename } from 'node:path'
import type * as Ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { describeEnvironment } from '../../src/backends/environment.js'
import { TENSOR_BACKENDS } from '../../src/backends/types.js'

const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof Ort

describe('describeEnvironment', () => {
  it('reports the machine, onnxruntime and every tensor backend', async () => {
    const env = await describeEnvironment()
    expect(env.node).toBe(process.versions.node)
    expect([env.platform, env.arch]).toEqual([process.platform, process.arch])
    expect(env.cpus).toBeGreaterThanOrEqual(1)
    expect(env.cpuModel).toMatch(/\S/)
    expect(env.totalMemoryBytes).toBeGreaterThan(2 ** 28)
    expect(env.float16Array).toBe(typeof (globalThis as { Float16Array?: unknown }).Float16Array)

    expect(env.onnxruntime.error).toBeUndefined()
    expect(env.onnxruntime.version).toBe(ort.env.versions.node)
    expect(env.onnxruntime.backends).toContainEqual({ name: 'cpu', bundled: true })
    expect(env.onnxruntime.bindingDir && existsSync(env.onnxruntime.bindingDir)).toBe(true)
    expect(env.onnxruntime.cudaProviderLibraries.map((l) => basename(l.file))).toContain(
      process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so',
    )
    for (const lib of env.onnxruntime.cudaProviderLibraries) expect(lib.present).toBe(existsSync(lib.file))

    expect(env.tensorBackends.map((b) => b.name)).toEqual([...TENSOR_BACKENDS])
    expect(env.tensorBackends.find((b) => b.name === 'reference')).toEqual({
      name: 'reference',
      status: 'available',
      why: 'plain typed-array loops (always available)',
    })
    expect(JSON.parse(JSON.stringify(env))).toEqual(env) // goes into run manifests as JSON
  })
})
