import type { GraphInitializer, GraphNode } from '../backends/onnx-graph.js'
import { mulberry32 } from '../util/random.js'

/**
 * A RADIO-shaped language adaptor for generated models: the structure of RADIO's `MLP2` head
 * (`adaptor_mlp.py`), with random weights. Optional pre-norm (LayerNorm, GELU), `fc1` C → H,
 * `inner` residual blocks x + Linear(GELU(LayerNorm(x))), then `final` Linear(GELU(LayerNorm(x)))
 * H → D. LayerNorm eps 1e-5 and exact (erf) GELU, as torch's defaults. `kind: 'linear'` is one
 * matrix C → D without bias (for property tests: a linear adaptor).
 */
export interface AdaptorSpec {
  kind?: 'mlp' | 'linear'
  /** Hidden width H (mlp). */
  hidden?: number
  /** Residual inner blocks (mlp). */
  inner?: number
  /** LayerNorm + GELU before fc1 (RADIOv2.5's heads have it). */
  preNorm?: boolean
}

/** LayerNorm weight and bias. */
export interface LayerNormWeights { gamma: Float32Array; beta: Float32Array }
/** A Linear layer: `w` in×out row-major (x·w), bias out (absent for `linear` kind). */
export interface LinearWeights { w: Float32Array; b?: Float32Array; in: number; out: number }

/** The weights of a generated adaptor, for reference forwards in tests. */
export interface AdaptorWeights {
  kind: 'mlp' | 'linear'
  inDim: number
  outDim: number
  preNorm?: LayerNormWeights
  fc1?: LinearWeights
  blocks: { norm: LayerNormWeights; fc: LinearWeights }[]
  final: { norm?: LayerNormWeights; fc: LinearWeights }
}

const EPS = 1e-5

function uniform(rng: () => number, n: number, fanIn: number): Float32Array {
  const a = 1 / Math.sqrt(fanIn)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = (2 * rng() - 1) * a
  return out
}

function norm(rng: () => number, n: number): LayerNormWeights {
  const gamma = new Float32Array(n)
  const beta = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    gamma[i] = 1 + 0.5 * (2 * rng() - 1)
    beta[i] = 0.2 * (2 * rng() - 1)
  }
  return { gamma, beta }
}

function linear(rng: () => number, inDim: number, outDim: number, bias = true): LinearWeights {
  return { w: uniform(rng, inDim * outDim, inDim), b: bias ? uniform(rng, outDim, inDim) : undefined, in: inDim, out: outDim }
}

/** Random weights of an adaptor C → D (mulberry32 `seed`). */
export function adaptorWeights(inDim: number, outDim: number, spec: AdaptorSpec = {}, seed = 0xada9): AdaptorWeights {
  const rng = mulberry32(seed)
  if (spec.kind === 'linear') return { kind: 'linear', inDim, outDim, blocks: [], final: { fc: linear(rng, inDim, outDim, false) } }
  const h = spec.hidden ?? Math.max(8, inDim)
  return {
    kind: 'mlp',
    inDim,
    outDim,
    preNorm: spec.preNorm === false ? undefined : norm(rng, inDim),
    fc1: linear(rng, inDim, h),
    blocks: Array.from({ length: spec.inner ?? 1 }, () => ({ norm: norm(rng, h), fc: linear(rng, h, h) })),
    final: { norm: norm(rng, h), fc: linear(rng, h, outDim) },
  }
}

/**
 * ONNX nodes and initializers applying the adaptor to the last axis of `input` (any rank: the
 * vision graph's [1, h, w, C] tokens or the adaptor graph's [N, C] rows). Names start with `prefix`.
 */
export function adaptorNodes(a: AdaptorWeights, input: string, output: string, prefix: string): { nodes: GraphNode[]; inits: GraphInitializer[] } {
  const nodes: GraphNode[] = []
  const inits: GraphInitializer[] = []
  let n = 0
  const tmp = (): string => `${prefix}t${n++}`
  const constant = (name: string, dims: number[], data: ArrayLike<number>): string => {
    inits.push({ name: `${prefix}${name}`, type: 'float32', dims, data })
    return `${prefix}${name}`
  }
  const sqrt2 = constant('sqrt2', [], [Math.SQRT2])
  const one = constant('one', [], [1])
  const half = constant('half', [], [0.5])
  const layerNorm = (x: string, w: LayerNormWeights, name: string): string => {
    const y = tmp()
    nodes.push({ op: 'LayerNormalization', inputs: [x, constant(`${name}.weight`, [w.gamma.length], w.gamma), constant(`${name}.bias`, [w.beta.length], w.beta)], outputs: [y], attributes: { axis: -1, epsilon: { float: EPS } } })
    return y
  }
  const gelu = (x: string): string => {
    const [d, e, p, m, y] = [tmp(), tmp(), tmp(), tmp(), tmp()]
    nodes.push(
      { op: 'Div', inputs: [x, sqrt2], outputs: [d] },
      { op: 'Erf', inputs: [d], outputs: [e] },
      { op: 'Add', inputs: [e, one], outputs: [p] },
      { op: 'Mul', inputs: [x, p], outputs: [m] },
      { op: 'Mul', inputs: [m, half], outputs: [y] },
    )
    return y
  }
  const fc = (x: string, l: LinearWeights, name: string, out = tmp()): string => {
    const w = constant(`${name}.weight`, [l.in, l.out], l.w)
    if (!l.b) {
      nodes.push({ op: 'MatMul', inputs: [x, w], outputs: [out] })
      return out
    }
    const mm = tmp()
    nodes.push({ op: 'MatMul', inputs: [x, w], outputs: [mm] }, { op: 'Add', inputs: [mm, constant(`${name}.bias`, [l.out], l.b)], outputs: [out] })
    return out
  }
  let x = input
  if (a.kind === 'linear') {
    fc(x, a.final.fc, 'final', output)
    return { nodes, inits }
  }
  if (a.preNorm) x = gelu(layerNorm(x, a.preNorm, 'pre_norm'))
  x = fc(x, a.fc1!, 'fc1')
  a.blocks.forEach((b, i) => {
    const y = fc(gelu(layerNorm(x, b.norm, `blocks.${i}.norm`)), b.fc, `blocks.${i}.fc`)
    const sum = tmp()
    nodes.push({ op: 'Add', inputs: [x, y], outputs: [sum] })
    x = sum
  })
  fc(gelu(layerNorm(x, a.final.norm!, 'final.norm')), a.final.fc, 'final', output)
  return { nodes, inits }
}

/** The adaptor on one row, in float64: the reference forward for tests. */
export function adaptorForward(a: AdaptorWeights, row: ArrayLike<number>): Float64Array {
  const ln = (x: Float64Array, w: LayerNormWeights): Float64Array => {
    let mean = 0
    for (const v of x) mean += v
    mean /= x.length
    let vr = 0
    for (const v of x) vr += (v - mean) ** 2
    const inv = 1 / Math.sqrt(vr / x.length + EPS)
    return x.map((v, i) => (v - mean) * inv * w.gamma[i]! + w.beta[i]!)
  }
  const gelu = (x: Float64Array): Float64Array => x.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)))
  const fc = (x: Float64Array, l: LinearWeights): Float64Array => {
    const y = new Float64Array(l.out)
    if (l.b) for (let j = 0; j < l.out; j++) y[j] = l.b[j]!
    for (let i = 0; i < l.in; i++) for (let j = 0; j < l.out; j++) y[j] += x[i]! * l.w[i * l.out + j]!
    return y
  }
  let x: Float64Array = Float64Array.from(row)
  if (a.kind === 'linear') return fc(x, a.final.fc)
  if (a.preNorm) x = gelu(ln(x, a.preNorm))
  x = fc(x, a.fc1!)
  for (const b of a.blocks) {
    const y = fc(gelu(ln(x, b.norm)), b.fc)
    x = x.map((v, i) => v + y[i]!)
  }
  return fc(gelu(ln(x, a.final.norm!)), a.final.fc)
}

/** erf to ~1e-13 (series for small |x|, continued fraction beyond): float64 reference only. */
function erf(x: number): number {
  const ax = Math.abs(x)
  if (ax < 2.5) {
    // Maclaurin series: erf x = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
    let term = ax
    let sum = ax
    for (let n = 1; n < 80; n++) {
      term *= (-ax * ax) / n
      const add = term / (2 * n + 1)
      sum += add
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum
  }
  // erfc x = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + …)))))
  let f = ax
  for (let k = 60; k >= 1; k--) f = ax + (k / 2) / f
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f)
}
