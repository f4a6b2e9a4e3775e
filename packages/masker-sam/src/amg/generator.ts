import { fail, type RgbImage } from '@plaf/core'
import { ClassifierPool, NonFiniteLogits } from './classify-pool.js'
import type { PlaneResult } from './classify-job.js'
import { generateCropBoxes, isBoxNearCropEdge } from './crops.js'
import { buildAllLayerPointGrids } from './grid.js'
import { recordRuns, type AmgMask } from './mask-record.js'
import { nms } from './nms.js'
import type { AmgOptions } from './options.js'
import type { AmgTimings, EncodedCrop, MaskPredictor } from './predictor.js'
import { removeSmallRegionsAll } from './postprocess.js'
import { runsToBitmap } from './logit-runs.js'

/** The point grids the options ask for, one per crop layer, as interleaved [x, y] in [0, 1]. */
export function pointGridsFor(opts: AmgOptions): Float64Array[] {
  if (opts.point_grids) return opts.point_grids.map((g) => Float64Array.from(g.flat()))
  return buildAllLayerPointGrids(opts.points_per_side!, opts.crop_n_layers, opts.crop_n_points_downscale_factor)
}

const now = (): number => performance.now()

/** Copies the [x0, x1) × [y0, y1) window of an RGB image. */
function cropImage(image: RgbImage, [x0, y0, x1, y1]: readonly number[]): RgbImage {
  const [, w] = image.shape
  if (x0 === 0 && y0 === 0 && x1 === w && y1 === image.shape[0]) return image
  const cw = x1! - x0!
  const ch = y1! - y0!
  const data = new Uint8Array(cw * ch * 3)
  for (let y = 0; y < ch; y++) data.set(image.data.subarray(((y0! + y) * w + x0!) * 3, ((y0! + y) * w + x1!) * 3), y * cw * 3)
  return { data, shape: [ch, cw, 3] }
}

/**
 * SAM's automatic mask generator (`SamAutomaticMaskGenerator.generate`) over a promptable model:
 * for each crop box (layer 0 = the whole image), encode the crop, prompt it with the layer's
 * point grid in batches of `points_per_batch`, keep masks with predicted IoU > `pred_iou_thresh`
 * and stability ≥ `stability_score_thresh` (logits upsampled to the crop first, as SAM does),
 * binarise at `mask_threshold`, drop masks near inner crop edges, box NMS per crop
 * (`box_nms_thresh`, by predicted IoU), then across crops (`crop_nms_thresh`, preferring smaller
 * crops), then optionally remove small holes and islands and NMS again. Returns SAM's records in
 * SAM's order. No full-resolution logit plane is ever held: each mask is classified straight from
 * its low-res logits (exact values only near its cutoff crossings) into horizontal runs, and a
 * mask's bitmap is made only when it survives its crop's NMS, so memory grows with the masks kept,
 * not with the grid. The masks of a decoder batch are classified on `pool`'s threads (this one
 * only, without a pool); the records are the same whatever the thread count.
 *
 * A decoder output that is not finite is refused: a NaN or ±Infinity predicted IoU, or one in the
 * part of a low-res logit plane the upsampling reads (of a mask that passes the IoU filter), is
 * PLAF_MODEL_RUN_FAILED naming the model, the point and the place.
 */
export async function generateMasks(image: RgbImage, predictor: MaskPredictor, opts: AmgOptions, timings?: AmgTimings, pool?: ClassifierPool): Promise<AmgMask[]> {
  const threads = pool ?? new ClassifierPool(1)
  const [H, W] = image.shape
  const grids = pointGridsFor(opts)
  const crops = generateCropBoxes(H, W, opts.crop_n_layers, opts.crop_overlap_ratio)
  let all: AmgMask[] = []
  for (const { box, layer } of crops) {
    const t0 = now()
    const encoded = await predictor.encode(cropImage(image, box))
    if (timings) timings.encoder += now() - t0
    all = all.concat(await processCrop(encoded, box, grids[layer]!, [W, H], opts, threads, predictor.name, timings))
  }
  if (crops.length > 1) {
    const t = now()
    const boxes = new Float64Array(all.length * 4)
    const scores = new Float32Array(all.length)
    all.forEach((m, i) => {
      boxes.set(m.box, 4 * i)
      scores[i] = 1 / ((m.cropBox[2] - m.cropBox[0]) * (m.cropBox[3] - m.cropBox[1]))
    })
    all = Array.from(nms(boxes, scores, opts.crop_nms_thresh), (i) => all[i]!)
    if (timings) timings.nms += now() - t
  }
  if (opts.min_mask_region_area > 0) {
    const t = now()
    all = removeSmallRegionsAll(all, W, H, opts.min_mask_region_area, Math.max(opts.box_nms_thresh, opts.crop_nms_thresh))
    if (timings) timings.postprocess += now() - t
  }
  return all
}

async function processCrop(encoded: EncodedCrop, cropBox: [number, number, number, number], grid: Float64Array, [W, H]: [number, number], opts: AmgOptions, pool: ClassifierPool, model: string | undefined, timings?: AmgTimings): Promise<AmgMask[]> {
  const [cx0, cy0, cx1, cy1] = cropBox
  const cw = cx1 - cx0
  const ch = cy1 - cy0
  const nPoints = grid.length / 2
  const points = new Float64Array(grid.length)
  for (let i = 0; i < nPoints; i++) {
    points[2 * i] = grid[2 * i]! * cw
    points[2 * i + 1] = grid[2 * i + 1]! * ch
  }
  // Masks that pass the filters, as runs until NMS has chosen among them.
  const kept: (Omit<AmgMask, 'bitmap'> & { runs: Int32Array | null })[] = []
  // torch compares a float32 tensor with a Python float in float32.
  const iouThresh = Math.fround(opts.pred_iou_thresh)
  const stabilityThresh = Math.fround(opts.stability_score_thresh)
  const maskThresh = Math.fround(opts.mask_threshold)
  // The cutoffs as torch compares them (float32): binarisation at t, stability at t ± offset.
  const cut = { t: maskThresh, hi: Math.fround(opts.mask_threshold + opts.stability_score_offset), lo: Math.fround(opts.mask_threshold - opts.stability_score_offset) }
  const where = (start: number, idx: number, k: number): string => {
    const p = start + Math.floor(idx / k)
    return `for the point (${points[2 * p]! + cx0}, ${points[2 * p + 1]! + cy0}) (prompt ${p} of crop [${cropBox.join(', ')}]), mask ${idx % k}`
  }
  const refuse = (what: string): never =>
    fail('PLAF_MODEL_RUN_FAILED', `sam: model ${model ?? '(unnamed predictor)'}: the mask decoder returned ${what}; a decoder must return finite IoUs and logits`, { hint: 'check the model export (plaf models info) and its inputs; a NaN usually means a broken or mismatched export' })
  // The batches' logits land in one shared buffer, done with before the next batch: a new 50 MB
  // buffer a batch would set off this thread's garbage collector each time, and its concurrent
  // marking and freeing would take the cores from the classification. The pool keeps it for the
  // next image (sized by a first batch that did not fit it).
  for (let start = 0; start < nPoints; start += opts.points_per_batch) {
    const n = Math.min(opts.points_per_batch, nPoints - start)
    let t = now()
    const out = await encoded.predict(points.subarray(2 * start, 2 * (start + n)), n, pool.logitsBuffer)
    if (!(out.logits.buffer instanceof SharedArrayBuffer) && (pool.logitsBuffer?.length ?? 0) < out.logits.length) pool.logitsBuffer = new Float32Array(new SharedArrayBuffer(out.logits.byteLength))
    if (timings) timings.decoder += now() - t
    // The masks the IoU filter keeps, then their counts and runs, exactly those of the full upsampled planes (see RunClassifier).
    const planes: number[] = []
    for (let idx = 0; idx < n * out.k; idx++) {
      const iou = out.iou[idx]!
      if (iou - iou !== 0) refuse(`the predicted IoU ${iou} ${where(start, idx, out.k)}`)
      if (opts.pred_iou_thresh > 0 && !(iou > iouThresh)) continue
      planes.push(idx)
    }
    t = now()
    let classified: (PlaneResult | null)[]
    try {
      classified = await pool.classify(out.logits, planes, out.lh, out.lw, encoded.plan, cut)
    } catch (e) {
      if (!(e instanceof NonFiniteLogits)) throw e
      const idx = planes[e.at.plane]!
      classified = refuse(`${e.at.value} at row ${e.at.row}, column ${e.at.col} of its ${out.lh}×${out.lw} low-res logits ${where(start, idx, out.k)}`)
    }
    if (timings) timings.upsample += now() - t
    t = now()
    for (const [j, idx] of planes.entries()) {
      const c = classified[j]!
      const stability = c ? Math.fround(c.inter / c.union) : NaN
      if (opts.stability_score_thresh > 0 && !(stability >= stabilityThresh)) continue
      const record = boxAndRuns(c, cropBox, [W, H])
      if (!record) continue
      const p = start + Math.floor(idx / out.k)
      kept.push({ ...record, predictedIou: out.iou[idx]!, stabilityScore: stability, point: [points[2 * p]! + cx0, points[2 * p + 1]! + cy0], cropBox })
    }
    if (timings) timings.filter += now() - t
  }
  const t = now()
  const boxes = new Float64Array(kept.length * 4)
  kept.forEach((m, i) => boxes.set(m.box, 4 * i))
  const order = nms(boxes, Float32Array.from(kept, (m) => m.predictedIou), opts.box_nms_thresh)
  const result = Array.from(order, (i): AmgMask => {
    const { runs, ...m } = kept[i]!
    const b = m.box
    const bitmap = runs ? runsToBitmap(runs, runs.length / 3, b) : new Uint8Array(0)
    const record: AmgMask = { ...m, bitmap, box: [b[0] + cx0, b[1] + cy0, b[2] + cx0, b[3] + cy0] }
    if (runs && opts.min_mask_region_area > 0) recordRuns.set(record, { runs, dx: cx0, dy: cy0 })
    return record
  })
  if (timings) timings.nms += now() - t
  return result
}

/**
 * The box of a classified mask in crop coordinates (SAM's [0,0,0,0] when empty), dropped near an
 * inner crop edge, and its runs (null when empty).
 */
function boxAndRuns(c: PlaneResult | null, cropBox: number[], [W, H]: [number, number]): { box: AmgMask['box']; runs: Int32Array | null; area: number } | undefined {
  if (!c || !c.box) return isBoxNearCropEdge([0, 0, 0, 0], cropBox, W, H) ? undefined : { box: [0, 0, 0, 0], runs: null, area: 0 }
  const box: AmgMask['box'] = [...c.box]
  if (isBoxNearCropEdge(box, cropBox, W, H)) return undefined
  return { box, runs: c.runs, area: c.area }
}
