import { gaussianBlur } from './kernels/gaussian-blur.js'
import { reassignEdgeStrips } from './kernels/edge-strips.js'
import { buildGridGraph } from './kernels/grid-graph.js'
import { mergeSmallComponents } from './kernels/merge-small.js'
import { resizeArea } from './kernels/resize-area.js'
import { segmentGraph } from './kernels/segment-graph.js'
import { sortEdges } from './kernels/sort-edges.js'
import { upsampleLabels } from './kernels/upsample-labels.js'

/** Parameters of Felzenszwalb–Huttenlocher segmentation. */
export interface FelzenszwalbParams {
  /** Gaussian smoothing σ in pixels of the segmented image. */
  sigma: number
  /** Scale parameter k of τ(C) = k/|C|. */
  k: number
  /** Smallest component size, in pixels of the segmented image. */
  min_size: number
  /** Longest side the image is segmented at; larger images are area-downscaled first. 0 = never. */
  max_side: number
  /**
   * `reassign`: move the parts of segments less than 3 px wide (edge strips left by smoothing) to
   * the nearby segment of nearest unsmoothed colour (`reassignEdgeStrips`); `keep`: the reference
   * code's output unchanged.
   */
  edge_strips: 'reassign' | 'keep'
}

/** A segmentation: one label per image pixel. */
export interface Segmentation {
  /** H×W labels 0..count−1, numbered by first appearance in raster order at segmentation size. */
  labels: Int32Array
  count: number
  /** Size [h, w] the graph was built at, and its scale relative to the image (1 = full size). */
  segmentedSize: [h: number, w: number]
  scale: number
}

/** The size an H×W image is segmented at under `max_side`, and the scale factor. */
export function segmentationSize(h: number, w: number, maxSide: number): { size: [number, number]; scale: number } {
  const long = Math.max(h, w)
  if (maxSide <= 0 || long <= maxSide) return { size: [h, w], scale: 1 }
  const scale = maxSide / long
  return { size: [Math.max(1, Math.round(h * scale)), Math.max(1, Math.round(w * scale))], scale }
}

/**
 * Felzenszwalb–Huttenlocher efficient graph-based segmentation (IJCV 2004) of an H×W×3 uint8 image,
 * matching the authors' reference code: Gaussian smoothing, the 8-connected grid graph weighted by
 * RGB distance, edges in ascending (weight, index) order, merging under τ(C) = k/|C|, then joining
 * components smaller than min_size. When the image's longer side exceeds max_side it is segmented
 * on an area-downscaled copy and the labels are upsampled with nearest neighbour. With
 * `edge_strips: 'reassign'` the thin parts of segments are then reassigned by unsmoothed colour
 * (at the segmented size, before upsampling).
 */
export function felzenszwalb(rgb: Uint8Array, h: number, w: number, params: FelzenszwalbParams): Segmentation {
  const { size, scale } = segmentationSize(h, w, params.max_side)
  const [sh, sw] = size
  const src = scale === 1 ? rgb : resizeArea(rgb, h, w, 3, sh, sw)
  const smooth = gaussianBlur(src, sh, sw, 3, params.sigma)
  const edges = sortEdges(buildGridGraph(smooth, sh, sw))
  const sets = segmentGraph(sh * sw, edges, params.k)
  mergeSmallComponents(sets, edges, params.min_size)
  let { labels, count } = sets.labels()
  if (params.edge_strips === 'reassign') ({ labels, count } = reassignEdgeStrips(labels, count, src, sh, sw))
  return {
    labels: scale === 1 ? labels : upsampleLabels(labels, sh, sw, h, w),
    count,
    segmentedSize: [sh, sw],
    scale,
  }
}
