import { fail, mulberry32, type TensorBackend } from '@plaf/core'
import { adamwStep, createAdamW, learningRate } from './adamw.js'
import { batchGradients, initHead, updateRunningStats, type ProbeBatch, type ProbeHead } from './head.js'
import { PROBE_CLASSES, type ImageRows } from './rows.js'

/** One training image's rows with their features gathered (n×D). */
export interface ImageSamples {
  x: Float32Array
  cls: Int32Array
  weight: Float64Array
}

/**
 * The training rows of a whole split, image by image (a batch is a few whole images, as in the
 * per-pixel protocol). `values` counts the float32 feature values held.
 */
export class TrainingSet {
  readonly images: ImageSamples[] = []
  values = 0
  pixels = 0

  constructor(readonly d: number, readonly maxValues: number) {}

  /** Adds one image: its rows and the memory's (rows×D) feature table they index. */
  add(rows: ImageRows, table: Float32Array, d: number, what: string): void {
    if (d !== this.d) fail('PLAF_INPUT_INVALID', `${what}: features have D = ${d}, earlier images D = ${this.d}`, { expected: `D = ${this.d}`, actual: `D = ${d}` })
    const n = rows.row.length
    if (n === 0) return
    if (this.values + n * d > this.maxValues) {
      fail('PLAF_INPUT_INVALID', `${what}: the training rows would exceed ${this.maxValues} feature values (${(this.maxValues * 4 / 2 ** 30).toFixed(1)} GiB) held in memory`, {
        expected: `at most ${this.maxValues} values`, actual: `${this.values + n * d} after ${this.images.length + 1} images`,
        hint: 'train on fewer images (--train-images N) or a smaller image size (--max-side), or raise --max-values',
      })
    }
    const x = new Float32Array(n * d)
    for (let i = 0; i < n; i++) x.set(table.subarray(rows.row[i] * d, rows.row[i] * d + d), i * d)
    this.images.push({ x, cls: rows.cls.slice(), weight: rows.weight.slice() })
    this.values += n * d
    this.pixels += rows.pixels
  }
}

/** Concatenates whole images into one batch. */
export function concatBatch(images: readonly ImageSamples[], d: number): ProbeBatch {
  const n = images.reduce((s, im) => s + im.cls.length, 0)
  const x = new Float32Array(n * d)
  const cls = new Int32Array(n)
  const weight = new Float64Array(n)
  let o = 0
  for (const im of images) {
    x.set(im.x, o * d)
    cls.set(im.cls, o)
    weight.set(im.weight, o)
    o += im.cls.length
  }
  return { x, n, cls, weight }
}

/** How to train. */
export interface TrainOptions {
  epochs: number
  /** Images per step (RADIO: 16 crops per iteration over 8 GPUs). */
  batchImages: number
  lr: number
  weightDecay: number
  seed: number
  /** Called after every step. */
  onStep?(e: { epoch: number; step: number; steps: number; loss: number }): void
}

/** What training gives: the head and the pixel-weighted mean loss of each epoch. */
export interface TrainResult {
  head: ProbeHead
  epochLoss: number[]
  steps: number
}

/**
 * Trains the BN + linear head on a training set with AdamW under RADIO's schedule (warm-up, then
 * linear decay to 0). Each epoch visits the images in a new seeded order; each step is one batch
 * of `batchImages` whole images, normalised with its own pixel-weighted statistics.
 */
export async function trainProbe(set: TrainingSet, tensor: TensorBackend, o: TrainOptions): Promise<TrainResult> {
  const head = initHead(set.d, PROBE_CLASSES, o.seed)
  const opt = createAdamW(head, { weightDecay: o.weightDecay })
  const rng = mulberry32(o.seed ^ 0x9e3779b9)
  const perEpoch = Math.ceil(set.images.length / o.batchImages)
  const total = perEpoch * o.epochs
  const epochLoss: number[] = []
  const order = Array.from(set.images.keys())
  let step = 0
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1))
      ;[order[i], order[j]] = [order[j], order[i]]
    }
    let lossSum = 0
    let pixels = 0
    for (let b = 0; b < perEpoch; b++) {
      const batch = concatBatch(order.slice(b * o.batchImages, (b + 1) * o.batchImages).map((k) => set.images[k]), set.d)
      const r = await batchGradients(head, batch, tensor)
      updateRunningStats(head, r)
      adamwStep(opt, head, r.grads, learningRate(o.lr, step, total))
      lossSum += r.loss * r.pixels
      pixels += r.pixels
      step++
      o.onStep?.({ epoch, step, steps: total, loss: r.loss })
    }
    epochLoss.push(pixels > 0 ? lossSum / pixels : NaN)
  }
  return { head, epochLoss, steps: step }
}
