import type { MaskSet, PluginContext, RunContext } from '@plaf/core'
import type { Segmentation } from './felzenszwalb.js'
import { labelsToMasks } from './kernels/labels-to-masks.js'

/**
 * The per-frame run of a segmentation masker (felzenszwalb, slic): segments the frame with
 * `segment`, logs once per frame size at which size it segmented (max_side), and returns one
 * disjoint mask per segment; `metrics` picks extra per-frame figures from the segmentation.
 */
export function segmentationRun<O extends { max_side: number }, S extends Segmentation>(
  name: string,
  segment: (rgb: Uint8Array, h: number, w: number, opts: O) => S,
  opts: O,
  ctx: PluginContext,
  metrics: (seg: S) => Record<string, number> = () => ({}),
): (inputs: { frame: { rgb: { data: Uint8Array; shape: [number, number, number] } } }, rc: RunContext) => { masks: MaskSet } {
  const reported = new Set<string>()
  return ({ frame }, rc) => {
    const [h, w] = frame.rgb.shape
    const seg = segment(frame.rgb.data, h, w, opts)
    const key = `${h}×${w}`
    if (!reported.has(key)) {
      reported.add(key)
      const [sh, sw] = seg.segmentedSize
      ctx.log(seg.scale === 1 ? `${name}: ${key} frames segmented at full size` : `${name}: ${key} frames segmented at ${sh}×${sw} (scale ${seg.scale.toFixed(4)}, max_side ${opts.max_side})`)
    }
    const masks = labelsToMasks(seg.labels, h, w, seg.count)
    rc.metric('masks', masks.masks.length)
    for (const [k, v] of Object.entries(metrics(seg))) rc.metric(k, v)
    return { masks }
  }
}
