import { mulberry32 } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { resizeBilinear, upsampleLogits } from '../../src/amg/upsample.js'
import { runWith, torch } from '../python.js'

/** Bilinear at one output pixel straight from the definition (align_corners false, float64). */
function naiveAt(src: Float32Array, sh: number, sw: number, dh: number, dw: number, y: number, x: number): number {
  const sy = Math.max(0, ((y + 0.5) * sh) / dh - 0.5)
  const sx = Math.max(0, ((x + 0.5) * sw) / dw - 0.5)
  const [y0, x0] = [Math.min(Math.floor(sy), sh - 1), Math.min(Math.floor(sx), sw - 1)]
  const [y1, x1] = [Math.min(y0 + 1, sh - 1), Math.min(x0 + 1, sw - 1)]
  const [ly, lx] = [sy - y0, sx - x0]
  const v = (yy: number, xx: number) => src[yy * sw + xx]!
  return (1 - ly) * ((1 - lx) * v(y0, x0) + lx * v(y0, x1)) + ly * ((1 - lx) * v(y1, x0) + lx * v(y1, x1))
}

describe('bilinear upsampling of logits', () => {
  it('matches the per-pixel definition, also for a cropped corner and for downscaling', () => {
    const r = mulberry32(9)
    const src = Float32Array.from({ length: 7 * 9 }, () => r() * 10 - 5)
    for (const [dh, dw, oh, ow] of [[20, 31, 20, 31], [32, 32, 17, 25], [4, 5, 4, 5]] as const) {
      const out = resizeBilinear(src, 7, 9, dh, dw, oh, ow)
      for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) expect(out[y * ow + x]).toBeCloseTo(naiveAt(src, 7, 9, dh, dw, y, x), 4)
    }
  })

  it(`equals SAM's postprocess_masks (F.interpolate to 1024², crop, F.interpolate to the image) in torch${torch.note}`, { skip: !torch.available }, () => {
    const r = mulberry32(10)
    const low = Float32Array.from({ length: 256 * 256 }, () => Math.fround(r() * 40 - 20))
    // A 968×1296 image: resized to 765×1024 (SAM's ResizeLongestSide: ⌊968·1024/1296 + 0.5⌋).
    const plans = [
      { kind: 'resize-pad', padSize: 1024, validH: 765, validW: 1024, outH: 968, outW: 1296 },
      { kind: 'resize-pad', padSize: 1024, validH: 1024, validW: 683, outH: 300, outW: 200 },
      { kind: 'direct', outH: 480, outW: 640 },
    ] as const
    const ref = runWith(torch, `
import torch, torch.nn.functional as F
def up(low, p):
    if p['kind'] == 'direct':
        m = F.interpolate(low, (p['outH'], p['outW']), mode='bilinear', align_corners=False)
    else:
        m = F.interpolate(low, (p['padSize'], p['padSize']), mode='bilinear', align_corners=False)
        m = m[..., :p['validH'], :p['validW']]
        m = F.interpolate(m, (p['outH'], p['outW']), mode='bilinear', align_corners=False)
    return m.reshape(-1)
low = torch.tensor(inp['low'], dtype=torch.float32).reshape(1, 1, 256, 256)
out = []
for p in inp['plans']:
    m = up(low, p)
    # Samples, plus the binarisation SAM applies (count of logits > 0) over the whole plane.
    idx = torch.arange(0, m.numel(), 997)
    out.append({'samples': m[idx].tolist(), 'positive': int((m > 0).sum()), 'nearZero': int((m.abs() < 1e-3).sum())})
print(json.dumps(out))`, { low: Array.from(low), plans }) as { samples: number[]; positive: number; nearZero: number }[]
    plans.forEach((plan, i) => {
      const out = upsampleLogits(low, 256, 256, plan)
      // Source positions are float32 (as in torch); one ulp of a position (1.5e-5 px near index
      // 200) times these logits' slope (~40 per low-res pixel) moves a value by ~6e-4, and torch's
      // own float32 and float64 results differ by 5e-4 here. So: 1e-3, on logits of ±20.
      ref[i]!.samples.forEach((v, k) => expect(Math.abs(out[k * 997]! - v), `plan ${i} sample ${k}`).toBeLessThan(1e-3))
      // Only logits within the rounding band of 0 may binarise differently.
      expect(Math.abs(out.filter((v) => v > 0).length - ref[i]!.positive), `plan ${i}`).toBeLessThanOrEqual(ref[i]!.nearZero)
    })
  })
})
