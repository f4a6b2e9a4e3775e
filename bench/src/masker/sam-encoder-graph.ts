/**
 * A SAM ViT-B image encoder-shaped ONNX graph with random weights at real size, for the `masker`
 * benchmark: 16×16 patch embedding of the 1024×1024 input into a 64×64 grid of width 768 plus
 * learned positions, 12 pre-norm blocks whose attention is windowed (14×14 windows over the grid
 * padded to 70×70) except in the global blocks 2, 5, 8 and 11 (all 4096 tokens), 12 heads, MLP 3072
 * with GELU, then SAM's neck: 1×1 convolution to 256, LayerNorm2d, 3×3 convolution, LayerNorm2d,
 * output [1, 256, 64, 64]. SAM's decomposed relative position terms are left out (a few per cent of
 * the attention's work), so this graph is a little cheaper than the real encoder, never dearer.
 * Built with core's `buildModel`, deterministically from a seed, and cached as a file.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { writeFileAtomic } from '@plaf/core'
import { transformerGraph } from '../graph/transformer-graph.js'

/** Sizes of the generated encoder. */
export interface SamEncoderShape {
  /** Input side in pixels (square). */
  size: number
  patch: number
  width: number
  depth: number
  heads: number
  mlp: number
  /** Side of the attention windows (in tokens). */
  window: number
  /** Blocks with global attention. */
  global: number[]
  /** Channels of the output embedding. */
  out: number
  seed: number
}

/** SAM ViT-B (`sam_vit_b_01ec64`): 1024² input, width 768, 12 blocks, windows of 14, neck to 256. */
export const SAM_VIT_B: SamEncoderShape = { size: 1024, patch: 16, width: 768, depth: 12, heads: 12, mlp: 3072, window: 14, global: [2, 5, 8, 11], out: 256, seed: 1 }

/** Parameters of a generated encoder (weights, biases, norms, positions). */
export function samEncoderParameterCount(s: SamEncoderShape): number {
  const g = s.size / s.patch
  const D = s.width
  const block = 4 * (D * D + D) + D * s.mlp + s.mlp + s.mlp * D + D + 4 * D
  return 3 * s.patch * s.patch * D + D + g * g * D + s.depth * block + D * s.out + 9 * s.out * s.out + 4 * s.out
}

/** The graph's bytes (float32 weights). */
export function buildSamEncoderModel(s: SamEncoderShape): Uint8Array {
  const t = transformerGraph({ width: s.width, heads: s.heads, mlp: s.mlp, seed: s.seed })
  const { weight, constant, ints, op, ln } = t
  const g = s.size / s.patch
  const D = s.width
  const hd = D / s.heads
  const nw = Math.ceil(g / s.window)
  const gp = nw * s.window
  t.blockConstants()
  /** Multi-head self-attention over [groups, n, D] token groups. */
  const attention = (b: string, h: string, groups: number, n: number): string =>
    t.attention(b, h, ints(`${b}_heads_shape`, [groups, n, s.heads, hd]), () => ints(`${b}_ctx_shape`, [groups, n, D]))

  // Patch embedding, NHWC tokens [1, g, g, D] plus positions.
  let x = op('Conv', ['pixel_values', weight('patch_w', [D, 3, s.patch, s.patch]), constant('patch_b', [D], 0)], 'patches', { kernel_shape: [s.patch, s.patch], strides: [s.patch, s.patch] })
  x = op('Transpose', [x], 'tokens0', { perm: [0, 2, 3, 1] })
  x = op('Add', [x, weight('pos', [1, g, g, D])], 'x0')
  for (let i = 0; i < s.depth; i++) {
    const b = `b${i}`
    const h = ln(b, x, 'ln1')
    let a: string
    if (s.global.includes(i)) {
      a = attention(b, op('Reshape', [h, ints(`${b}_flat`, [1, g * g, D])], `${b}_flat_t`), 1, g * g)
    } else {
      // Window partition: pad to a multiple of the window, [nw², window², D] groups.
      const padded = op('Pad', [h, ints(`${b}_pads`, [0, 0, 0, 0, 0, gp - g, gp - g, 0])], `${b}_pad`)
      const parts = op('Transpose', [op('Reshape', [padded, ints(`${b}_win6`, [1, nw, s.window, nw, s.window, D])], `${b}_w6`)], `${b}_w6t`, { perm: [0, 1, 3, 2, 4, 5] })
      const groups = op('Reshape', [parts, ints(`${b}_wins`, [nw * nw, s.window * s.window, D])], `${b}_wins_t`)
      const w = attention(b, groups, nw * nw, s.window * s.window)
      const back = op('Transpose', [op('Reshape', [w, ints(`${b}_unwin6`, [1, nw, nw, s.window, s.window, D])], `${b}_u6`)], `${b}_u6t`, { perm: [0, 1, 3, 2, 4, 5] })
      const full = op('Reshape', [back, ints(`${b}_unpad_shape`, [1, gp, gp, D])], `${b}_unwin`)
      a = op('Slice', [full, ints(`${b}_s0`, [0, 0]), ints(`${b}_s1`, [g, g]), ints(`${b}_sax`, [1, 2])], `${b}_unpad`)
    }
    x = op('Add', [x, op('Reshape', [a, ints(`${b}_grid`, [1, g, g, D])], `${b}_a_grid`)], `${b}_x1`)
    x = t.mlpBlock(b, x)
  }
  // Neck: 1×1 conv, LayerNorm2d (over channels, as NHWC LayerNormalization), 3×3 conv, LayerNorm2d.
  const O = s.out
  let y = op('Conv', [op('Transpose', [x], 'neck_in', { perm: [0, 3, 1, 2] }), weight('neck_w1', [O, D, 1, 1])], 'neck_c1', { kernel_shape: [1, 1] })
  y = op('Transpose', [ln('neck', op('Transpose', [y], 'neck_c1_t', { perm: [0, 2, 3, 1] }), 'ln1', O)], 'neck_n1', { perm: [0, 3, 1, 2] })
  y = op('Conv', [y, weight('neck_w2', [O, O, 3, 3])], 'neck_c2', { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })
  op('Transpose', [ln('neck', op('Transpose', [y], 'neck_c2_t', { perm: [0, 2, 3, 1] }), 'ln2', O)], 'image_embeddings', { perm: [0, 3, 1, 2] })
  return t.build('sam-vit-b-encoder-random', [{ name: 'pixel_values', type: 'float32', shape: [1, 3, s.size, s.size] }], [{ name: 'image_embeddings', type: 'float32', shape: [1, O, g, g] }])
}

/**
 * The generated encoder as a file under `cacheDir`, named by a hash of the shape and of this
 * module's generator version; built only when missing.
 */
export function cachedSamEncoderModel(s: SamEncoderShape, cacheDir: string, onBuild?: (msg: string) => void): string {
  const key = createHash('sha256').update(JSON.stringify({ generator: 1, ...s })).digest('hex').slice(0, 16)
  const file = join(cacheDir, `sam-encoder-${s.size}-w${s.width}-d${s.depth}-${key}.onnx`)
  if (existsSync(file)) return file
  onBuild?.(`generating ${file} (${(samEncoderParameterCount(s) / 1e6).toFixed(1)} M parameters)`)
  mkdirSync(dirname(file), { recursive: true })
  writeFileAtomic(file, buildSamEncoderModel(s))
  return file
}
