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
import { writeFileAtomic } from '@plaf/core'
import { transformerGraph } from '../graph/transformer-graph.js'

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
  const t = transformerGraph({ width: s.width, heads: s.heads, mlp: s.mlp, seed: s.seed })
  const { weight, constant, ints, op, ln } = t
  const g = s.size / s.patch
  const n = g * g
  const D = s.width
  const tokensShape = ints('tokens_shape', [1, n, D])
  const headsShape = ints('heads_shape', [1, n, s.heads, D / s.heads])
  let x = op('Conv', ['pixel_values', weight('patch_w', [D, 3, s.patch, s.patch]), constant('patch_b', [D], 0)], 'patches', { kernel_shape: [s.patch, s.patch], strides: [s.patch, s.patch] })
  x = op('Reshape', [x, ints('flat_shape', [1, D, n])], 'patches_flat')
  x = op('Transpose', [x], 'tokens0', { perm: [0, 2, 1] })
  x = op('Add', [x, weight('pos', [1, n, D])], 'x0')
  t.blockConstants()
  for (let i = 0; i < s.depth; i++) {
    const b = `b${i}`
    x = op('Add', [x, t.attention(b, ln(b, x, 'ln1'), headsShape, () => tokensShape)], `${b}_x1`)
    x = t.mlpBlock(b, x)
  }
  x = ln('final', x, 'ln')
  op('Reshape', [x, ints('grid_shape', [1, g, g, D])], 'features')
  return t.build('vit-b16-random', [{ name: 'pixel_values', type: 'float32', shape: [1, 3, s.size, s.size] }], [{ name: 'features', type: 'float32', shape: [1, g, g, D] }])
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
