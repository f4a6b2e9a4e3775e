import { writeFileSync } from 'node:fs'
import { mulberry32, tempDir } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { generateCropBoxes } from '../../src/amg/crops.js'
import { generateMasks, pointGridsFor } from '../../src/amg/generator.js'
import { pasteMask } from '../../src/amg/mask-record.js'
import { AMG_DEFAULTS, type AmgOptions } from '../../src/amg/options.js'
import type { EncodedCrop, MaskPredictor } from '../../src/amg/predictor.js'
import { maskToRle } from '../../src/amg/rle.js'
import { amgReference, runWith } from '../python.js'
import { SAM_REFERENCE } from './sam-reference.js'

const LOW = 32 // low-res logit side (SAM: 256; smaller keeps the fixed outputs small, the algorithm is the same)
const IOUS = [0.8, 0.85, 0.86, 0.88, 0.9, 0.93, 0.95].map(Math.fround)

/**
 * Fixed decoder outputs: for each crop and each of its prompt points, 3 integer low-res logit
 * planes (discs around the point, with some holes, islands and noise) and predicted IoUs drawn
 * from a few values (ties, and values equal to the threshold). Image and crop sizes make every
 * bilinear weight a power-of-two fraction, so the upsampled logits are exact in float32 and both
 * implementations binarise identically: the comparison is exact, not within a tolerance.
 */
function fixedOutputs(H: number, W: number, opts: AmgOptions, seed: number): { logits: Float32Array[]; ious: Float32Array[] } {
  const r = mulberry32(seed)
  const grids = pointGridsFor(opts)
  const logits: Float32Array[] = []
  const ious: Float32Array[] = []
  for (const { box, layer } of generateCropBoxes(H, W, opts.crop_n_layers, opts.crop_overlap_ratio)) {
    const [cw, ch] = [box[2] - box[0], box[3] - box[1]]
    const s = 1024 / Math.max(cw, ch) / (1024 / LOW) // crop px → low-res cells
    const n = grids[layer]!.length / 2
    const l = new Float32Array(n * 3 * LOW * LOW)
    const iou = new Float32Array(n * 3)
    for (let p = 0; p < n; p++) {
      const [px, py] = [grids[layer]![2 * p]! * cw * s, grids[layer]![2 * p + 1]! * ch * s]
      for (let k = 0; k < 3; k++) {
        const rad = 1.5 + (k + r()) * 3
        const hole = r() < 0.3 ? rad * 0.3 : 0
        const island = r() < 0.3 ? [r() * LOW, r() * LOW, 0.6 + r()] : null
        const o = (p * 3 + k) * LOW * LOW
        for (let y = 0; y < LOW; y++) {
          for (let x = 0; x < LOW; x++) {
            const d = Math.hypot(x + 0.5 - px, y + 0.5 - py)
            let v = Math.round(Math.min(rad - d, hole ? d - hole : Infinity) * 2)
            if (island && Math.hypot(x - island[0]!, y - island[1]!) < island[2]!) v = 3
            if (r() < 0.03) v += r() < 0.5 ? -2 : 2
            l[o + y * LOW + x] = Math.max(-8, Math.min(8, v))
          }
        }
        iou[p * 3 + k] = IOUS[Math.floor(r() * IOUS.length)]!
      }
    }
    logits.push(l)
    ious.push(iou)
  }
  return { logits, ious }
}

/** A predictor that returns the fixed outputs, crop by crop, batch by batch. */
function fixedPredictor(out: { logits: Float32Array[]; ious: Float32Array[] }): MaskPredictor {
  let crop = 0
  return {
    async encode(image) {
      const [ch, cw] = image.shape
      const c = crop++
      let next = 0
      const scale = 1024 / Math.max(ch, cw)
      const enc: EncodedCrop = {
        plan: { kind: 'resize-pad', padSize: 1024, validH: Math.floor(ch * scale + 0.5), validW: Math.floor(cw * scale + 0.5), outH: ch, outW: cw },
        async predict(_points, n) {
          const start = next
          next += n
          return { iou: out.ious[c]!.slice(3 * start, 3 * (start + n)), logits: out.logits[c]!.slice(3 * start * LOW * LOW, 3 * (start + n) * LOW * LOW), k: 3, lh: LOW, lw: LOW }
        },
      }
      return enc
    },
  }
}

const cases: { name: string; H: number; W: number; opts: Partial<AmgOptions> }[] = [
  { name: 'one crop layer, SAM defaults otherwise, low thresholds', H: 128, W: 256, opts: { points_per_side: 4, crop_n_layers: 1, crop_overlap_ratio: 0, crop_n_points_downscale_factor: 2, pred_iou_thresh: 0.86, stability_score_thresh: 0.6 } },
  { name: 'small-region clean-up (holes and islands below 40 px)', H: 256, W: 256, opts: { points_per_side: 6, pred_iou_thresh: 0.84, stability_score_thresh: 0.5, min_mask_region_area: 40 } },
  { name: 'clean-up above most masks\' size (all islands small: the largest stays)', H: 256, W: 256, opts: { points_per_side: 6, pred_iou_thresh: 0, stability_score_thresh: 0, min_mask_region_area: 300 } },
  { name: 'crops and clean-up, small batches', H: 256, W: 256, opts: { points_per_side: 4, points_per_batch: 5, crop_n_layers: 1, crop_overlap_ratio: 0, pred_iou_thresh: 0, stability_score_thresh: 0, min_mask_region_area: 25, box_nms_thresh: 0.5 } },
]

describe('the whole generator against a Python reference of SAM\'s algorithm on fixed decoder outputs', () => {
  for (const [i, c] of cases.entries()) {
    it(`${c.name}${amgReference.note}`, { skip: !amgReference.available }, async () => {
      const opts = { ...AMG_DEFAULTS, ...c.opts }
      const out = fixedOutputs(c.H, c.W, opts, 40 + i)
      const records = await generateMasks({ data: new Uint8Array(c.H * c.W * 3), shape: [c.H, c.W, 3] }, fixedPredictor(out), opts)
      const mine = records.map((m) => ({
        box: m.box, area: m.area, iou: m.predictedIou, stability: Number.isNaN(m.stabilityScore) ? null : m.stabilityScore, point: m.point, crop: m.cropBox,
        rle: maskToRle(pasteMask(m, c.W, new Uint8Array(c.H * c.W)), c.H, c.W).counts,
      }))
      const dir = tempDir('sam-parity')
      try {
        const files = out.logits.map((l, k) => {
          const f = dir.path(`logits-${k}.f32`)
          writeFileSync(f, l)
          return f
        })
        const ref = runWith(amgReference, SAM_REFERENCE, { H: c.H, W: c.W, opts, low: LOW, files, ious: out.ious.map((a) => Array.from(a)) }) as typeof mine
        expect(mine.length).toBeGreaterThan(3)
        expect(mine).toEqual(ref)
      } finally {
        dir.cleanup()
      }
    })
  }
})
