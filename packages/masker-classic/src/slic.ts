import { segmentationSize, type Segmentation } from './felzenszwalb.js'
import { enforceConnectivity } from './kernels/enforce-connectivity.js'
import { resizeArea } from './kernels/resize-area.js'
import { rgbToLab } from './kernels/rgb-to-lab.js'
import { initialCentres, slicCluster } from './kernels/slic-cluster.js'
import { upsampleLabels } from './kernels/upsample-labels.js'

/** Parameters of SLIC superpixels. */
export interface SlicParams {
  /** Approximate number of superpixels. */
  n_segments: number
  /** Compactness m: weight of the xy distance (in units of the grid step S) against the Lab distance. */
  compactness: number
  /** Iterations of the local k-means (fewer when no label changes). */
  max_iter: number
  /** Make every superpixel 4-connected and merge those below min_size_factor · N / K pixels. */
  enforce_connectivity: boolean
  /** Smallest superpixel, as a fraction of the mean size N / K (with enforce_connectivity). */
  min_size_factor: number
  /** Longest side the image is segmented at; larger images are area-downscaled first. 0 = never. */
  max_side: number
}

/** A SLIC segmentation, with the iterations the k-means ran. */
export interface SlicSegmentation extends Segmentation {
  iterations: number
}

/**
 * SLIC superpixels (Achanta et al., TPAMI 2012) of an H×W×3 uint8 image: CIELAB colour, grid
 * centres moved off edges, local k-means in 2S × 2S windows with the distance
 * d_lab² + (d_xy/S)²·m², then (optionally) connectivity enforcement. When the image's longer side
 * exceeds max_side it is segmented on an area-downscaled copy and the labels are upsampled with
 * nearest neighbour. Labels are 0..count−1, numbered in raster order at segmentation size.
 */
export function slic(rgb: Uint8Array, h: number, w: number, params: SlicParams): SlicSegmentation {
  const { size, scale } = segmentationSize(h, w, params.max_side)
  const [sh, sw] = size
  const lab = rgbToLab(scale === 1 ? rgb : resizeArea(rgb, h, w, 3, sh, sw), sh, sw)
  const k = Math.max(1, Math.min(params.n_segments, sh * sw))
  const { centres, step } = initialCentres(lab, sh, sw, k)
  const { labels: raw, iterations } = slicCluster(lab, sh, sw, centres, step, params.compactness, params.max_iter)
  const minSize = params.enforce_connectivity ? Math.floor((params.min_size_factor * sh * sw) / (centres.length / 5)) : 0
  // Without enforcement every centre's pixels are one label, connected or not; renumbered by first appearance.
  const { labels, count } = params.enforce_connectivity ? enforceConnectivity(raw, sh, sw, minSize) : renumber(raw)
  return { labels: scale === 1 ? labels : upsampleLabels(labels, sh, sw, h, w), count, segmentedSize: [sh, sw], scale, iterations }
}

/** Labels renumbered 0..count−1 by first appearance in raster order. */
function renumber(raw: Int32Array): { labels: Int32Array; count: number } {
  const map = new Map<number, number>()
  const labels = new Int32Array(raw.length)
  for (let i = 0; i < raw.length; i++) {
    let l = map.get(raw[i]!)
    if (l === undefined) map.set(raw[i]!, (l = map.size))
    labels[i] = l
  }
  return { labels, count: map.size }
}
