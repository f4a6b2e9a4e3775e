import { createReferenceBackend, mulberry32 } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import {
  adamwStep, batchGradients, cloneHead, createAdamW, imageRows, initHead, learningRate, predictRows, updateRunningStats,
  type ProbeBatch, type ProbeHead,
} from '../../src/probe/index.js'

const tensor = createReferenceBackend()

/**
 * A naive per-pixel BN + linear + softmax cross-entropy, all float64 and written out loop by loop:
 * the per-pixel training that mask-level training must reproduce. `xs[p]` is pixel p's feature.
 */
function naiveLoss(head: NaiveHead, xs: number[][], cls: number[]): { loss: number; mean: number[]; variance: number[]; grads: NaiveHead } {
  const n = xs.length, d = head.gamma.length, c = head.bias.length
  const mean = Array.from({ length: d }, (_, j) => xs.reduce((s, x) => s + x[j], 0) / n)
  const variance = Array.from({ length: d }, (_, j) => xs.reduce((s, x) => s + (x[j] - mean[j]) ** 2, 0) / n)
  const grads: NaiveHead = { gamma: Array(d).fill(0), beta: Array(d).fill(0), weight: Array.from({ length: c }, () => Array(d).fill(0)), bias: Array(c).fill(0) }
  let loss = 0
  for (let p = 0; p < n; p++) {
    const xhat = xs[p].map((v, j) => (v - mean[j]) / Math.sqrt(variance[j] + 1e-5))
    const z = xhat.map((v, j) => head.gamma[j] * v + head.beta[j])
    const logits = head.weight.map((row, k) => row.reduce((s, wv, j) => s + wv * z[j], head.bias[k]))
    const max = Math.max(...logits)
    const lse = max + Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0))
    loss += (lse - logits[cls[p]]) / n
    const dl = logits.map((l, k) => (Math.exp(l - lse) - (k === cls[p] ? 1 : 0)) / n)
    for (let k = 0; k < c; k++) {
      grads.bias[k] += dl[k]
      for (let j = 0; j < d; j++) grads.weight[k][j] += dl[k] * z[j]
    }
    for (let j = 0; j < d; j++) {
      const dz = dl.reduce((s, g, k) => s + g * head.weight[k][j], 0)
      grads.gamma[j] += dz * xhat[j]
      grads.beta[j] += dz
    }
  }
  return { loss, mean, variance, grads }
}

interface NaiveHead { gamma: number[]; beta: number[]; weight: number[][]; bias: number[] }

const naiveOf = (h: ProbeHead): NaiveHead => ({
  gamma: [...h.gamma], beta: [...h.beta], bias: [...h.bias],
  weight: Array.from({ length: h.c }, (_, k) => [...h.weight.subarray(k * h.d, (k + 1) * h.d)]),
})

/** torch.optim.AdamW on nested arrays (float64), weight decay 0. */
function naiveAdamW(p: NaiveHead, g: NaiveHead, state: { t: number; m: NaiveHead; v: NaiveHead }, lr: number): void {
  state.t++
  const step = (pv: number[], gv: number[], mv: number[], vv: number[]): void => {
    for (let i = 0; i < pv.length; i++) {
      mv[i] = 0.9 * mv[i] + 0.1 * gv[i]
      vv[i] = 0.999 * vv[i] + 0.001 * gv[i] ** 2
      pv[i] -= (lr * mv[i] / (1 - 0.9 ** state.t)) / (Math.sqrt(vv[i] / (1 - 0.999 ** state.t)) + 1e-8)
    }
  }
  step(p.gamma, g.gamma, state.m.gamma, state.v.gamma)
  step(p.beta, g.beta, state.m.beta, state.v.beta)
  step(p.bias, g.bias, state.m.bias, state.v.bias)
  p.weight.forEach((row, k) => step(row, g.weight[k], state.m.weight[k], state.v.weight[k]))
}

const zerosLike = (h: NaiveHead): NaiveHead => ({ gamma: h.gamma.map(() => 0), beta: h.beta.map(() => 0), bias: h.bias.map(() => 0), weight: h.weight.map((r) => r.map(() => 0)) })

/**
 * Two images with a memory each: an id map of K rows painted in blocks (some pixels in no mask,
 * id 0), features per row, and annotations that split masks between classes and leave some 0.
 */
function scene(seed: number, d: number, classes: number) {
  const rng = mulberry32(seed)
  return [0, 1].map(() => {
    const h = 14, w = 18, k = 6
    const ids = new Uint16Array(h * w)
    const labels = new Uint8Array(h * w)
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        ids[y * w + x] = (Math.floor(x / 5) + 3 * Math.floor(y / 6)) % (k + 1)
        labels[y * w + x] = rng() < 0.1 ? 0 : 1 + ((Math.floor(x / 4) + Math.floor(y / 5) + (rng() < 0.2 ? 1 : 0)) % classes)
      }
    }
    const table = new Float32Array((k + 1) * d)
    for (let i = d; i < table.length; i++) table[i] = rng() * 2 - 1 + (i % d === 0 ? 3 : 0)
    return { ids, labels, table, shape: [h, w] as [number, number] }
  })
}

/** Mask-level batch (one row per (id, class), weighted) and the per-pixel batch of the same images. */
function batches(images: ReturnType<typeof scene>, d: number): { rows: ProbeBatch; pixels: ProbeBatch; pixelFeatures: number[][]; pixelClasses: number[] } {
  const rx: number[] = [], rc: number[] = [], rw: number[] = [], px: number[][] = [], pc: number[] = []
  for (const im of images) {
    const r = imageRows(im.ids, im.shape, im.labels, im.shape)
    for (let i = 0; i < r.row.length; i++) {
      rx.push(...im.table.subarray(r.row[i] * d, r.row[i] * d + d))
      rc.push(r.cls[i])
      rw.push(r.weight[i])
    }
    for (let p = 0; p < im.ids.length; p++) {
      if (im.labels[p] === 0) continue
      px.push([...im.table.subarray(im.ids[p] * d, im.ids[p] * d + d)])
      pc.push(im.labels[p] - 1)
    }
  }
  return {
    rows: { x: Float32Array.from(rx), n: rc.length, cls: Int32Array.from(rc), weight: Float64Array.from(rw) },
    pixels: { x: Float32Array.from(px.flat()), n: pc.length, cls: Int32Array.from(pc), weight: new Float64Array(pc.length).fill(1) },
    pixelFeatures: px, pixelClasses: pc,
  }
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])))
  expect(worst).toBeLessThan(tol)
}

describe('mask-level training is per-pixel training', () => {
  const d = 5, classes = 7
  const images = scene(3, d, classes)
  const { rows, pixels, pixelFeatures, pixelClasses } = batches(images, d)

  it('uses far fewer rows than pixels', () => {
    expect(rows.n).toBeLessThan(pixels.n / 5)
    expect(rows.weight.reduce((a, b) => a + b, 0)).toBe(pixels.n)
  })

  it('the head\'s gradients equal the naive per-pixel gradients, which equal finite differences of the naive loss', async () => {
    const head = initHead(d, classes, 11)
    head.gamma.forEach((_, j) => (head.gamma[j] = 1 + 0.1 * j))
    const naive = naiveLoss(naiveOf(head), pixelFeatures, pixelClasses)
    const r = await batchGradients(head, rows, tensor)
    expect(r.loss).toBeCloseTo(naive.loss, 6)
    expectClose(r.mean, naive.mean, 1e-9)
    expectClose(r.variance, naive.variance, 1e-9)
    expectClose(r.grads.gamma, naive.grads.gamma, 1e-6)
    expectClose(r.grads.beta, naive.grads.beta, 1e-6)
    expectClose(r.grads.bias, naive.grads.bias, 1e-6)
    expectClose(r.grads.weight, naive.grads.weight.flat(), 1e-6)
    // the naive gradient itself, against central differences of the naive loss
    const h = 1e-5
    const base = naiveOf(head)
    const probe = (edit: (p: NaiveHead, s: number) => void): number => {
      const up = structuredClone(base), down = structuredClone(base)
      edit(up, h)
      edit(down, -h)
      return (naiveLoss(up, pixelFeatures, pixelClasses).loss - naiveLoss(down, pixelFeatures, pixelClasses).loss) / (2 * h)
    }
    expect(probe((p, s) => (p.gamma[2] += s))).toBeCloseTo(naive.grads.gamma[2], 6)
    expect(probe((p, s) => (p.beta[4] += s))).toBeCloseTo(naive.grads.beta[4], 6)
    expect(probe((p, s) => (p.weight[3][1] += s))).toBeCloseTo(naive.grads.weight[3][1], 6)
    expect(probe((p, s) => (p.bias[6] += s))).toBeCloseTo(naive.grads.bias[6], 6)
  })

  it('same init, same full-batch AdamW steps: mask rows, per-pixel rows and the naive per-pixel trainer end with the same weights and losses', async () => {
    const init = initHead(d, classes, 5)
    const byRows = cloneHead(init), byPixels = cloneHead(init)
    const optRows = createAdamW(byRows), optPixels = createAdamW(byPixels)
    const naive = naiveOf(init)
    const state = { t: 0, m: zerosLike(naive), v: zerosLike(naive) }
    const losses: number[][] = [[], [], []]
    for (let step = 0; step < 8; step++) {
      const lr = 0.05
      const a = await batchGradients(byRows, rows, tensor)
      const b = await batchGradients(byPixels, pixels, tensor)
      const n = naiveLoss(naive, pixelFeatures, pixelClasses)
      losses[0].push(a.loss)
      losses[1].push(b.loss)
      losses[2].push(n.loss)
      updateRunningStats(byRows, a)
      updateRunningStats(byPixels, b)
      adamwStep(optRows, byRows, a.grads, lr)
      adamwStep(optPixels, byPixels, b.grads, lr)
      naiveAdamW(naive, n.grads, state, lr)
    }
    // it learns (the features are random, so not far): the comparison is not between frozen heads
    expect(losses[0][7]).toBeLessThan(losses[0][0] - 0.1)
    expect(Math.max(...byRows.weight.map((v, i) => Math.abs(v - init.weight[i])))).toBeGreaterThan(0.1)
    expectClose(losses[0], losses[1], 1e-5)
    expectClose(losses[0], losses[2], 1e-5)
    for (const [x, y] of [[byRows, byPixels], [byRows, naive]] as const) {
      const other = 'runningMean' in y ? naiveOf(y) : y
      expectClose(x.weight, other.weight.flat(), 1e-4)
      expectClose(x.bias, other.bias, 1e-4)
      expectClose(x.gamma, other.gamma, 1e-4)
      expectClose(x.beta, other.beta, 1e-4)
    }
    expectClose(byRows.runningMean, byPixels.runningMean, 1e-9)
    expectClose(byRows.runningVar, byPixels.runningVar, 1e-9)
    // and so they predict the same class for every memory row
    for (const im of images) {
      expect(await predictRows(byRows, im.table, 7, tensor)).toEqual(await predictRows(byPixels, im.table, 7, tensor))
    }
  })
})

describe('imageRows', () => {
  it('counts every (id, class) pair of labelled pixels, as a naive count does', () => {
    const rng = mulberry32(9)
    const h = 23, w = 31
    const ids = Uint16Array.from({ length: h * w }, () => Math.floor(rng() * 40) * 1000)
    const labels = Uint8Array.from({ length: h * w }, () => Math.floor(rng() * 151))
    const naive = new Map<string, number>()
    for (let p = 0; p < ids.length; p++) if (labels[p]) naive.set(`${ids[p]}:${labels[p] - 1}`, (naive.get(`${ids[p]}:${labels[p] - 1}`) ?? 0) + 1)
    const r = imageRows(ids, [h, w], labels, [h, w])
    const got = new Map<string, number>()
    for (let i = 0; i < r.row.length; i++) got.set(`${r.row[i]}:${r.cls[i]}`, r.weight[i])
    expect(got).toEqual(naive)
    expect(r.pixels).toBe(labels.filter((v) => v !== 0).length)
  })

  it('refuses an annotation whose size differs from the id map, naming the file', () => {
    expect(() => imageRows(new Uint16Array(6), [2, 3], new Uint8Array(6), [3, 2], '/data/annotations/validation/ADE_val_00000007.png')).toThrow(
      /ADE_val_00000007\.png: the annotation is 2×3 but the aggregator's id map is 3×2/,
    )
  })
})

describe('learningRate', () => {
  it('warms up linearly from 1e-6·lr over 1500/80000 of the steps, then decays linearly to 0', () => {
    expect(learningRate(1e-3, 0, 80000)).toBeCloseTo(1e-9, 15)
    expect(learningRate(1e-3, 750, 80000)).toBeCloseTo(0.5e-3, 6)
    expect(learningRate(1e-3, 1500, 80000)).toBeCloseTo(1e-3, 12)
    expect(learningRate(1e-3, 1500 + 78500 / 2, 80000)).toBeCloseTo(0.5e-3, 12)
    expect(learningRate(1e-3, 80000, 80000)).toBe(0)
  })
})
