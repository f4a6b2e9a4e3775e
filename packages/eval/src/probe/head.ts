import { mulberry32, type TensorBackend } from '@plaf/core'

/**
 * The linear probe of RADIO's ADE20K protocol (mmseg `BNHead`): batch norm over the D feature
 * channels, then a linear layer (a 1×1 conv) to C class logits. Parameters are float32, as in
 * PyTorch; the batch-norm running statistics are float64.
 */
export interface ProbeHead {
  d: number
  c: number
  /** Batch-norm scale and shift, D each. */
  gamma: Float32Array
  beta: Float32Array
  /** C×D row-major, and C biases. */
  weight: Float32Array
  bias: Float32Array
  /** Running mean and (unbiased) variance for evaluation, D each (PyTorch `BatchNorm` semantics). */
  runningMean: Float64Array
  runningVar: Float64Array
}

/** PyTorch `BatchNorm` defaults. */
export const BN_EPS = 1e-5
export const BN_MOMENTUM = 0.1

/**
 * A fresh head: γ = 1, β = 0, running mean 0 and variance 1 (PyTorch), weight drawn from
 * N(0, 0.01²) and bias 0 (mmseg's `conv_seg` init), from a seeded generator.
 */
export function initHead(d: number, c: number, seed: number): ProbeHead {
  const rng = mulberry32(seed)
  const weight = new Float32Array(c * d)
  for (let i = 0; i < weight.length; i += 2) {
    // Box–Muller: two normals per two uniforms (1 − u keeps the log finite)
    const r = Math.sqrt(-2 * Math.log(1 - rng())) * 0.01
    const t = 2 * Math.PI * rng()
    weight[i] = r * Math.cos(t)
    if (i + 1 < weight.length) weight[i + 1] = r * Math.sin(t)
  }
  return {
    d, c, gamma: new Float32Array(d).fill(1), beta: new Float32Array(d), weight, bias: new Float32Array(c),
    runningMean: new Float64Array(d), runningVar: new Float64Array(d).fill(1),
  }
}

/** A deep copy (tests start two trainings from the same initialisation). */
export function cloneHead(h: ProbeHead): ProbeHead {
  return {
    d: h.d, c: h.c, gamma: h.gamma.slice(), beta: h.beta.slice(), weight: h.weight.slice(), bias: h.bias.slice(),
    runningMean: h.runningMean.slice(), runningVar: h.runningVar.slice(),
  }
}

/**
 * Training rows: n feature rows (n×D row-major), a class 0…C−1 and a weight each. A weight is the
 * number of pixels the row stands for: every sum over pixels (batch statistics, loss, gradients)
 * is the weighted sum over rows.
 */
export interface ProbeBatch {
  x: Float32Array
  n: number
  cls: Int32Array
  weight: Float64Array
}

/** The gradients of one batch, in the parameters' layout. */
export interface HeadGradients {
  gamma: Float64Array
  beta: Float64Array
  weight: Float32Array
  bias: Float64Array
}

/** One batch forward and backward in training mode. */
export interface BatchResult {
  /** Mean cross-entropy over the batch's pixels. */
  loss: number
  grads: HeadGradients
  /** The batch's pixel-weighted mean and biased variance (what normalised it), and Σ weight. */
  mean: Float64Array
  variance: Float64Array
  pixels: number
}

/** Pixel-weighted mean and biased variance per channel (two passes, float64). */
export function weightedMoments(x: Float32Array, n: number, d: number, weight: Float64Array): { mean: Float64Array; variance: Float64Array; total: number } {
  const mean = new Float64Array(d)
  const variance = new Float64Array(d)
  let total = 0
  for (let i = 0; i < n; i++) {
    const wi = weight[i]
    total += wi
    for (let j = 0, o = i * d; j < d; j++) mean[j] += wi * x[o + j]
  }
  for (let j = 0; j < d; j++) mean[j] /= total
  for (let i = 0; i < n; i++) {
    const wi = weight[i]
    for (let j = 0, o = i * d; j < d; j++) {
      const e = x[o + j] - mean[j]
      variance[j] += wi * e * e
    }
  }
  for (let j = 0; j < d; j++) variance[j] /= total
  return { mean, variance, total }
}

/** z = γ (x − μ) / √(σ² + ε) + β per row, and the standardised x̂ (both n×D). */
function normalise(head: ProbeHead, x: Float32Array, n: number, mean: ArrayLike<number>, variance: ArrayLike<number>): { z: Float32Array; xhat: Float32Array } {
  const d = head.d
  const inv = new Float64Array(d)
  for (let j = 0; j < d; j++) inv[j] = 1 / Math.sqrt(variance[j] + BN_EPS)
  const z = new Float32Array(n * d)
  const xhat = new Float32Array(n * d)
  for (let i = 0; i < n; i++) {
    for (let j = 0, o = i * d; j < d; j++) {
      const s = (x[o + j] - mean[j]) * inv[j]
      xhat[o + j] = s
      z[o + j] = head.gamma[j] * s + head.beta[j]
    }
  }
  return { z, xhat }
}

/** A row-major r×c matrix transposed (c×r). */
export function transpose(a: Float32Array, r: number, c: number): Float32Array {
  const t = new Float32Array(r * c)
  for (let i = 0; i < r; i++) for (let j = 0, o = i * c; j < c; j++) t[j * r + i] = a[o + j]
  return t
}

/** Logits n×C = z (n×D) · Wᵀ + b, the product on the tensor seam. */
async function logits(head: ProbeHead, z: Float32Array, n: number, tensor: TensorBackend): Promise<Float32Array> {
  const out = await tensor.matmul(z, transpose(head.weight, head.c, head.d), n, head.d, head.c)
  for (let i = 0; i < n; i++) for (let k = 0, o = i * head.c; k < head.c; k++) out[o + k] += head.bias[k]
  return out
}

/**
 * Training-mode forward and backward of one batch: batch norm with the batch's own pixel-weighted
 * statistics (as BatchNorm does over every pixel of a batch), the weighted mean cross-entropy, and
 * the gradients of γ, β, W and b. Features are frozen, so nothing flows back into the statistics.
 * The three n×D×C products (logits, ∂W, ∂z) run on the tensor seam. Does not change the head.
 */
export async function batchGradients(head: ProbeHead, batch: ProbeBatch, tensor: TensorBackend): Promise<BatchResult> {
  const { d, c } = head
  const { x, n, cls, weight } = batch
  const { mean, variance, total } = weightedMoments(x, n, d, weight)
  const { z, xhat } = normalise(head, x, n, mean, variance)
  const g = await logits(head, z, n, tensor)
  // g becomes ∂loss/∂logits: (softmax − one-hot) · w_i / Σw
  let loss = 0
  const bias = new Float64Array(c)
  for (let i = 0; i < n; i++) {
    const o = i * c
    let max = -Infinity
    for (let k = 0; k < c; k++) if (g[o + k] > max) max = g[o + k]
    const target = g[o + cls[i]]
    let sum = 0
    for (let k = 0; k < c; k++) {
      const e = Math.exp(g[o + k] - max)
      g[o + k] = e
      sum += e
    }
    const s = weight[i] / total
    loss += s * (max + Math.log(sum) - target)
    const scale = s / sum
    for (let k = 0; k < c; k++) {
      const gk = g[o + k] * scale - (k === cls[i] ? s : 0)
      g[o + k] = gk
      bias[k] += gk
    }
  }
  const gradWeight = await tensor.matmul(transpose(g, n, c), z, c, n, d)
  const dz = await tensor.matmul(g, head.weight, n, c, d)
  const gamma = new Float64Array(d)
  const beta = new Float64Array(d)
  for (let i = 0; i < n; i++) {
    for (let j = 0, o = i * d; j < d; j++) {
      gamma[j] += dz[o + j] * xhat[o + j]
      beta[j] += dz[o + j]
    }
  }
  return { loss, grads: { gamma, beta, weight: gradWeight, bias }, mean, variance, pixels: total }
}

/**
 * Moves the running statistics towards a batch's (PyTorch: momentum 0.1, the variance unbiased
 * over the batch's pixels, n / (n − 1)).
 */
export function updateRunningStats(head: ProbeHead, r: Pick<BatchResult, 'mean' | 'variance' | 'pixels'>): void {
  const unbias = r.pixels > 1 ? r.pixels / (r.pixels - 1) : 1
  for (let j = 0; j < head.d; j++) {
    head.runningMean[j] = (1 - BN_MOMENTUM) * head.runningMean[j] + BN_MOMENTUM * r.mean[j]
    head.runningVar[j] = (1 - BN_MOMENTUM) * head.runningVar[j] + BN_MOMENTUM * r.variance[j] * unbias
  }
}

/**
 * Evaluation-mode class of each feature row (batch norm with the running statistics), n×D in,
 * n classes out; the logits product and the argmax on the tensor seam.
 */
export async function predictRows(head: ProbeHead, x: Float32Array, n: number, tensor: TensorBackend): Promise<Int32Array> {
  if (n === 0) return new Int32Array(0)
  const { z } = normalise(head, x, n, head.runningMean, head.runningVar)
  return tensor.argmax(await logits(head, z, n, tensor), n, head.c)
}
