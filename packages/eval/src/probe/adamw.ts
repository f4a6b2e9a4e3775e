import type { HeadGradients, ProbeHead } from './head.js'

/** AdamW settings (RADIO's ADE20K probe: lr 1e-3, betas 0.9 / 0.999, weight decay 0). */
export interface AdamWOptions {
  beta1: number
  beta2: number
  eps: number
  weightDecay: number
}

/** PyTorch's AdamW defaults with RADIO's weight decay (0). */
export const ADAMW_DEFAULTS: Readonly<AdamWOptions> = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }

type Param = 'gamma' | 'beta' | 'weight' | 'bias'
const PARAMS: readonly Param[] = ['gamma', 'beta', 'weight', 'bias']

/** AdamW state of a head: first and second moments per parameter (float64) and the step count. */
export interface AdamW {
  step: number
  m: Record<Param, Float64Array>
  v: Record<Param, Float64Array>
  options: AdamWOptions
}

/** Zero moments for every parameter of `head`. */
export function createAdamW(head: ProbeHead, options: Partial<AdamWOptions> = {}): AdamW {
  const zeros = (): Record<Param, Float64Array> => ({
    gamma: new Float64Array(head.d), beta: new Float64Array(head.d), weight: new Float64Array(head.c * head.d), bias: new Float64Array(head.c),
  })
  return { step: 0, m: zeros(), v: zeros(), options: { ...ADAMW_DEFAULTS, ...options } }
}

/**
 * One AdamW step at learning rate `lr` on every parameter (PyTorch `torch.optim.AdamW`, decoupled
 * weight decay applied to all parameters as mmseg does by default): p ← p·(1 − lr·λ), then
 * p ← p − lr · m̂ / (√v̂ + ε) with bias-corrected moments.
 */
export function adamwStep(opt: AdamW, head: ProbeHead, grads: HeadGradients, lr: number): void {
  opt.step++
  const { beta1, beta2, eps, weightDecay } = opt.options
  const c1 = 1 - beta1 ** opt.step
  const c2 = 1 - beta2 ** opt.step
  const decay = 1 - lr * weightDecay
  for (const name of PARAMS) {
    const p = head[name]
    const g = grads[name]
    const m = opt.m[name]
    const v = opt.v[name]
    for (let i = 0; i < p.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i]
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
      p[i] = p[i] * decay - (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps)
    }
  }
}

/**
 * mmseg's schedule of RADIO's probe, scaled to `total` steps: LinearLR warm-up from 1e-6 × lr over
 * the first 1500/80000 of the steps (at least one), then PolyLR power 1 down to 0 at the end.
 */
export function learningRate(base: number, step: number, total: number): number {
  const warm = Math.max(1, Math.round((total * 1500) / 80000))
  if (step < warm) return base * (1e-6 + (1 - 1e-6) * (step / warm))
  return base * Math.max(0, 1 - (step - warm) / Math.max(1, total - warm))
}
