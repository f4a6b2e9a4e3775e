import { performance } from 'node:perf_hooks'
import { PlafError, fail, type Frame, type RecordingModelAccess } from '@plaf/core'
import { ADE20K_CLASSES, ade20kFrame, openAde20kSplit, resizeColor, type Ade20kSample, type Ade20kSplitSource } from '@plaf/datasets'
import { accumulateConfusion, emptyConfusion, type ConfusionMatrix } from '../metrics/confusion.js'
import { segmentationScores } from '../metrics/scores.js'
import { ADAMW_DEFAULTS } from './adamw.js'
import { openProbeExtractor, type ProbeVariant, type VariantStages } from './features.js'
import { predictRows, BN_EPS, BN_MOMENTUM } from './head.js'
import { checkSameSize, imageRows, PROBE_CLASSES } from './rows.js'
import { trainProbe, TrainingSet, type TrainResult } from './train.js'

/** How to run the probe. */
export interface Ade20kProbeOptions {
  /** The ADEChallengeData2016 folder (images/ and annotations/, training and validation). */
  data: string
  epochs: number
  /** Images per optimiser step. */
  batchImages: number
  lr: number
  weightDecay: number
  seed: number
  /** First n images of each split in file-name order (null = all). */
  trainImages: number | null
  valImages: number | null
  /** Images (and annotations, nearest) are scaled down so the longer side is at most this (null = as stored). */
  maxSide: number | null
  /** Float32 feature values a variant's training rows keep in memory; past that they move to a file in `spillDir`. */
  maxValues: number
  /** Folder for that file (default: the system temp dir). */
  spillDir?: string
  onProgress?(e: ProbeProgress): void
  /** Stops the probe between images and between steps (PLAF_INTERRUPTED); the spill file is removed. */
  signal?: AbortSignal
  /** Model store (default: PLAF_HOME, pulling from the pipeline's hub). */
  models?: RecordingModelAccess
}

/** Defaults: RADIO's optimiser (AdamW, lr 1e-3, no weight decay), 16 images a step. */
export const PROBE_DEFAULTS = { epochs: 20, batchImages: 16, lr: 1e-3, weightDecay: 0, seed: 0, trainImages: null, valImages: null, maxSide: null, maxValues: 2 ** 28 } as const

/** Progress: feature extraction over a split, or training steps of a variant. */
export type ProbeProgress =
  | { phase: 'features'; split: 'training' | 'validation'; done: number; total: number }
  | { phase: 'train'; variant: string; step: number; steps: number; epoch: number; loss: number }

/** One class's scores (percent, 2 decimals as mmseg prints them; null when absent from the ground truth). */
export interface ProbeClassScore {
  /** Annotation value (1…150). */
  id: number
  name: string
  iou: number | null
  acc: number | null
  /** Validation pixels of the class. */
  support: number
}

/** One variant's result. */
export interface ProbeVariantResult {
  variant: string
  stages: VariantStages['stages']
  /** Percent over the classes present in the validation ground truth. */
  miou: number | null
  macc: number | null
  /** Overall pixel accuracy, percent. */
  aacc: number | null
  classes: ProbeClassScore[]
  /** Annotation values of classes absent from the validation ground truth (left out of the means). */
  absent: number[]
  train: { images: number; rows: number; pixels: number; steps: number; epoch_loss: number[]; seconds: number; stored: 'memory' | 'disk' }
  val: { images: number; pixels: number; ignored: number; seconds: number }
}

/** The probe's result: the protocol written out and one result per variant. */
export interface Ade20kProbeResult {
  protocol: Record<string, unknown>
  tensor_backend: string
  variants: ProbeVariantResult[]
  /** Seconds spent running the pipelines' stages on both splits (shared by every variant). */
  feature_seconds: number
}

const pct = (v: number | null): number | null => (v === null ? null : Math.round(v * 10000) / 100)

/** A sample as the frame the pipeline sees, and its annotation, both scaled to `maxSide` (nearest for labels). */
async function prepared(s: Ade20kSample, maxSide: number | null): Promise<{ frame: Frame; labels: Uint8Array; shape: [number, number] }> {
  const [h, w] = s.labels.shape
  const scale = maxSide !== null ? Math.min(1, maxSide / Math.max(h, w)) : 1
  if (scale === 1) return { frame: ade20kFrame(s), labels: s.labels.data, shape: [h, w] }
  const nw = Math.max(1, Math.round(w * scale)), nh = Math.max(1, Math.round(h * scale))
  const rgb = await resizeColor({ data: s.image.data, width: w, height: h }, nw, nh)
  const labels = new Uint8Array(nw * nh)
  // nearest with pixel centres: source index floor((i + 0.5) · old / new)
  for (let y = 0; y < nh; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / nh))
    for (let x = 0; x < nw; x++) labels[y * nw + x] = s.labels.data[sy * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / nw))]
  }
  const small: Ade20kSample = { ...s, image: { data: rgb.data, shape: [nh, nw, 3] }, labels: { data: labels, shape: [nh, nw] } }
  return { frame: ade20kFrame(small), labels, shape: [nh, nw] }
}

/**
 * The ADE20K linear probe (paper Table I). Frozen features: each variant's pipeline runs its
 * aggregator (and the stages it needs: backbone, masker) on every image, and every labelled pixel
 * takes the feature of its memory row. A BN + linear head is trained per variant on one row per
 * (memory row, class) weighted by its pixels (exactly per-pixel training, see rows.ts), then
 * scored on the validation split: one 150-class confusion matrix over all validation pixels
 * (dataset-level intersection and union), annotation 0 ignored.
 */
export async function runAde20kProbe(variants: readonly ProbeVariant[], options: Ade20kProbeOptions): Promise<Ade20kProbeResult> {
  // every progress event is a point where an interrupt stops the probe
  const o: Ade20kProbeOptions = {
    ...options,
    onProgress(e) {
      if (options.signal?.aborted) fail('PLAF_INTERRUPTED', 'interrupted: the probe stopped and wrote nothing; its temporary files are removed')
      options.onProgress?.(e)
    },
  }
  const train = openAde20kSplit(o.data, 'training', o.trainImages)
  const val = openAde20kSplit(o.data, 'validation', o.valImages)
  const extractor = await openProbeExtractor(variants, o.models)
  const sets: TrainingSet[] = []
  try {
    const t0 = performance.now()
    await eachImage(train, o, async (frame, labels, shape, file) => {
      const memories = await extractor.extract(frame)
      memories.forEach((m, v) => {
        const d = m.features.shape[1]
        sets[v] ??= new TrainingSet(d, o.maxValues, o.spillDir)
        sets[v].add(imageRows(m.ids.data, m.ids.shape, labels, shape, file), m.features.data, d, `${variants[v].name}: ${file}`)
      })
    })
    const trainFeatureSeconds = (performance.now() - t0) / 1000
    if (!sets.length || sets.every((s) => s.pixels === 0)) {
      fail('PLAF_INPUT_INVALID', `${train.root}: the ${train.images.length} training annotations hold no labelled pixel (all 0 = other)`, { file: train.root, expected: 'labels 1…150', actual: 'only 0' })
    }
    const heads: TrainResult[] = []
    const trainSeconds: number[] = []
    for (let v = 0; v < variants.length; v++) {
      const t = performance.now()
      heads.push(await trainProbe(sets[v], extractor.backend, {
        epochs: o.epochs, batchImages: o.batchImages, lr: o.lr, weightDecay: o.weightDecay, seed: o.seed,
        onStep: (e) => o.onProgress?.({ phase: 'train', variant: variants[v].name, ...e }),
      }))
      trainSeconds.push((performance.now() - t) / 1000)
    }
    const cms: ConfusionMatrix[] = variants.map(() => emptyConfusion(PROBE_CLASSES))
    const evalSeconds = variants.map(() => 0)
    const t1 = performance.now()
    await eachImage(val, o, async (frame, labels, shape, file) => {
      const memories = await extractor.extract(frame)
      const gt = new Int32Array(labels.length)
      for (let p = 0; p < gt.length; p++) gt[p] = labels[p] - 1
      for (let v = 0; v < memories.length; v++) {
        const t = performance.now()
        const m = memories[v]
        checkSameSize(m.ids.shape, shape, file)
        const rowClass = await predictRows(heads[v].head, m.features.data, m.features.shape[0], extractor.backend)
        const pred = new Int32Array(labels.length)
        for (let p = 0; p < pred.length; p++) pred[p] = rowClass[m.ids.data[p]]
        accumulateConfusion(cms[v], gt, pred)
        evalSeconds[v] += (performance.now() - t) / 1000
      }
    })
    const valFeatureSeconds = (performance.now() - t1) / 1000 - evalSeconds.reduce((a, b) => a + b, 0)
    return {
      protocol: protocol(o, train, val, extractor.variants),
      tensor_backend: `${extractor.backend.name} (${extractor.backend.device})`,
      feature_seconds: round2(trainFeatureSeconds + valFeatureSeconds),
      variants: variants.map((v, k) => {
        const s = segmentationScores(cms[k])
        return {
          variant: v.name, stages: extractor.variants[k].stages,
          miou: pct(s.miou), macc: pct(s.macc), aacc: pct(s.oacc),
          classes: s.classes.map((c) => ({ id: c.index + 1, name: ADE20K_CLASSES[c.index], iou: pct(c.iou), acc: pct(c.acc), support: c.support })),
          absent: s.absent.map((c) => c + 1),
          train: {
            images: sets[k].images.length, rows: sets[k].images.reduce((n, im) => n + im.n, 0), pixels: sets[k].pixels,
            steps: heads[k].steps, epoch_loss: heads[k].epochLoss.map((l) => Math.round(l * 1e4) / 1e4), seconds: round2(trainSeconds[k]),
            stored: sets[k].stored === 'memory' ? 'memory' : 'disk',
          },
          val: { images: val.images.length, pixels: s.samples, ignored: s.ignored, seconds: round2(evalSeconds[k]) },
        }
      }),
    }
  } finally {
    for (const set of sets) set?.dispose()
    await extractor.dispose()
  }
}

const round2 = (v: number): number => Math.round(v * 100) / 100

/** Decodes a split image by image (one ahead), scaled, with progress. */
async function eachImage(split: Ade20kSplitSource, o: Ade20kProbeOptions, fn: (frame: Frame, labels: Uint8Array, shape: [number, number], file: string) => Promise<void>): Promise<void> {
  let done = 0
  const total = split.images.length
  o.onProgress?.({ phase: 'features', split: split.split, done, total })
  for await (const s of split.samples()) {
    const { frame, labels, shape } = await prepared(s, o.maxSide)
    try {
      await fn(frame, labels, shape, split.annotations[done])
    } catch (e) {
      throw namedImage(e, split.images[done])
    }
    o.onProgress?.({ phase: 'features', split: split.split, done: ++done, total })
  }
}

/** A stage's error on an image, with the image file named (where the diagnostic names no file). */
function namedImage(e: unknown, file: string): unknown {
  if (!(e instanceof PlafError)) return e
  return new PlafError(e.diagnostics.map((d) => (d.file ? d : { ...d, file, message: `${file}: ${d.message}` })), { cause: e })
}

/** The protocol block: everything that decides the number, written out. */
function protocol(o: Ade20kProbeOptions, train: Ade20kSplitSource, val: Ade20kSplitSource, variants: VariantStages[]): Record<string, unknown> {
  const backbone = variants[0]?.stages.find((s) => s.kind === 'backbone')
  return {
    dataset: `ADEChallengeData2016 (SceneParse150) in ${o.data}`,
    train_images: `${train.images.length} of ${train.found} (training, file-name order)`,
    val_images: `${val.images.length} of ${val.found} (validation, file-name order)`,
    classes: `${PROBE_CLASSES} (annotation 1…150; 0 = other, ignored in training and scoring)`,
    input: o.maxSide === null
      ? 'whole images as stored, no crops or augmentation; the backbone resizes them to its own resolution (RADIO: random 512×512 crops of images resized to short side 512, flips, photometric distortion)'
      : `whole images scaled so the longer side is ≤ ${o.maxSide} px (annotations nearest), no crops or augmentation; the backbone resizes to its own resolution`,
    resolution: backbone ? `the pipeline's: ${backbone.key} (${backbone.use}) ${JSON.stringify(backbone.options)}` : 'the pipeline\'s',
    features: 'frozen: each labelled pixel takes its memory row (the aggregator\'s id map), pixels in no mask take row 0 (trained and scored like every pixel)',
    head: `BatchNorm over D (eps ${BN_EPS}, momentum ${BN_MOMENTUM}, batch statistics pixel-weighted; running statistics at evaluation) + linear D→${PROBE_CLASSES} (init N(0, 0.01²), bias 0), as mmseg BNHead`,
    training: `one row per (memory row, class) weighted by its pixels = per-pixel cross-entropy (mean over a batch's pixels); ${o.epochs} epochs, ${o.batchImages} images a step, images shuffled each epoch (seed ${o.seed})`,
    optimizer: `AdamW lr ${o.lr}, betas (${ADAMW_DEFAULTS.beta1}, ${ADAMW_DEFAULTS.beta2}), eps ${ADAMW_DEFAULTS.eps}, weight decay ${o.weightDecay}; linear warm-up from 1e-6·lr over 1500/80000 of the steps, then linear decay to 0 (RADIO: 80k iterations of 16 crops)`,
    metric: 'one 150×150 confusion matrix over all validation pixels (dataset-level intersection/union, as mmseg IoUMetric); mIoU and mAcc over classes present in the validation ground truth (a class absent from it is left out even if predicted; on the full validation split every class is present), aAcc over all labelled pixels; percent',
    evaluation: 'single scale at the annotation resolution, each pixel the class of its memory row',
  }
}
