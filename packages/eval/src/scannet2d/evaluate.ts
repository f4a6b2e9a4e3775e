import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { decodePng, fail, type Diagnostic, type Registry } from '@plaf/core'
import { decodeLabelPng, findLabelDir, findLabelsTsv, readLabelTable } from '@plaf/datasets'
import { classLookup, classSet, BACKGROUND_CLASSES, type ClassSet } from '../classes.js'
import { resampleLabels } from '../kernels/label-grid.js'
import { poolArgmax } from '../kernels/pool-argmax.js'
import { accumulateConfusion, emptyConfusion, sumConfusion, type ConfusionMatrix } from '../metrics/confusion.js'
import { segmentationScores } from '../metrics/scores.js'
import { classPrompts } from '../prompts.js'
import { BACKGROUND_MODES, type ProtocolBlock, type ScannetEval } from '../scannet/evaluate.js'
import { openEvalRun } from '../scannet/run-map.js'
import { checkSceneDir } from '../scannet/vertex-gt.js'
import { writeEvalReport } from '../report/write.js'

/** Options of {@link evaluateScannet2d}. */
export interface Scannet2dEvalOptions {
  scene: string
  /** A finished run (its stored 2D memories) or a folder of `<frame index>.png` label images (ids of the set's id column, 0 = none). */
  source: { kind: 'run' | 'predictions'; path: string }
  classes: string
  background: string
  templates: string[]
  prompts?: string
  /** Evaluate at most this many frames, evenly spaced over those available; default all. */
  maxFrames?: number
  /**
   * Score a run holding only part of its input (a `plaf run --shard i/n` partial: its frames'
   * 2D memories are the whole run's for those frames, and `plaf merge` leaves them in the shard
   * directories): with a warning that only its frames are scored. Without it such a run is refused.
   */
  allowPartial?: boolean
  registry?: Registry
  log?: (line: string) => void
}

/** `count` items evenly spaced over `list` (all of it when count ≥ its length). */
export function evenlySpaced<T>(list: readonly T[], count: number | undefined): T[] {
  if (count === undefined || count >= list.length) return [...list]
  if (count <= 1) return list.slice(0, Math.max(0, count))
  return Array.from({ length: count }, (_, i) => list[Math.round((i * (list.length - 1)) / (count - 1))])
}

/** Raw ScanNet id (label-filt value) → class index of the set, through the labels TSV. */
function rawLookup(dir: string, set: ClassSet): Int32Array {
  const tsv = findLabelsTsv(dir)
  if (!tsv) fail('PLAF_INPUT_INVALID', `${dir} has no scannetv2-labels.combined.tsv (in it or the two folders above): label-filt holds raw ids that it maps to ${set.idColumn}`, { file: dir })
  const byId = classLookup(set)
  const table = new Int32Array(65536).fill(-1)
  for (const row of readLabelTable(tsv).rows) {
    const id = set.idColumn === 'id' ? row.id : row.nyu40id
    if (row.id >= 0 && row.id < 65536 && id >= 0 && id < byId.length) table[row.id] = byId[id]
  }
  return table
}

/**
 * Open-vocabulary 2D segmentation of sampled frames against `label-filt`: each stored frame's
 * masks are labelled with the class whose prompt embedding has the highest cosine with the mask
 * feature (pixels without a mask: no prediction, a miss), or prediction PNGs are read; the
 * ground truth (raw ids mapped through the labels TSV) is resampled nearest by pixel centres to
 * the prediction grid, and one confusion matrix is accumulated over all frames.
 */
export async function evaluateScannet2d(o: Scannet2dEvalOptions): Promise<ScannetEval> {
  if (!BACKGROUND_MODES.includes(o.background as 'include')) {
    fail('PLAF_INVALID_OPTION', `unknown background mode "${o.background}"`, { source: `--background ${o.background}`, path: 'background', expected: `one of ${BACKGROUND_MODES.join(', ')}`, actual: o.background })
  }
  const dir = resolve(o.scene)
  const warnings: Diagnostic[] = []
  checkSceneDir(dir)
  const set = classSet(o.classes, o.background as 'include' | 'exclude')
  const full = classSet(o.classes, 'include')
  const k = set.ids.length
  const labelDir = findLabelDir(dir)
  if (!labelDir) fail('PLAF_INPUT_INVALID', `${dir} has no label-filt/ folder (nor an unzipped <scene>_2d-label-filt/label-filt)`, { file: join(dir, 'label-filt'), source: `--scene ${o.scene}` })
  const gtLookup = rawLookup(dir, set)
  const cm = emptyConfusion(k)
  const frames: string[] = []
  let prediction: string
  let runManifest
  let runReport
  const addFrame = async (index: number, frameName: string, pred: Int32Array, h: number, w: number) => {
    const file = join(labelDir!, `${index}.png`)
    if (!existsSync(file)) fail('PLAF_INPUT_INVALID', `frame ${frameName}: ${file} is missing: the frame has no ground truth`, { file, frame: frameName })
    const gt = await decodeLabelPng(file, frameName)
    accumulateConfusion(cm, resampleLabels(gt.data, gt.height, gt.width, h, w, gtLookup), pred)
    frames.push(frameName)
  }
  if (o.source.kind === 'predictions') {
    const pdir = resolve(o.source.path)
    if (!existsSync(pdir)) fail('PLAF_FILE_NOT_FOUND', `prediction folder ${o.source.path} does not exist`, { file: pdir, source: `--predictions ${o.source.path}`, path: 'predictions' })
    const indices = readdirSync(pdir).map((n) => /^(\d+)\.png$/.exec(n)?.[1]).filter((x): x is string => x !== undefined).map(Number).sort((a, b) => a - b)
    if (!indices.length) fail('PLAF_INPUT_INVALID', `${o.source.path} holds no <frame index>.png prediction images`, { file: pdir, source: `--predictions ${o.source.path}` })
    const lookup = classLookup(set)
    for (const i of evenlySpaced(indices, o.maxFrames)) {
      o.log?.(`frame ${i}`)
      const file = join(pdir, `${i}.png`)
      const png = decodePng(readFileSync(file), file)
      if (png.channels !== 1) fail('PLAF_INPUT_INVALID', `${file}: ${png.channels} channels; prediction images hold one id per pixel`, { file, expected: 'a single-channel 8- or 16-bit PNG', actual: `${png.channels} channels` })
      const pred = new Int32Array(png.width * png.height)
      for (let p = 0; p < pred.length; p++) pred[p] = png.data[p] < lookup.length ? lookup[png.data[p]] : -1
      await addFrame(i, String(i), pred, png.height, png.width)
    }
    prediction = `label images of ${o.source.path} (${set.idColumn === 'id' ? 'raw ScanNet' : 'NYU40'} ids, 0 = none)`
  } else {
    const run = await openEvalRun(o.source.path, o.registry!, undefined, {
      allowPartial: o.allowPartial, allowFlag: '--allow-partial', partialWhy: 'its scores would cover only those frames, not the whole run\'s',
      partialHint: 'plaf merge fuses the 3D maps only (each shard keeps its own 2D memories), so to score every frame run the pipeline without --shard and evaluate that run',
    })
    warnings.push(...run.warnings)
    const mismatch = await run.inputCheck(dir)
    if (mismatch) warnings.push(mismatch)
    const prompts = classPrompts(set, o.templates, o.prompts)
    const text = await run.embed(prompts.prompts)
    const stored = Object.entries(run.report.stages ?? {}).filter(([, s]) => s.kind === 'storage2d')
    const ids = [...new Set(stored.flatMap(([, s]) => Object.keys((s as { frame_metrics?: object }).frame_metrics ?? {})))].sort()
    if (!ids.length) fail('PLAF_RUN_NOT_QUERYABLE', `${o.source.path} stored no 2D frame`, { file: join(run.runDir, 'report.json'), source: `--run ${o.source.path}` })
    const sampled = evenlySpaced(ids, o.maxFrames)
    const memories = await run.memories(sampled[0])
    try {
      for (const id of sampled) {
        o.log?.(`frame ${id}`)
        const m = await memories.read(id)
        if (!m) continue
        const [rows, d] = m.features.shape
        if (d !== text.shape[1]) fail('PLAF_SPACE_MISMATCH', `frame ${id}: the 2D memory holds ${d}-d features, the run's text encoder gives ${text.shape[1]}-d`, { frame: id })
        const rowClass = poolArgmax(m.features.data, rows, text.data, prompts.classes.length, d).labels
        const [h, w] = m.ids.shape
        const pred = new Int32Array(h * w)
        for (let p = 0; p < pred.length; p++) {
          const r = m.ids.data[p]
          pred[p] = r < rows && rowClass[r] >= 0 ? prompts.classes[rowClass[r]] : -1
        }
        const index = Number.parseInt(id, 10)
        if (!Number.isFinite(index)) fail('PLAF_INPUT_INVALID', `frame id ${id} is not a ScanNet frame index`, { frame: id })
        await addFrame(index, id, pred, h, w)
      }
    } finally {
      await memories.dispose()
    }
    prediction = `${run.runDir}: 2D memories of ${memories.stage}; each mask takes the class of highest cosine with its prompt embedding (the run's text encoder${o.templates.length ? `, mean over ${o.templates.length} templates` : ''}); pixels without a mask: none, a miss`
    run.manifest.storage3d = '-'
    run.manifest.storage2d = memories.stage
    runManifest = run.manifest
    runReport = run.report
  }
  const left = full.names.filter((n) => !set.names.includes(n))
  const protocol: ProtocolBlock = {
    benchmark: 'scannet2d',
    protocol: `frames: one sample per pixel of the prediction grid, ${frames.length} frames${o.maxFrames !== undefined ? ` (at most ${o.maxFrames}, evenly spaced)` : ''}`,
    classes: set.name, class_count: k, id_column: set.idColumn,
    background: o.background, background_classes_left_out: left,
    ground_truth: `label-filt raw ids → ${set.idColumn} (labels TSV), resized nearest by pixel centres to the prediction grid`,
    prediction,
    templates: o.source.kind === 'run' && o.templates.length ? o.templates : null,
    queried_classes: o.source.kind === 'run' ? (o.prompts ? `the classes of ${o.prompts}` : `all ${k}, by name`) : null,
    ignore_rule: 'ground truth 0 (unannotated) and ids outside the class set are not scored' + (left.length ? `; with --background exclude also ${BACKGROUND_CLASSES.filter((b) => full.names.includes(b)).join(', ')}` : ''),
    outside_prediction_rule: 'a prediction outside the class set (or a pixel without a mask) is a miss of the pixel\'s class, never dropped',
    absent_class_rule: 'a class with no ground-truth pixels has IoU and accuracy null and is left out of mIoU, fmIoU and mAcc; predictions of it still count as misses of the true classes',
    pooling: 'one confusion matrix summed over all frames',
    scenes: [basename(dir)],
  }
  const scores = segmentationScores(cm)
  const pooled: ConfusionMatrix = sumConfusion([cm])
  return {
    set, protocol, pooled: { cm: pooled, scores }, warnings,
    scenes: [{ scene: basename(dir), dir, prediction, cm, scores, run: runManifest, report: runReport, unpredicted: o.source.kind === 'run' ? scores.outsidePredictions : 0 }],
  }
}

/** `plaf eval scannet2d`: evaluates and, with `out`, writes the report (JSON, CSV, Markdown, plots). */
export async function evalScannet2d(o: Scannet2dEvalOptions & { out?: string }): Promise<{ outcome: ScannetEval; files: string[]; out?: string }> {
  const outcome = await evaluateScannet2d(o)
  const files = o.out !== undefined ? await writeEvalReport(o.out, outcome, `ScanNet 2D ${outcome.set.name}`) : []
  return { outcome, files, out: o.out }
}
