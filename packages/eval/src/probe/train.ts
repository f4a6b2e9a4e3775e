import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fail, mulberry32, type TensorBackend } from '@plaf/core'
import { adamwStep, createAdamW, learningRate } from './adamw.js'
import { batchGradients, initHead, updateRunningStats, type ProbeBatch, type ProbeHead } from './head.js'
import { PROBE_CLASSES, type ImageRows } from './rows.js'

/** One training image's rows: classes and pixel weights (its features are held by the set). */
export interface ImageSamples {
  n: number
  cls: Int32Array
  weight: Float64Array
  /** n×D features while the set is in memory. */
  x?: Float32Array
  /** Byte offset of the features in the spill file once the set is on disk. */
  offset?: number
}

/**
 * The training rows of a whole split, image by image (a batch is a few whole images, as in the
 * per-pixel protocol). Features stay in memory up to `maxValues` float32 values; past that the
 * set moves them to one file in `spillDir` (default: the system temp dir) and reads each batch's
 * images back from it, so memory stays at one batch whatever the split's size. `dispose` removes
 * the file.
 */
export class TrainingSet {
  readonly images: ImageSamples[] = []
  /** Float32 feature values held (in memory or on disk). */
  values = 0
  pixels = 0
  private fd: number | null = null
  private file: string | null = null
  private bytes = 0

  constructor(readonly d: number, readonly maxValues: number, readonly spillDir: string = tmpdir()) {}

  /** Where the features are: `memory`, or the spill file's path. */
  get stored(): string {
    return this.file ?? 'memory'
  }

  /** Adds one image: its rows and the memory's (rows×D) feature table they index. */
  add(rows: ImageRows, table: Float32Array, d: number, what: string): void {
    if (d !== this.d) fail('PLAF_INPUT_INVALID', `${what}: features have D = ${d}, earlier images D = ${this.d}`, { expected: `D = ${this.d}`, actual: `D = ${d}` })
    const n = rows.row.length
    if (n === 0) return
    const x = new Float32Array(n * d)
    for (let i = 0; i < n; i++) x.set(table.subarray(rows.row[i] * d, rows.row[i] * d + d), i * d)
    const image: ImageSamples = { n, cls: rows.cls.slice(), weight: rows.weight.slice() }
    this.images.push(image)
    this.values += n * d
    this.pixels += rows.pixels
    if (this.fd === null && this.values > this.maxValues) this.spill()
    if (this.fd === null) image.x = x
    else image.offset = this.append(x)
  }

  /** The n×D features of image k. */
  features(k: number): Float32Array {
    const im = this.images[k]
    if (im.x) return im.x
    const x = new Float32Array(im.n * this.d)
    readSync(this.fd!, new Uint8Array(x.buffer), 0, x.byteLength, im.offset!)
    return x
  }

  /** Removes the spill file, if any. */
  dispose(): void {
    if (this.fd !== null) closeSync(this.fd)
    if (this.file) rmSync(dirname(this.file), { recursive: true, force: true })
    this.fd = null
  }

  private spill(): void {
    const dir = mkdtempSync(join(this.spillDir, 'plaf-probe-rows-'))
    this.file = join(dir, 'rows.f32')
    this.fd = openSync(this.file, 'w+')
    for (const im of this.images) {
      if (!im.x) continue
      im.offset = this.append(im.x)
      im.x = undefined
    }
  }

  private append(x: Float32Array): number {
    const at = this.bytes
    writeSync(this.fd!, new Uint8Array(x.buffer, x.byteOffset, x.byteLength), 0, x.byteLength, at)
    this.bytes += x.byteLength
    return at
  }
}

/** Concatenates whole images of a set into one batch. */
export function concatBatch(set: TrainingSet, images: readonly number[]): ProbeBatch {
  const d = set.d
  const n = images.reduce((s, k) => s + set.images[k].n, 0)
  const x = new Float32Array(n * d)
  const cls = new Int32Array(n)
  const weight = new Float64Array(n)
  let o = 0
  for (const k of images) {
    const im = set.images[k]
    x.set(set.features(k), o * d)
    cls.set(im.cls, o)
    weight.set(im.weight, o)
    o += im.n
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
      const batch = concatBatch(set, order.slice(b * o.batchImages, (b + 1) * o.batchImages))
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
