import { createHash } from 'node:crypto'
import type { Frame, InputSource } from '@plaf/core'
import { resizeNearest } from '../scannet/resize.js'
import { scaleIntrinsics } from '../synthetic/camera.js'
import { resizeColor } from './images.js'

/**
 * A frame with its colour (and labels, nearest at pixel centres) resized to the depth size, and
 * the colour intrinsics scaled with the pixel-centre rule `c' = (c + 0.5)·s − 0.5`. For ScanNet
 * this is PLAF's reference preprocessing; the result's intrinsics then equal the depth camera's
 * (exactly for ScanNet's own files, to their 6 printed decimals).
 */
export async function colorToDepth(f: Frame): Promise<Frame> {
  if (!f.depth || !f.colorIntrinsics) return f
  const [dh, dw] = f.depth.shape
  const [h, w] = f.rgb.shape
  if (w === dw && h === dh) return f
  const c = await resizeColor({ data: f.rgb.data, width: w, height: h }, dw, dh)
  const out: Frame = { ...f, rgb: { data: c.data, shape: [dh, dw, 3] }, colorIntrinsics: scaleIntrinsics(f.colorIntrinsics, dw, dh) }
  if (f.labels) out.labels = { data: resizeNearest(f.labels.data, w, h, dw, dh), shape: [dh, dw] }
  return out
}

/** The same source, each frame passed through `colorToDepth`. */
export function withColorAtDepthSize<S extends InputSource>(src: S): S {
  return {
    ...src,
    identity: createHash('sha256').update(`${src.identity}\0color-to-depth`).digest('hex'),
    describe: `${src.describe}, colour resized to the depth size`,
    async *frames(from?: number) {
      for await (const f of src.frames(from)) yield await colorToDepth(f)
    },
  }
}
