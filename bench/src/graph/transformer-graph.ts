/**
 * The pieces both generated benchmark networks (the ViT-B backbone, the SAM ViT-B encoder) are made
 * of: random float32 weights from a seeded generator (uniform, std 0.02 as ViT's init), constants,
 * int64 shapes, nodes, pre-norm LayerNormalization (opset 17), linear layers, multi-head attention
 * over [groups, n, width] tokens and the GELU MLP block. Nothing is created until a piece is called,
 * so each graph keeps its own order of initializers (and with it its bytes and its cache file).
 */
import { buildModel, mulberry32, type GraphInitializer, type GraphNode, type GraphValue } from '@plaf/core'

/** Width, heads and MLP size of the blocks, and the weights' seed. */
export interface TransformerDims {
  width: number
  heads: number
  mlp: number
  seed: number
}

/** A graph under construction; see the module comment. */
export function transformerGraph(dims: TransformerDims) {
  const rng = mulberry32(dims.seed)
  const inits: GraphInitializer[] = []
  const nodes: GraphNode[] = []
  const D = dims.width
  const hd = D / dims.heads
  const count = (shape: number[]): number => shape.reduce((a, b) => a * b, 1)
  const weight = (name: string, shape: number[], scale = 0.02 * Math.sqrt(3)): string => {
    const data = new Float32Array(count(shape))
    for (let i = 0; i < data.length; i++) data[i] = (rng() * 2 - 1) * scale
    inits.push({ name, type: 'float32', dims: shape, data })
    return name
  }
  const constant = (name: string, shape: number[], value: number): string => {
    inits.push({ name, type: 'float32', dims: shape, data: new Float32Array(count(shape)).fill(value) })
    return name
  }
  const ints = (name: string, values: number[]): string => (inits.push({ name, type: 'int64', dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) }), name)
  const op = (o: string, inputs: string[], out: string, attributes?: GraphNode['attributes']): string => (nodes.push({ op: o, inputs, outputs: [out], attributes }), out)
  const ln = (b: string, input: string, name: string, dim = D): string =>
    op('LayerNormalization', [input, constant(`${b}_${name}_g`, [dim], 1), constant(`${b}_${name}_b`, [dim], 0)], `${b}_${name}`, { axis: -1, epsilon: 1e-6 })
  const linear = (b: string, input: string, name: string, i: number, o: number): string =>
    op('Add', [op('MatMul', [input, weight(`${b}_${name}_w`, [i, o])], `${b}_${name}_mm`), constant(`${b}_${name}_b`, [o], 0)], `${b}_${name}`)
  let k: { scale: string; half: string; one: string; invSqrt2: string } | undefined
  const shared = () => {
    if (!k) throw new Error('transformerGraph: call blockConstants() before attention() or mlpBlock()')
    return k
  }

  return {
    weight, constant, ints, op, ln, linear,
    /** The attention scale and GELU's constants, shared by every block: call once, where the graph wants them. */
    blockConstants(): void {
      k = { scale: constant('attn_scale', [], 1 / Math.sqrt(hd)), half: constant('half', [], 0.5), one: constant('one', [], 1), invSqrt2: constant('inv_sqrt2', [], Math.SQRT1_2) }
    },
    /**
     * Multi-head self-attention of block `b` over `h` ([groups, n, D]), output projection included.
     * `headsShape` reshapes the q/k/v projections to [groups, n, heads, D/heads]; `ctxShape` (called
     * when the graph needs it) reshapes the heads back to [groups, n, D].
     */
    attention(b: string, h: string, headsShape: string, ctxShape: () => string): string {
      const heads = (name: string, perm: number[]): string => op('Transpose', [op('Reshape', [linear(b, h, name, D, D), headsShape], `${b}_${name}_h`)], `${b}_${name}_t`, { perm })
      const q = heads('q', [0, 2, 1, 3])
      const kT = heads('k', [0, 2, 3, 1])
      const v = heads('v', [0, 2, 1, 3])
      const att = op('Softmax', [op('Mul', [op('MatMul', [q, kT], `${b}_qk`), shared().scale], `${b}_qk_s`)], `${b}_att`, { axis: -1 })
      const ctx = op('Reshape', [op('Transpose', [op('MatMul', [att, v], `${b}_av`)], `${b}_av_t`, { perm: [0, 2, 1, 3] }), ctxShape()], `${b}_ctx`)
      return linear(b, ctx, 'proj', D, D)
    },
    /** x + fc2(GELU(fc1(LN(x)))), GELU in its Erf form 0.5·x·(1 + erf(x/√2)) (ORT fuses it into one Gelu kernel). */
    mlpBlock(b: string, x: string): string {
      const c = shared()
      const m = linear(b, ln(b, x, 'ln2'), 'fc1', D, dims.mlp)
      const gelu = op('Mul', [op('Mul', [m, c.half], `${b}_gh`), op('Add', [op('Erf', [op('Mul', [m, c.invSqrt2], `${b}_gs`)], `${b}_ge`), c.one], `${b}_g1`)], `${b}_gelu`)
      return op('Add', [x, linear(b, gelu, 'fc2', dims.mlp, D)], `${b}_x2`)
    },
    /** The model's bytes (opset 17). */
    build(name: string, inputs: GraphValue[], outputs: GraphValue[]): Uint8Array {
      return buildModel({ name, inputs, outputs, initializers: inits, nodes, opset: 17 })
    },
  }
}
