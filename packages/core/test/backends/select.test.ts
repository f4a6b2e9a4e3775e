import { basename, dirname } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createOnnxruntimeBackend } from '../../src/backends/onnxruntime.js'
import { cudaProviderLibraries, planProviders } from '../../src/backends/ort-providers.js'
import { createTensorBackend, probeTensorBackends, selectTensorBackend } from '../../src/backends/select.js'
import { tfjsNodeBlocker } from '../../src/backends/tfjs.js'
import { TENSOR_BACKENDS } from '../../src/backends/types.js'
import { PlafError } from '../../src/diagnostics.js'

const probes = await probeTensorBackends()
const gpuTfjs = probes.find((p) => p.name === 'tfjs-node-gpu')!
const cudaInstalled = cudaProviderLibraries().every((l) => l.present)

describe('probeTensorBackends', () => {
  it('reports every backend in auto order, each with a reason', () => {
    expect(probes.map((p) => p.name)).toEqual([...TENSOR_BACKENDS])
    for (const p of probes) {
      expect(['available', 'skipped']).toContain(p.status)
      expect(p.why).toMatch(/\S/)
    }
  })

  it('finds the backends this package depends on: onnxruntime, tfjs-wasm, reference', () => {
    const status = Object.fromEntries(probes.map((p) => [p.name, p.status]))
    expect([status.onnxruntime, status['tfjs-wasm'], status.reference]).toEqual(['available', 'available', 'available'])
    expect(probes.find((p) => p.name === 'onnxruntime')!.why).toMatch(/^onnxruntime \d+\.\d+\.\d+ on (cpu|cuda), \d+ threads/)
  })
})

describe('tfjs-wasm side effects', () => {
  it('leaves no Emscripten rethrowing process listeners behind', () => {
    // The probe above loaded the wasm backend.
    const emscripten = /ExitStatus|throw reason/
    const listeners = [...process.listeners('uncaughtException'), ...process.listeners('unhandledRejection')]
    expect(listeners.filter((l) => emscripten.test(String(l)))).toEqual([])
  })
})

describe('selectTensorBackend', () => {
  it.skipIf(gpuTfjs.status === 'available')('auto picks onnxruntime here and records why tfjs-node-gpu was skipped', async () => {
    const { backend, choices } = await selectTensorBackend()
    try {
      expect(choices.map((c) => [c.name, c.status])).toEqual([
        ['tfjs-node-gpu', 'skipped'],
        ['onnxruntime', 'chosen'],
      ])
      expect(choices[0].why).toBe(gpuTfjs.why)
      expect(choices[0].why).toMatch(/tfjs-node-gpu|Node 23|GPU/)
      if (!cudaInstalled) expect(choices[1].why).toMatch(/on cpu, .*skipped cuda: provider libraries not installed/)
      expect(backend.name).toBe('onnxruntime')
      expect(Array.from(await backend.matmul(Float32Array.of(2), Float32Array.of(3), 1, 1, 1))).toEqual([6])
    } finally {
      await backend.dispose()
    }
  })

  it('a named preference that works is chosen with "requested"', async () => {
    const { backend, choices } = await selectTensorBackend('tfjs-wasm')
    try {
      expect(backend.name).toBe('tfjs-wasm')
      expect(choices.map((c) => [c.name, c.status])).toEqual([['tfjs-wasm', 'chosen']])
      expect(choices[0].why).toMatch(/^requested; tfjs-wasm \d+\.\d+\.\d+ on cpu \(wasm simd, 1 thread\)$/)
    } finally {
      await backend.dispose()
    }
  })

  it.skipIf(gpuTfjs.status === 'available')('a named preference that is unavailable throws PLAF_BACKEND_UNAVAILABLE with the reason', async () => {
    const e = await selectTensorBackend('tfjs-node-gpu').catch((err: unknown) => err)
    expect(e).toBeInstanceOf(PlafError)
    expect((e as PlafError).code).toBe('PLAF_BACKEND_UNAVAILABLE')
    expect((e as PlafError).diagnostics[0].message).toBe(`tfjs-node-gpu: ${gpuTfjs.why}`)
    await expect(createTensorBackend('tfjs-node-gpu')).rejects.toThrow(/PLAF_BACKEND_UNAVAILABLE: tfjs-node-gpu: /)
  })

  it('onnxruntime on an explicit CPU device skips nothing', async () => {
    const { choices, backend } = await selectTensorBackend('onnxruntime', { device: 'cpu', threads: 1 })
    await backend.dispose()
    expect(choices[0].why).toMatch(/^requested; onnxruntime \S+ on cpu, 1 threads$/)
  })
})

describe('execution provider fallback', () => {
  it('plans CPU last and leaves out CUDA without its libraries, saying where they belong', () => {
    expect(planProviders('cpu')).toEqual({ order: ['cpu'], reasons: [] })
    expect(planProviders('webgpu').order).toEqual(['webgpu', 'cpu'])
    const auto = planProviders('auto')
    if (cudaInstalled) expect(auto).toEqual({ order: ['cuda', 'cpu'], reasons: [] })
    else {
      expect(auto.order).toEqual(['cpu'])
      const lib = cudaProviderLibraries().find((l) => !l.present)!.file
      expect(auto.reasons[0]).toContain(basename(lib))
      expect(auto.reasons[0]).toContain(`missing in ${dirname(lib)}`)
    }
  })

  it('a backend asked for CUDA runs on CPU when CUDA cannot load, with the reason', async () => {
    const be = await createOnnxruntimeBackend({ device: 'cuda', threads: 1 })
    try {
      if (be.provider === 'cpu') {
        expect(be.device).toBe('cpu')
        expect(be.reasons.join('\n')).toMatch(/^cuda: /)
      } else expect(be.device).toBe('cuda:0')
      expect(Array.from(await be.matmul(Float32Array.of(1, 2), Float32Array.of(3, 4), 1, 2, 1))).toEqual([11])
    } finally {
      await be.dispose()
    }
  })
})

describe('tfjsNodeBlocker', () => {
  it('blocks tfjs-node on Node 23+ with the upstream issue, allows Node 20 and 22', () => {
    expect(tfjsNodeBlocker('20.20.2')).toBeUndefined()
    expect(tfjsNodeBlocker('22.12.0')).toBeUndefined()
    expect(tfjsNodeBlocker('24.1.0')).toMatch(/util\.isNullOrUndefined.*tensorflow\/tfjs#8609.*Node 24\.1\.0/)
  })
})
