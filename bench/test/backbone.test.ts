import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openOnnxSession } from '@plaf/core'
import { buildVitModel, cachedVitModel, vitParameterCount, VIT_B16_512, type VitShape } from '../src/backbone/vit-graph.js'
import { runBackboneCase } from '../src/cases/backbone.js'
import { parseConfig } from '../src/config.js'

const root = mkdtempSync(join(tmpdir(), 'plaf-bench-backbone-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const small: VitShape = { size: 64, patch: 16, width: 32, depth: 2, heads: 4, mlp: 64, seed: 3 }

describe('the generated ViT', () => {
  it('has ViT-B/16\'s parameter count at 512×512 (86.4 M: 85.8 M in the blocks and patch embedding, 0.8 M positions)', () => {
    expect(vitParameterCount(VIT_B16_512)).toBe(86_433_024)
  })

  it('stores exactly its parameters as float32 weights, and runs to an NHWC grid of finite values', async () => {
    const bytes = buildVitModel(small)
    // every parameter is 4 bytes of raw data; the rest (graph, names, shape constants) is small
    expect(bytes.byteLength - 4 * vitParameterCount(small)).toBeGreaterThan(0)
    expect(bytes.byteLength - 4 * vitParameterCount(small)).toBeLessThan(12_000)
    const s = await openOnnxSession(bytes, { name: 'vit-small' })
    try {
      expect(s.inputs).toEqual([{ name: 'pixel_values', type: 'float32', shape: [1, 3, 64, 64] }])
      const x = new Float32Array(3 * 64 * 64).map((_, i) => Math.sin(i))
      const out = await s.run({ pixel_values: { type: 'float32', data: x, dims: [1, 3, 64, 64] } })
      expect(out.features.dims).toEqual([1, 4, 4, 32])
      const f = out.features.data as Float32Array
      expect(f.every(Number.isFinite)).toBe(true)
      // final LayerNormalization (γ = 1, β = 0): every token has mean 0 and variance 1
      const t = f.subarray(0, 32)
      const mean = t.reduce((a, b) => a + b, 0) / 32
      expect(Math.abs(mean)).toBeLessThan(1e-4)
      expect(t.reduce((a, b) => a + (b - mean) ** 2, 0) / 32).toBeCloseTo(1, 2)
    } finally {
      await s.release()
    }
  })

  it('is generated deterministically and cached by its shape', () => {
    expect(Buffer.from(buildVitModel(small)).equals(Buffer.from(buildVitModel(small)))).toBe(true)
    expect(Buffer.from(buildVitModel(small)).equals(Buffer.from(buildVitModel({ ...small, seed: 4 })))).toBe(false)
    const built: string[] = []
    const a = cachedVitModel(small, join(root, 'cache'), (m) => built.push(m))
    const b = cachedVitModel(small, join(root, 'cache'), (m) => built.push(m))
    expect(a).toBe(b)
    expect(built).toHaveLength(1)
    expect(cachedVitModel({ ...small, depth: 3 }, join(root, 'cache'))).not.toBe(a)
  })
})

describe('runBackboneCase --tiny', () => {
  it('splits the frame time, runs the pipeline with 1 and 2 frames in flight, and writes the summary in ms', async () => {
    const config = { ...parseConfig(['--tiny', '--tmp', join(root, 'tmp')])! }
    const lines: string[] = []
    const r = await runBackboneCase(config, { backends: [], choices: [], progress: (m) => lines.push(m) })
    // backbone.json's summary is one object (masker.json's is a list, one entry per grid)
    const summary = r.summary as Record<string, number>
    expect(Array.isArray(r.summary)).toBe(false)
    expect(Object.keys(summary).sort()).toEqual(['outside_ms', 'pipeline_frame_ms', 'session_ms'])
    for (const v of Object.values(summary)) expect(v).toBeGreaterThan(0)
    const m = r.measurements as { medians: Record<string, number>; pipelines: Record<string, { frame_intervals_ms: number[] }>; worker_buffers: { runs: number; allocated: number; reused: number } }
    expect(summary.outside_ms).toBeCloseTo(m.medians.read_decode_ms + m.medians.preprocess_ms + m.medians.postprocess_ms, 9)
    expect(Object.keys(m.pipelines)).toEqual(['frames_in_flight_1', 'frames_in_flight_2'])
    expect(m.pipelines.frames_in_flight_2.frame_intervals_ms).toHaveLength(2) // 3 frames
    // the network-alone loop: one output buffer, written into again on every run after the first
    expect(m.worker_buffers).toMatchObject({ runs: 3, allocated: 1, reused: 2 })
    expect(readdirSync(join(root, 'tmp'))).toEqual([])
  })
})
