import type { RgbImage } from '@plaf/core'
import { maskToBox } from './boxes.js'
import { generateCropBoxes, isBoxNearCropEdge } from './crops.js'
import { buildAllLayerPointGrids } from './grid.js'
import { cropToBox, type AmgMask } from './mask-record.js'
import { nms } from './nms.js'
import type { AmgOptions } from './options.js'
import type { AmgTimings, EncodedCrop, MaskPredictor } from './predictor.js'
import { removeSmallRegionsAll } from './postprocess.js'
import { stabilityScore } from './stability.js'
import { LogitUpsampler, type LogitWindow } from './upsample-window.js'

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
 * SAM's order. Only one full-resolution logit plane is held at a time.
 */
export async function generateMasks(image: RgbImage, predictor: MaskPredictor, opts: AmgOptions, timings?: AmgTimings): Promise<AmgMask[]> {
  const [H, W] = image.shape
  const grids = pointGridsFor(opts)
  const crops = generateCropBoxes(H, W, opts.crop_n_layers, opts.crop_overlap_ratio)
  let all: AmgMask[] = []
  for (const { box, layer } of crops) {
    const t0 = now()
    const encoded = await predictor.encode(cropImage(image, box))
    if (timings) timings.encoder += now() - t0
    all = all.concat(await processCrop(encoded, box, grids[layer]!, [W, H], opts, timings))
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

async function processCrop(encoded: EncodedCrop, cropBox: [number, number, number, number], grid: Float64Array, [W, H]: [number, number], opts: AmgOptions, timings?: AmgTimings): Promise<AmgMask[]> {
  const [cx0, cy0, cx1, cy1] = cropBox
  const cw = cx1 - cx0
  const ch = cy1 - cy0
  const nPoints = grid.length / 2
  const points = new Float64Array(grid.length)
  for (let i = 0; i < nPoints; i++) {
    points[2 * i] = grid[2 * i]! * cw
    points[2 * i + 1] = grid[2 * i + 1]! * ch
  }
  let binary = new Uint8Array(0)
  const box = new Int32Array(4)
  const kept: AmgMask[] = []
  // torch compares a float32 tensor with a Python float in float32.
  const iouThresh = Math.fround(opts.pred_iou_thresh)
  const stabilityThresh = Math.fround(opts.stability_score_thresh)
  const maskThresh = Math.fround(opts.mask_threshold)
  const floor = Math.min(maskThresh, Math.fround(opts.mask_threshold - opts.stability_score_offset))
  let up: LogitUpsampler | undefined
  for (let start = 0; start < nPoints; start += opts.points_per_batch) {
    const n = Math.min(opts.points_per_batch, nPoints - start)
    let t = now()
    const out = await encoded.predict(points.subarray(2 * start, 2 * (start + n)), n)
    if (timings) timings.decoder += now() - t
    if (!up || up.lh !== out.lh || up.lw !== out.lw) up = new LogitUpsampler(out.lh, out.lw, encoded.plan)
    const planeSize = out.lh * out.lw
    for (let p = 0; p < n; p++) {
      for (let j = 0; j < out.k; j++) {
        const idx = p * out.k + j
        const iou = out.iou[idx]!
        if (opts.pred_iou_thresh > 0 && !(iou > iouThresh)) continue
        t = now()
        // Only the window where logits can exceed the lowest cutoff; outside it every value is below.
        const win = up.run(out.logits, floor, idx * planeSize)
        const t1 = now()
        if (timings) timings.upsample += t1 - t
        const stability = win ? stabilityScore(win.values, opts.mask_threshold, opts.stability_score_offset) : NaN
        let record: Pick<AmgMask, 'box' | 'bitmap' | 'area'> | undefined
        if (opts.stability_score_thresh <= 0 || stability >= stabilityThresh) {
          if (win && binary.length < win.values.length) binary = new Uint8Array(win.values.length)
          record = binarise(win, binary, maskThresh, box, cropBox, [W, H])
        }
        if (timings) timings.filter += now() - t1
        if (!record) continue
        const px = points[2 * (start + p)]!
        const py = points[2 * (start + p) + 1]!
        kept.push({ ...record, predictedIou: iou, stabilityScore: stability, point: [px + cx0, py + cy0], cropBox })
      }
    }
  }
  const t = now()
  const boxes = new Float64Array(kept.length * 4)
  kept.forEach((m, i) => boxes.set(m.box, 4 * i))
  const order = nms(boxes, Float32Array.from(kept, (m) => m.predictedIou), opts.box_nms_thresh)
  const result = Array.from(order, (i) => {
    const m = kept[i]!
    const b = m.box
    return { ...m, box: [b[0] + cx0, b[1] + cy0, b[2] + cx0, b[3] + cy0] as AmgMask['box'] }
  })
  if (timings) timings.nms += now() - t
  return result
}

/**
 * Thresholds a logit window (crop coordinates; null: nothing above the cutoffs), takes the mask's
 * box, drops it near an inner crop edge, and crops the bitmap to the box.
 */
function binarise(win: LogitWindow | null, binary: Uint8Array, threshold: number, box: Int32Array, cropBox: number[], [W, H]: [number, number]): Pick<AmgMask, 'box' | 'bitmap' | 'area'> | undefined {
  let empty = true
  if (win) {
    const v = win.values
    for (let i = 0; i < v.length; i++) {
      const b = v[i]! > threshold ? 1 : 0
      binary[i] = b
      if (b) empty = false
    }
  }
  if (empty || !win) box.fill(0)
  else {
    const w = win.x1 - win.x0
    maskToBox(binary, win.y1 - win.y0, w, box)
  }
  const local = empty || !win ? [0, 0, 0, 0] : [box[0]! + win.x0, box[1]! + win.y0, box[2]! + win.x0, box[3]! + win.y0]
  if (isBoxNearCropEdge(local, cropBox, W, H)) return undefined
  if (empty || !win) return { box: [0, 0, 0, 0], bitmap: new Uint8Array(0), area: 0 }
  const { bitmap, area } = cropToBox(binary, win.x1 - win.x0, box)
  return { box: local as AmgMask['box'], bitmap, area }
}
