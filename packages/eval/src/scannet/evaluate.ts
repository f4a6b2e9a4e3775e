import { basename, join } from 'node:path'
import { fail, type Diagnostic, type Registry } from '@plaf/core'
import { sceneAlignment } from '@plaf/datasets'
import { classLookup, classSet, BACKGROUND_CLASSES, type ClassSet } from '../classes.js'
import { classPrompts, type ClassPrompts } from '../prompts.js'
import { transferToMesh } from '@plaf/query'
import { poolArgmax } from '../kernels/pool-argmax.js'
import { confusionMatrix, mapIds, sumConfusion, type ConfusionMatrix } from '../metrics/confusion.js'
import { segmentationScores, type SegmentationScores } from '../metrics/scores.js'
import { readVertexPredictions, scenePredictionFile, type VertexPredictions } from './predictions.js'
import { readRunMap, type RunManifestSummary, type RunMap, type RunReportLike } from './run-map.js'
import { vertexGroundTruth } from './vertex-gt.js'
import { voxelEvaluation, VOXEL_SIZE } from './voxel.js'

/** The 3D protocols: per `_vh_clean_2` vertex (the ScanNet benchmark) or 5 cm voxels lifted from `label-filt` (RayFronts). */
export const PROTOCOLS_3D = ['vertex', 'voxel5cm'] as const
/** The `--background` values. */
export const BACKGROUND_MODES = ['include', 'exclude'] as const

/** Where predictions come from: a finished run (or a root of per-scene runs), or files of ids. */
export type PredictionSource = { kind: 'run'; path: string } | { kind: 'predictions'; path: string }

/** Options of {@link evaluateScannet}. */
export interface ScannetEvalOptions {
  /** Scene folders. */
  scenes: { dir: string; name: string }[]
  /** `source.path` is a folder holding one run (or prediction file) per scene name (`--scenes`); default: with several scenes. */
  perScene?: boolean
  source: PredictionSource
  classes: string
  protocol: string
  background: string
  /** Prompt templates with `{}`; empty: the class name as is (through the run's encoder options). */
  templates: string[]
  /** A JSON file of class name → prompt text(s): only those classes are queried. */
  prompts?: string
  /** Plugins to reopen a run with (the CLI's built-ins); needed for `source.kind === 'run'`. */
  registry?: Registry
  /** Cut-off of the map → vertex transfer, metres (default 0.05). */
  maxDistance?: number
  /** Progress lines. */
  log?: (line: string) => void
  /** Warnings as they arise (they are also in the result's `warnings`). */
  warn?: (d: Diagnostic) => void
}

/** One scene's matrix and scores. */
export interface SceneResult {
  scene: string
  dir: string
  /** The file or run the predictions came from. */
  prediction: string
  cm: ConfusionMatrix
  scores: SegmentationScores
  run?: RunManifestSummary
  /** The run's report.json (stage bytes and times), when the predictions came from a run. */
  report?: RunReportLike
  /** Samples (vertices or voxels) the prediction left without a label (no map point near): misses. */
  unpredicted: number
}

/** The protocol written out: everything needed to reproduce the numbers. */
export interface ProtocolBlock {
  benchmark: 'scannet' | 'scannet2d'
  protocol: string
  classes: string
  class_count: number
  id_column: 'nyu40id' | 'id'
  background: string
  background_classes_left_out: string[]
  ground_truth: string
  prediction: string
  templates: string[] | null
  queried_classes: string | null
  ignore_rule: string
  outside_prediction_rule: string
  absent_class_rule: string
  pooling: string
  scenes: string[]
}

/** What `plaf eval scannet` computes. */
export interface ScannetEval {
  protocol: ProtocolBlock
  set: ClassSet
  scenes: SceneResult[]
  /** One confusion matrix summed over every scene, and its scores (= the scene's own with one scene). */
  pooled: { cm: ConfusionMatrix; scores: SegmentationScores }
  /** What looked wrong but did not stop the evaluation: a run made from another scene, predictions outside the class set, … */
  warnings: Diagnostic[]
}

const IGNORE_RULE = 'ground truth 0 (unannotated) and ids outside the class set are not scored'
const OUTSIDE_RULE = 'a prediction outside the class set (or no prediction) is a miss of the sample\'s class, never dropped'
const ABSENT_RULE = 'a class with no ground-truth samples has IoU and accuracy null and is left out of mIoU, fmIoU and mAcc; predictions of it still count as misses of the true classes'

function check(value: string, choices: readonly string[], flag: string, what: string): void {
  if (!choices.includes(value)) fail('PLAF_INVALID_OPTION', `unknown ${what} "${value}"`, { source: `${flag} ${value}`, path: flag.slice(2), expected: `one of ${choices.join(', ')}`, actual: value })
}

/**
 * The run's map is in axis-aligned coordinates when its scannet input had `axis_align: true`;
 * the mesh and label-filt are not. Returns the scene's row-major 4×4 alignment then, else null.
 */
export function runAlignment(run: RunMap, sceneDir: string): Float64Array | null {
  return run.pipeline.input.use === 'scannet' && run.pipeline.input.options.axis_align === true ? sceneAlignment(sceneDir) : null
}

/** x, y, z rows transformed by a row-major 4×4 (a rigid transform): a new array. */
export function transformPoints(positions: Float32Array, m: Float64Array): Float32Array {
  const out = new Float32Array(positions.length)
  for (let i = 0; i < positions.length; i += 3) {
    const x = positions[i], y = positions[i + 1], z = positions[i + 2]
    out[i] = m[0] * x + m[1] * y + m[2] * z + m[3]
    out[i + 1] = m[4] * x + m[5] * y + m[6] * z + m[7]
    out[i + 2] = m[8] * x + m[9] * y + m[10] * z + m[11]
  }
  return out
}

/** Per map point: the class index of its pool row (-1 for a point without a feature); only the prompted classes compete. */
async function mapPointClasses(run: RunMap, prompts: ClassPrompts): Promise<Int32Array> {
  const text = await run.embed(prompts.prompts)
  const [m, d] = run.map.pool.shape
  if (text.shape[1] !== d) fail('PLAF_SPACE_MISMATCH', `the run's text encoder gives ${text.shape[1]}-d embeddings, its map holds ${d}-d features`, { file: run.runDir })
  const rows = poolArgmax(run.map.pool.data, m, text.data, prompts.classes.length, d).labels
  const refs = run.map.refs
  const out = new Int32Array(refs.length)
  for (let i = 0; i < refs.length; i++) out[i] = refs[i] < m && rows[refs[i]] >= 0 ? prompts.classes[rows[refs[i]]] : -1
  return out
}

/**
 * A warning when some of a prediction file's ids are outside the class set on scored samples
 * (e.g. a file of `-3`s, or ids of another class set): names the file, how many, and the first
 * such line (`.txt`) or vertex; null when every scored sample's prediction is in the set.
 */
export function outsidePredictions(p: VertexPredictions, pred: Int32Array, gt: Int32Array, set: ClassSet): Diagnostic | null {
  let n = 0
  let first = -1
  let scored = 0
  for (let v = 0; v < pred.length; v++) {
    if (gt[v] < 0) continue
    scored++
    if (pred[v] >= 0) continue
    n++
    if (first < 0) first = v
  }
  if (!n) return null
  const value = Number.isNaN(p.ids[first]) ? 'not an integer' : String(p.ids[first])
  const where = p.format === 'benchmark-txt' ? `line ${first + 1}` : `vertex ${first}`
  const all = n === scored ? `all ${scored.toLocaleString('en-US')}` : `${n.toLocaleString('en-US')} of the ${scored.toLocaleString('en-US')}`
  return {
    code: 'PLAF_INPUT_INVALID', severity: 'warning', file: p.file, line: p.format === 'benchmark-txt' ? first + 1 : undefined,
    message: `${all} scored predictions of ${basename(p.file)} ${n === 1 ? 'is' : 'are'} not ${set.idColumn === 'id' ? 'a raw ScanNet id' : 'an NYU40 id'} of a ${set.name} class, first at ${where} (${value}); they count as misses`,
    expected: `${set.idColumn === 'id' ? 'raw ScanNet ids' : 'NYU40 ids'} of the ${set.name} classes (${set.ids.slice(0, 6).join(', ')}, …)`, actual: value,
  }
}

/**
 * Scores predictions against ScanNet ground truth, per scene and pooled (one confusion matrix
 * summed over all scenes). Protocol `vertex`: per `_vh_clean_2` vertex; a run's map is
 * transferred to the vertices by the nearest map point within `maxDistance` (else no
 * prediction, a miss), each map point taking the class whose prompt embedding has the highest
 * cosine with its pool row. Protocol `voxel5cm`: see `voxelEvaluation`.
 */
export async function evaluateScannet(o: ScannetEvalOptions): Promise<ScannetEval> {
  check(o.protocol, PROTOCOLS_3D, '--protocol', 'protocol')
  check(o.background, BACKGROUND_MODES, '--background', 'background mode')
  const set = classSet(o.classes, o.background as 'include' | 'exclude')
  const full = classSet(o.classes, 'include')
  const lookup = classLookup(set)
  const k = set.ids.length
  const maxDistance = o.maxDistance ?? 0.05
  const prompts = o.source.kind === 'run' ? classPrompts(set, o.templates, o.prompts) : undefined
  const several = o.perScene ?? o.scenes.length > 1
  const results: SceneResult[] = []
  const warnings: Diagnostic[] = []
  const warn = (d: Diagnostic | null): void => {
    if (!d) return
    warnings.push(d)
    o.warn?.(d)
  }
  for (const sc of o.scenes) {
    o.log?.(`scene ${sc.name}`)
    let pred: Int32Array, prediction: string, run: RunMap | undefined
    let gtIdx: Int32Array, unpredicted = 0
    if (o.protocol === 'vertex') {
      const gt = vertexGroundTruth(sc.dir, set)
      gtIdx = mapIds(gt.ids, lookup, k)
      if (o.source.kind === 'predictions') {
        const file = several ? scenePredictionFile(o.source.path, sc.name) : o.source.path
        const p = readVertexPredictions(file, gt.vertexCount, several ? `--predictions ${o.source.path}` : undefined)
        pred = mapIds(p.ids, lookup, k)
        warn(outsidePredictions(p, pred, gtIdx, set))
        prediction = `${file} (${p.format})`
      } else {
        run = await readRunMap(several ? join(o.source.path, sc.name) : o.source.path, o.registry!)
        for (const d of run.warnings) warn(d)
        warn(await run.inputCheck(sc.dir, several ? `--scenes (scene ${sc.name})` : undefined))
        const pointClass = await mapPointClasses(run, prompts!)
        // @plaf/query's transfer (the querier's `mesh` option): nearest map point strictly within the cut-off, else -1
        const align = runAlignment(run, sc.dir)
        const t = transferToMesh(run.map.positions, pointClass, align ? transformPoints(gt.positions, align) : gt.positions, { maxDistance, fill: -1 })
        pred = t.values
        for (let v = 0; v < pred.length; v++) if (t.index[v] < 0 && gtIdx[v] >= 0) unpredicted++
        prediction = `${run.runDir}: map of ${run.manifest.storage3d} (${run.map.positions.length / 3} points, ${run.map.pool.shape[0]} pool rows) → vertices by nearest map point < ${maxDistance} m${align ? ' (mesh axis-aligned like the run)' : ''}`
      }
    } else {
      const v = await voxelEvaluation(sc.dir, set, o.source, several, o.registry, (r) => mapPointClasses(r, prompts!), o.log, (r) => runAlignment(r, sc.dir))
      gtIdx = v.gt
      pred = v.pred
      unpredicted = v.unpredicted
      prediction = v.prediction
      run = v.run
      if (run) {
        for (const d of run.warnings) warn(d)
        warn(await run.inputCheck(sc.dir, several ? `--scenes (scene ${sc.name})` : undefined))
      }
    }
    const cm = confusionMatrix(gtIdx, pred, k)
    results.push({ scene: sc.name, dir: sc.dir, prediction, cm, scores: segmentationScores(cm), run: run?.manifest, report: run?.report, unpredicted })
  }
  const pooledCm = sumConfusion(results.map((r) => r.cm))
  const left = full.names.filter((n) => !set.names.includes(n))
  return {
    set,
    scenes: results,
    pooled: { cm: pooledCm, scores: segmentationScores(pooledCm) },
    warnings,
    protocol: {
      benchmark: 'scannet',
      protocol: o.protocol === 'vertex'
        ? 'vertex: one sample per vertex of <scene>_vh_clean_2.ply (the ScanNet benchmark)'
        : `voxel5cm: one sample per ${VOXEL_SIZE * 100} cm voxel of label-filt lifted through depth and pose (RayFronts)`,
      classes: set.name, class_count: k, id_column: set.idColumn,
      background: o.background, background_classes_left_out: left,
      ground_truth: o.protocol === 'vertex'
        ? (set.idColumn === 'id' ? 'raw ScanNet ids per vertex from segs.json + aggregation.json + labels TSV' : 'NYU40 id per vertex of <scene>_vh_clean_2.labels.ply')
        : `label-filt raw ids → ${set.idColumn} (labels TSV), back-projected with depth and pose; a voxel's label is its most frequent one (unlabelled included: a voxel mostly unlabelled is ignored)`,
      prediction: o.source.kind === 'predictions'
        ? `files of ${set.idColumn === 'id' ? 'raw ScanNet' : 'NYU40'} ids, one per ${o.protocol === 'vertex' ? 'vertex' : 'vertex (voxelised: most frequent label per voxel)'}`
        : `argmax over the ${prompts ? prompts.classes.length : k} class prompts of the cosine between each pool row and the prompt embedding (the run's text encoder${o.templates.length ? `, mean over ${o.templates.length} templates` : ''}); ${o.protocol === 'vertex' ? `vertex ← nearest map point closer than ${maxDistance} m, none = a miss` : 'voxel ← most frequent label of its map points; a GT voxel takes the nearest predicted voxel within its 26-neighbourhood, none = a miss'}`,
      templates: o.source.kind === 'run' ? (o.templates.length ? o.templates : null) : null,
      queried_classes: prompts ? (prompts.file ? `${prompts.classes.length} of ${k}, with the texts of ${prompts.file} (the others are never predicted)` : `all ${k}, by name`) : null,
      ignore_rule: IGNORE_RULE + (left.length ? `; with --background exclude also ${BACKGROUND_CLASSES.filter((b) => full.names.includes(b)).join(', ')}` : ''),
      outside_prediction_rule: OUTSIDE_RULE,
      absent_class_rule: ABSENT_RULE,
      pooling: results.length > 1 ? 'pooled = one confusion matrix summed over all scenes, then scored (not a mean of per-scene scores)' : 'one scene',
      scenes: results.map((r) => r.scene),
    },
  }
}
