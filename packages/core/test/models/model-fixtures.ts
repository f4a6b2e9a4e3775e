import { buildModel } from '../../src/backends/onnx-graph.js'
import { PlafError, type Diagnostic } from '../../src/diagnostics.js'
import type { ModelManifestParts } from '../../src/testing/model-dir.js'

/**
 * A tiny RADIO-shaped graph: `image` f32[1,3,32,32] → 16×16 average pool → NHWC `features`
 * f32[1,2,2,3] (a valid graph onnxruntime can run).
 */
export function tinyVisionOnnx(): Uint8Array {
  return buildModel({
    inputs: [{ name: 'image', type: 'float32', shape: [1, 3, 32, 32] }],
    outputs: [{ name: 'features', type: 'float32', shape: [1, 2, 2, 3] }],
    nodes: [
      { op: 'AveragePool', inputs: ['image'], outputs: ['pooled'], attributes: { kernel_shape: [16, 16], strides: [16, 16] } },
      { op: 'Transpose', inputs: ['pooled'], outputs: ['features'], attributes: { perm: [0, 2, 3, 1] } },
    ],
  })
}

/** The manifest parts of `tinyVisionOnnx` as `tiny-radio@1.0.0` (files are added by writeModelDir). */
export function tinyManifest(overrides: Partial<ModelManifestParts> = {}): ModelManifestParts {
  return {
    name: 'tiny-radio',
    version: '1.0.0',
    description: 'test model',
    licence: { id: 'Apache-2.0' },
    source: { repo: 'tiny-radio', revision: 'main' },
    family: 'radio',
    graphs: {
      vision: {
        file: 'onnx/vision.onnx',
        inputs: [{ name: 'image', dtype: 'float32', shape: [1, 3, 32, 32], role: 'image' }],
        outputs: [{ name: 'features', dtype: 'float32', shape: [1, 2, 2, 3], role: 'features', layout: 'nhwc' }],
      },
    },
    image: {
      patch_size: 16, feature_dim: 3, embedding_space: 'tiny-space',
      preprocessing: { input_size: [32, 32], resize: 'squash', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], channel_order: 'rgb' },
    },
    ...overrides,
  }
}

/** The files of the tiny model: the graph plus a 3000-byte data file (big enough to cut mid-way). */
export function tinyFiles(): Record<string, Uint8Array> {
  const data = new Uint8Array(3000)
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff
  return { 'onnx/vision.onnx': tinyVisionOnnx(), 'extra/data.bin': data }
}

/**
 * A transformers.js-style text tower: `input_ids` int64[batch_size, n] → Cast → MatMul by an
 * n×d ones matrix → `output` f32[batch_size, d].
 */
export function textTowerOnnx(n: number, d: number, output: string): Uint8Array {
  return buildModel({
    inputs: [{ name: 'input_ids', type: 'int64', shape: ['batch_size', n] }],
    outputs: [{ name: output, type: 'float32', shape: ['batch_size', d] }],
    initializers: [{ name: 'w', type: 'float32', dims: [n, d], data: new Float32Array(n * d).fill(1) }],
    nodes: [
      { op: 'Cast', inputs: ['input_ids'], outputs: ['ids_f'], attributes: { to: 1 } },
      { op: 'MatMul', inputs: ['ids_f', 'w'], outputs: [output] },
    ],
  })
}

/** A transformers.js-style vision tower: `pixel_values` f32[batch_size, 3, s, s] → mean over H, W → 3×d MatMul → `output` f32[batch_size, d]. */
export function visionTowerOnnx(s: number, d: number, output: string): Uint8Array {
  return buildModel({
    inputs: [{ name: 'pixel_values', type: 'float32', shape: ['batch_size', 3, s, s] }],
    outputs: [{ name: output, type: 'float32', shape: ['batch_size', d] }],
    initializers: [{ name: 'w', type: 'float32', dims: [3, d], data: new Float32Array(3 * d).fill(0.5) }],
    nodes: [
      { op: 'ReduceMean', inputs: ['pixel_values'], outputs: ['m'], attributes: { axes: [2, 3], keepdims: 0 } },
      { op: 'MatMul', inputs: ['m', 'w'], outputs: [output] },
    ],
  })
}

/** The diagnostics (without causes) a call or promise throws; fails when it does not throw a PlafError. */
export async function thrown(p: Promise<unknown> | (() => unknown)): Promise<Diagnostic[]> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (e) {
    if (e instanceof PlafError) return e.diagnostics.map(({ cause: _c, ...d }) => d as Diagnostic)
    throw e
  }
  throw new Error('expected a PlafError')
}
