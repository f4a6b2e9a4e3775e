/**
 * A ViT-B/16-shaped ONNX graph with random weights at real size, for the `backbone` benchmark:
 * patch embedding (16×16 convolution, stride 16) plus learned positions, 12 pre-norm blocks of
 * LayerNormalization (opset 17), 12-head self-attention over all patches (width 768) and an MLP of
 * 3072 with GELU in its Erf form, a final LayerNormalization, output NHWC [1, h/16, w/16, 768]. It
 * has the FLOPs and the memory traffic of the real network (86 M parameters), not its function.
 * Built with core's `buildModel`, deterministically from a seed, and cached as a file.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { buildModel, mulberry32, writeFileAtomic, type GraphInitializer, type GraphNode } from '@plaf/core'

/** Sizes of the generated network. */
export interface VitShape {
  /** Input side in pixels (square). */
  size: number
  patch: number
  width: number
  depth: number
  heads: number
  mlp: number
  seed: number
}

/** ViT-B/16 at 512×512, the paper's backbone resolution. */
export const VIT_B16_512: VitShape = { size: 512, patch: 16, width: 768, depth: 12, heads: 12, mlp: 3072, seed: 1 }

/** Parameters of a generated network (weights and biases, norms and positions included). */
export function vitParameterCount(s: VitShape): number {
  const n = (s.size / s.patch) ** 2
  const block = 4 * (s.width * s.width + s.width) + s.width * s.mlp + s.mlp + s.mlp * s.width + s.width + 4 * s.width
  return 3 * s.patch * s.patch * s.width + s.width + n * s.width + s.depth * block + 2 * s.width
}

/** The graph's bytes (float32 weights, about 4 bytes per parameter). */
export function buildVitModel(s: VitShape): Uint8Array {
  const rng = mulberry32(s.seed)
  const inits: GraphInitializer[] = []
  const nodes: GraphNode[] = []
  // weights ~ uniform with std 0.02 (ViT's init scale), so activations stay finite through 12 blocks
  const weight = (name: string, dims: number[], scale = 0.02 * Math.sqrt(3)): string => {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1))
    for (let i = 0; i < data.length; i++) data[i] = (rng() * 2 - 1) * scale
    inits.push({ name, type: 'float32', dims, data })
    return name
  }
  const constant = (name: string, dims: number[], value: number): string => {
    inits.push({ name, type: 'float32', dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value) })
    return name
  }
  const shape = (name: string, dims: number[]): string => (inits.push({ name, type: 'int64', dims: [dims.length], data: BigInt64Array.from(dims.map(BigInt)) }), name)
  const op = (o: string, inputs: string[], out: string, attributes?: GraphNode['attributes']): string => (nodes.push({ op: o, inputs, outputs: [out], attributes }), out)

  const g = s.size / s.patch
  const n = g * g
  const hd = s.width / s.heads
  const D = s.width
  const tokensShape = shape('tokens_shape', [1, n, D])
  const headsShape = shape('heads_shape', [1, n, s.heads, hd])
  let x = op('Conv', ['pixel_values', weight('patch_w', [D, 3, s.patch, s.patch]), constant('patch_b', [D], 0)], 'patches', { kernel_shape: [s.patch, s.patch], strides: [s.patch, s.patch] })
  x = op('Reshape', [x, shape('flat_shape', [1, D, n])], 'patches_flat')
  x = op('Transpose', [x], 'tokens0', { perm: [0, 2, 1] })
  x = op('Add', [x, weight('pos', [1, n, D])], 'x0')
  const ln = (b: string, input: string, name: string): string =>
    op('LayerNormalization', [input, constant(`${b}_${name}_g`, [D], 1), constant(`${b}_${name}_b`, [D], 0)], `${b}_${name}`, { axis: -1, epsilon: 1e-6 })
  const linear = (b: string, input: string, name: string, i: number, o: number): string =>
    op('Add', [op('MatMul', [input, weight(`${b}_${name}_w`, [i, o])], `${b}_${name}_mm`), constant(`${b}_${name}_b`, [o], 0)], `${b}_${name}`)
  const scale = constant('attn_scale', [], 1 / Math.sqrt(hd))
  const half = constant('half', [], 0.5)
  const one = constant('one', [], 1)
  const invSqrt2 = constant('inv_sqrt2', [], Math.SQRT1_2)
  for (let i = 0; i < s.depth; i++) {
    const b = `b${i}`
    const h = ln(b, x, 'ln1')
    const heads = (name: string, perm: number[]): string => op('Transpose', [op('Reshape', [linear(b, h, name, D, D), headsShape], `${b}_${name}_h`)], `${b}_${name}_t`, { perm })
    const q = heads('q', [0, 2, 1, 3])
    const kT = heads('k', [0, 2, 3, 1])
    const v = heads('v', [0, 2, 1, 3])
    const att = op('Softmax', [op('Mul', [op('MatMul', [q, kT], `${b}_qk`), scale], `${b}_qk_s`)], `${b}_att`, { axis: -1 })
    const ctx = op('Reshape', [op('Transpose', [op('MatMul', [att, v], `${b}_av`)], `${b}_av_t`, { perm: [0, 2, 1, 3] }), tokensShape], `${b}_ctx`)
    x = op('Add', [x, linear(b, ctx, 'proj', D, D)], `${b}_x1`)
    const m = linear(b, ln(b, x, 'ln2'), 'fc1', D, s.mlp)
    // GELU, Erf form: 0.5·x·(1 + erf(x/√2)) (ORT fuses it into one Gelu kernel)
    const gelu = op('Mul', [op('Mul', [m, half], `${b}_gh`), op('Add', [op('Erf', [op('Mul', [m, invSqrt2], `${b}_gs`)], `${b}_ge`), one], `${b}_g1`)], `${b}_gelu`)
    x = op('Add', [x, linear(b, gelu, 'fc2', s.mlp, D)], `${b}_x2`)
  }
  x = ln('final', x, 'ln')
  op('Reshape', [x, shape('grid_shape', [1, g, g, D])], 'features')
  return buildModel({
    name: 'vit-b16-random',
    inputs: [{ name: 'pixel_values', type: 'float32', shape: [1, 3, s.size, s.size] }],
    outputs: [{ name: 'features', type: 'float32', shape: [1, g, g, D] }],
    initializers: inits,
    nodes,
    opset: 17,
  })
}

/**
 * The generated graph as a file under `cacheDir` (default `node_modules/.cache/plaf-bench`),
 * named by a hash of the shape and of this module's generator version; built only when missing.
 */
export function cachedVitModel(s: VitShape, cacheDir: string, onBuild?: (msg: string) => void): string {
  const key = createHash('sha256').update(JSON.stringify({ generator: 1, ...s })).digest('hex').slice(0, 16)
  const file = join(cacheDir, `vit-${s.size}-p${s.patch}-w${s.width}-d${s.depth}-${key}.onnx`)
  if (existsSync(file)) return file
  onBuild?.(`generating ${file} (${(vitParameterCount(s) / 1e6).toFixed(1)} M parameters)`)
  mkdirSync(dirname(file), { recursive: true })
  writeFileAtomic(file, buildVitModel(s))
  return file
}
