import { fail, type OptionsSchema, type PluginNote } from '@plaf/core'
import { AMG_DEFAULTS, type AmgOptions } from './amg/options.js'

/** Options of the `sam` masker: the model and SAM's generator options under SAM's names. */
export interface SamOptions extends AmgOptions {
  model: string
}

const d = AMG_DEFAULTS
const unit = (description: string, def: number) => ({ type: 'number', minimum: 0, maximum: 1, default: def, description }) as const

/** JSON Schema of the `sam` masker's options (defaults: segment-anything's). */
export const samOptionsSchema: OptionsSchema<SamOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    model: { type: 'string', minLength: 1, default: 'sam-vit-h', description: 'SAM, MobileSAM or SAM 2 model (name or name@version) in the model store; its family and decoder I/O choose the adapter.' },
    points_per_side: { type: ['integer', 'null'], minimum: 1, maximum: 256, default: d.points_per_side, description: 'Points per side of the prompt grid (points_per_side² prompts on crop layer 0, at most 256² = 65,536); null when point_grids is given.' },
    point_grids: {
      type: ['array', 'null'],
      default: null,
      description: 'Explicit prompt grids, one per crop layer (crop_n_layers + 1 of them): lists of [x, y] in [0, 1] of the crop. Exclusive with points_per_side.',
      items: { type: 'array', items: { type: 'array', items: { type: 'number', minimum: 0, maximum: 1 }, minItems: 2, maxItems: 2 } },
    },
    points_per_batch: { type: 'integer', minimum: 1, maximum: 1024, default: d.points_per_batch, description: 'Prompts per decoder run, at most 1024 (each holds its low-resolution masks in memory; exports that take one prompt per run run them one by one).' },
    multimask_output: { type: 'boolean', default: d.multimask_output, description: 'Keep the three multimask outputs of every prompt (SAM AMG); false keeps the single-mask output (exports that have one).' },
    pred_iou_thresh: unit('Keep masks whose predicted IoU is strictly above this (0 disables the filter).', d.pred_iou_thresh),
    stability_score_thresh: unit('Keep masks whose stability score (IoU of the masks at mask_threshold ± offset) is at least this (0 disables).', d.stability_score_thresh),
    stability_score_offset: { type: 'number', minimum: 0, default: d.stability_score_offset, description: 'Logit offset of the stability score\'s two cutoffs.' },
    mask_threshold: { type: 'number', default: d.mask_threshold, description: 'Logit above which a pixel is inside the mask.' },
    box_nms_thresh: unit('Box IoU above which the lower-scored of two masks of one crop is dropped (NMS by predicted IoU).', d.box_nms_thresh),
    crop_n_layers: { type: 'integer', minimum: 0, maximum: 4, default: d.crop_n_layers, description: 'Extra crop layers, at most 4: layer i runs the model again on (2^i)² overlapping crops (4 layers: 340 extra runs a frame).' },
    crop_nms_thresh: unit('Box IoU above which duplicates across crops are dropped (smaller crops preferred).', d.crop_nms_thresh),
    crop_overlap_ratio: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: d.crop_overlap_ratio, description: 'Overlap of the crops of layer 1, as a fraction of the short image side (halved per further layer).' },
    crop_n_points_downscale_factor: { type: 'integer', minimum: 1, default: d.crop_n_points_downscale_factor, description: 'Crop layer i uses points_per_side / factor^i points per side.' },
    min_mask_region_area: { type: 'integer', minimum: 0, default: d.min_mask_region_area, description: 'Remove holes and islands smaller than this many pixels from each mask, then NMS again (0 disables).' },
  },
}

/**
 * The cross-option rules the schema cannot express (SAM asserts these): exactly one of
 * points_per_side and point_grids; one grid per crop layer; no crop layer without points. Returns
 * one PLAF_INVALID_OPTION note per broken rule, its `path` the option inside `with:` (the
 * plugin's validate-time `check`).
 */
export function samOptionProblems(o: SamOptions): PluginNote[] {
  const bad = (path: string, message: string, more: Partial<PluginNote>): PluginNote => ({ code: 'PLAF_INVALID_OPTION', message, path, ...more })
  if ((o.points_per_side === null) === (o.point_grids === null)) {
    // both given: at point_grids; neither: at points_per_side, whose null (a line, or the --set
    // that nulled it) is what left no grid
    return [bad(o.point_grids ? 'point_grids' : 'points_per_side', o.point_grids ? 'point_grids replaces the regular grid: give points_per_side: null with it' : 'give points_per_side or point_grids', {
      expected: 'exactly one of points_per_side and point_grids', actual: `points_per_side ${o.points_per_side}, point_grids ${o.point_grids ? `${o.point_grids.length} grid(s)` : 'null'}`,
    })]
  }
  const out: PluginNote[] = []
  if (o.point_grids) {
    if (o.point_grids.length !== o.crop_n_layers + 1) {
      out.push(bad('point_grids', `point_grids has ${o.point_grids.length} grid(s), but crop_n_layers ${o.crop_n_layers} needs one per layer`, { expected: `${o.crop_n_layers + 1} grids`, actual: `${o.point_grids.length}` }))
    }
    const empty = o.point_grids.findIndex((g) => g.length === 0)
    if (empty >= 0) out.push(bad(`point_grids.${empty}`, `point_grids[${empty}] has no points`, { expected: 'at least one [x, y] point', actual: '[]' }))
    return out
  }
  // SAM's build_all_layer_point_grids: crop layer i gets int(points_per_side / factor^i) points per
  // side, so every layer has a point exactly when the last one does: points_per_side / f^n ≥ 1.
  const pps = o.points_per_side!
  const f = o.crop_n_points_downscale_factor
  const n = o.crop_n_layers
  let first = 0
  for (let i = 1; i <= n && !first; i++) if (Math.trunc(pps / f ** i) < 1) first = i
  if (first) {
    const layers = first === n ? `crop layer ${n} gets` : `crop layers ${first} to ${n} get`
    let maxF = 1
    while ((maxF + 1) ** n <= pps) maxF++
    let maxN = 0
    while (maxN < n && f ** (maxN + 1) <= pps) maxN++
    const ways = [`crop_n_points_downscale_factor ≤ ${maxF}`, `crop_n_layers ≤ ${maxN} with factor ${f}`]
    if (f ** n <= 256) ways.push(`points_per_side ≥ ${f ** n}`)
    out.push(bad('crop_n_points_downscale_factor', `${layers} no prompt points: layer i has points_per_side / factor^i points per side, and ${pps} / ${f}^${first} = ${Number((pps / f ** first).toPrecision(3))} < 1`, {
      expected: `a factor f with ${pps} / f^${n} ≥ 1 (the last crop layer, ${n}, needs a point too): f ≤ ${maxF}`, actual: String(f),
      hint: `use ${ways.join(', or ')}`,
    }))
  }
  return out
}

/**
 * `samOptionProblems` for API callers that create the plugin without the resolver: throws the
 * first problem as PLAF_INVALID_OPTION at its full path (`stages.<stage>.with.<option>`).
 */
export function checkSamOptions(o: SamOptions, stage: string): void {
  const first = samOptionProblems(o)[0]
  if (first) fail(first.code, first.message, { ...first, path: `stages.${stage}.with.${first.path}`, plugin: 'sam', stage })
}
