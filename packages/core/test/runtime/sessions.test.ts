import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildModel, defineStage, openOnnxSession, Registry, resolvePipeline, runPipeline, type OnnxSession } from '../../src/index.js'
import { cudaProviderLibraries } from '../../src/backends/ort-providers.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { files } from '../pipeline/helpers.js'

/** The mean colour of the frame through a one-op ONNX model, in a session opened with `ctx.session`. */
const onnxMean = defineStage<Record<string, never>, { frame: 'Frame' }, Record<string, never>>({
  name: 'onnx-mean', kind: 'evaluator', version: '1.0.0', description: 'Mean colour through ONNX (tests only).',
  options: { type: 'object', additionalProperties: false, properties: {} },
  inputs: { frame: 'Frame' }, outputs: {},
  async create(_o, ctx) {
    const model = buildModel({
      inputs: [{ name: 'rgb', type: 'float32', shape: ['n', 3] }],
      outputs: [{ name: 'mean', type: 'float32', shape: [1, 3] }],
      nodes: [{ op: 'ReduceMean', inputs: ['rgb'], outputs: ['mean'], attributes: { axes: [0], keepdims: 1 } }],
      opset: 17,
    })
    const session: OnnxSession = await openOnnxSession(model, { ...ctx.session, name: 'onnx-mean.onnx' })
    return {
      async run({ frame }, rc) {
        const rgb = Float32Array.from(frame.rgb.data)
        const out = await session.run({ rgb: { type: 'float32', data: rgb, dims: [rgb.length / 3, 3] } })
        rc.metric('red', (out.mean.data as Float32Array)[0])
        return {}
      },
      dispose: () => session.release(),
    }
  },
})

const registry = new Registry([...fixturePlugins, onnxMean])
const pipeline = (runtime: string) => `name: s
input: { use: flat-frames, with: { frames: 2, size: 4 } }
stages:
  mean: { use: onnx-mean }
runtime: { tensor_backend: reference, cache: false, ${runtime} }
output: { dir: out }
`

async function manifestOf(runtime: string) {
  const dir = files({ 'p.yaml': pipeline(runtime) })
  const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
  expect(r.diagnostics).toEqual([])
  const res = await runPipeline(r.pipeline!, { cwd: dir })
  expect(res.report.stages.mean.metrics.red).toBe(5 + 15) // flat frames: 5, then 15
  return JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'))
}

describe('the run manifest lists the ONNX sessions', () => {
  it('device cuda on a machine without it: CPU, with the reason CUDA was skipped, and the threads asked for', async () => {
    const m = await manifestOf('device: cuda, threads: 1')
    expect(m.sessions).toHaveLength(1)
    expect(m.sessions[0]).toMatchObject({ model: 'onnx-mean.onnx', device: 'cuda', provider: 'cpu', threads: { intra_op: 1, inter_op: 1 } })
    if (cudaProviderLibraries().some((l) => !l.present)) {
      expect(m.sessions[0].skipped).toEqual([{ provider: 'cuda', reason: expect.stringMatching(/^provider libraries not installed .* missing in /) }])
    }
  })

  it('device webgpu without a GPU adapter: the provider is tried, fails, and ORT\'s reason is kept', async () => {
    const m = await manifestOf('device: webgpu, threads: 2')
    expect(m.sessions[0]).toMatchObject({ device: 'webgpu', threads: { intra_op: 2, inter_op: 1 } })
    if (m.sessions[0].provider === 'webgpu') return // a machine with a GPU adapter (not this project's CI)
    // measured here: "… Failed to get a WebGPU adapter: No supported adapters" (no Vulkan)
    expect(m.sessions[0]).toMatchObject({ provider: 'cpu', skipped: [{ provider: 'webgpu', reason: expect.stringMatching(/WebGPU|adapter|Vulkan/i) }] })
  })
})
