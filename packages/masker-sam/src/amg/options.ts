/**
 * SAM's automatic mask generator options, under SAM's own names (snake_case, as in the YAML).
 * Defaults are segment-anything's `SamAutomaticMaskGenerator` defaults.
 */
export interface AmgOptions {
  /** Points per side of the prompt grid of layer 0; null when `point_grids` is given. */
  points_per_side: number | null
  /** Explicit grids, one per crop layer: lists of [x, y] in [0, 1]. Exclusive with points_per_side. */
  point_grids: number[][][] | null
  points_per_batch: number
  /** Keep every multimask output (SAM AMG: true); false uses the single-mask output. */
  multimask_output: boolean
  pred_iou_thresh: number
  stability_score_thresh: number
  stability_score_offset: number
  mask_threshold: number
  box_nms_thresh: number
  crop_n_layers: number
  crop_nms_thresh: number
  crop_overlap_ratio: number
  crop_n_points_downscale_factor: number
  min_mask_region_area: number
}

/** segment-anything's defaults (SAM 1, tuned for ViT-H). */
export const AMG_DEFAULTS: Readonly<AmgOptions> = {
  points_per_side: 32,
  point_grids: null,
  points_per_batch: 64,
  multimask_output: true,
  pred_iou_thresh: 0.88,
  stability_score_thresh: 0.95,
  stability_score_offset: 1.0,
  mask_threshold: 0.0,
  box_nms_thresh: 0.7,
  crop_n_layers: 0,
  crop_nms_thresh: 0.7,
  crop_overlap_ratio: 512 / 1500,
  crop_n_points_downscale_factor: 1,
  min_mask_region_area: 0,
}
