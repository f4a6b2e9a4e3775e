import { PlafError, type Diagnostic, type RgbImage } from '@plaf/core'
import { mulberry32 } from '@plaf/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { ClassifierPool } from '../../src/amg/classify-pool.js'
import { generateMasks } from '../../src/amg/generator.js'
import { AMG_DEFAULTS, type AmgOptions } from '../../src/amg/options.js'
import type { MaskPredictor } from '../../src/amg/predictor.js'
import { LogitUpsampler } from '../../src/amg/upsample-window.js'

const LOW = 64
const H = 150
const W = 200

/** Decoder outputs: per prompt 3 noisy float logit discs around the point (radii 3–20 cells), IoUs from a few values. */
function outputs(n: number, seed: number): { logits: Float32Array; iou: Float32Array } {
  const r = mulberry32(seed)
  const logits = new Float32Array(n * 3 * LOW * LOW)
  const iou = new Float32Array(n * 3)
  for (let p = 0; p < n; p++) {
    const [px, py] = [r() * LOW, r() * LOW * 0.75]
    for (let k = 0; k < 3; k++) {
      const rad = 3 + (k + r()) * 6
      const o = (p * 3 + k) * LOW * LOW
      for (let i = 0; i < LOW * LOW; i++) logits[o + i] = (rad - Math.hypot((i % LOW) - px, Math.floor(i / LOW) - py)) * (1 + r()) + r() - 0.5
      iou[p * 3 + k] = [0.8, 0.9, 0.95][Math.floor(r() * 3)]!
    }
  }
  return { logits, iou }
}

/**
 * A predictor returning `out` batch by batch (one crop); `edit` may change a batch before it is
 * returned. `lent`: the logits go into the buffer the generator lends when they fit (as the ONNX
 * predictor does), and each lent buffer is recorded there.
 */
function predictor(out: { logits: Float32Array; iou: Float32Array }, edit?: (b: { logits: Float32Array; iou: Float32Array }, start: number) => void, lent?: Float32Array[]): MaskPredictor {
  return {
    name: 'fake-sam@1.0.0',
    async encode(image) {
      const [ch, cw] = image.shape
      const scale = 1024 / Math.max(ch, cw)
      let next = 0
      return {
        plan: { kind: 'resize-pad', padSize: 1024, validH: Math.floor(ch * scale + 0.5), validW: Math.floor(cw * scale + 0.5), outH: ch, outW: cw },
        async predict(_points, n, into) {
          const start = next
          next += n
          const b: { iou: Float32Array; logits: Float32Array } = { iou: out.iou.slice(3 * start, 3 * (start + n)), logits: out.logits.slice(3 * start * LOW * LOW, 3 * (start + n) * LOW * LOW) }
          edit?.(b, start)
          if (lent && into) {
            lent.push(into)
            if (into.length >= b.logits.length) {
              into.set(b.logits)
              b.logits = into.subarray(0, b.logits.length)
            }
          }
          return { ...b, k: 3, lh: LOW, lw: LOW }
        },
      }
    },
  }
}

const image: RgbImage = { data: new Uint8Array(H * W * 3), shape: [H, W, 3] }
const opts: AmgOptions = { ...AMG_DEFAULTS, points_per_side: 7, points_per_batch: 40, pred_iou_thresh: 0.85, stability_score_thresh: 0.8, min_mask_region_area: 30 }
const pools = [new ClassifierPool(2, 48), new ClassifierPool(3)]
afterAll(() => Promise.all(pools.map((p) => p.close())))

async function diagnostics(p: Promise<unknown>): Promise<Diagnostic[]> {
  try {
    await p
  } catch (e) {
    if (e instanceof PlafError) return e.diagnostics
    throw e
  }
  throw new Error('expected a PlafError')
}

describe('mask classification on several threads', () => {
  it('gives the same records on 1, 2 (shared chunks of 48 planes) and 3 threads (whole batches of up to 120 planes)', async () => {
    const out = outputs(49, 7)
    const one = await generateMasks(image, predictor(out), opts)
    expect(one.length).toBeGreaterThan(5)
    for (const pool of pools) {
      const many = await generateMasks(image, predictor(out), opts, undefined, pool)
      expect(many, `${pool.threads} threads`).toEqual(one)
    }
  })

  it('gives the same records when the logits come in the shared buffer the generator lends (read in place by every thread)', async () => {
    const out = outputs(49, 7)
    const one = await generateMasks(image, predictor(out), opts)
    for (const threads of [1, 2, 3]) {
      const pool = new ClassifierPool(threads, 48)
      try {
        for (const image_ of [1, 2]) {
          const lent: Float32Array[] = []
          const many = await generateMasks(image, predictor(out, undefined, lent), opts, undefined, pool)
          expect(many, `${threads} threads, image ${image_}`).toEqual(one)
          // the first image: the second batch (prompts 40–48) came in the buffer lent after the first;
          // the next image: both batches, in the buffer the pool kept (a SharedArrayBuffer of the first batch's size)
          expect(lent.length).toBe(image_)
          expect(lent.every((b) => b === pool.logitsBuffer)).toBe(true)
          expect(pool.logitsBuffer!.buffer).toBeInstanceOf(SharedArrayBuffer)
          expect(pool.logitsBuffer!.length).toBe(40 * 3 * LOW * LOW)
        }
      } finally {
        await pool.close()
      }
      expect(pool.logitsBuffer).toBeUndefined()
    }
  })

  it('rejects a thread count or chunk below 1', () => {
    expect(() => new ClassifierPool(0)).toThrow('threads must be an integer ≥ 1, got 0')
    expect(() => new ClassifierPool(2, 0)).toThrow('chunk must be an integer ≥ 1, got 0')
  })
})

describe('non-finite decoder outputs are refused, naming the model, the point and the place', () => {
  const out = outputs(49, 11)
  // The last prompt (48) is the grid's bottom-right point; batch 2 holds prompts 40–48.
  const usedH = new LogitUpsampler(LOW, LOW, { kind: 'resize-pad', padSize: 1024, validH: 768, validW: 1024, outH: H, outW: W }).usedH
  const at = (value: number, plane: number, row: number, col: number) => (b: { logits: Float32Array }, start: number) => {
    if (start === 40) b.logits[(plane - 3 * start) * LOW * LOW + row * LOW + col] = value
  }
  // A mask of prompt 48 (planes 144–146) that passes the IoU filter, and one that does not.
  const kept = [146, 145, 144].find((p) => out.iou[p]! > 0.85)
  const dropped = [144, 145, 146].find((p) => !(out.iou[p]! > 0.85))
  const point = '(185.71428571428572, 139.28571428571428)'

  for (const [threads, lend] of [[1, false], [2, false], [1, true], [2, true]] as const) {
    const pool = threads === 1 ? undefined : pools[0]
    for (const [name, value] of [['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]] as const) {
      it(`${name} in a low-res plane the generator reads (${threads} thread(s)${lend ? ', logits in the lent shared buffer' : ''})`, async () => {
        expect(kept).toBeDefined()
        const d = await diagnostics(generateMasks(image, predictor(out, at(value, kept!, 30, 17), lend ? [] : undefined), opts, undefined, pool))
        expect(d).toEqual([{
          code: 'PLAF_MODEL_RUN_FAILED', severity: 'error',
          message: `sam: model fake-sam@1.0.0: the mask decoder returned ${name} at row 30, column 17 of its 64×64 low-res logits for the point ${point} (prompt 48 of crop [0, 0, 200, 150]), mask ${kept! - 144}; a decoder must return finite IoUs and logits`,
          hint: 'check the model export (plaf models info) and its inputs; a NaN usually means a broken or mismatched export',
        }])
      })
    }
  }

  it('NaN in a plane of the second shared chunk names that plane\'s prompt and mask (2 threads, chunks of 48)', async () => {
    // Batch 0 holds prompts 0–39 (planes 0–119); the 49th plane the IoU filter keeps is in the second chunk.
    const keptPlanes = Array.from({ length: 120 }, (_, i) => i).filter((i) => out.iou[i]! > 0.85)
    expect(keptPlanes.length).toBeGreaterThan(48)
    const p = keptPlanes[50]!
    const nan = (b: { logits: Float32Array }, start: number) => void (start === 0 && (b.logits[p * LOW * LOW + 20 * LOW + 9] = NaN))
    const d = await diagnostics(generateMasks(image, predictor(out, nan), opts, undefined, pools[0]))
    expect(d[0]!.code).toBe('PLAF_MODEL_RUN_FAILED')
    expect(d[0]!.message).toContain(`returned NaN at row 20, column 9 of its 64×64 low-res logits for the point (`)
    expect(d[0]!.message).toContain(`(prompt ${Math.floor(p / 3)} of crop [0, 0, 200, 150]), mask ${p % 3};`)
  })

  it('a NaN predicted IoU', async () => {
    const d = await diagnostics(generateMasks(image, predictor(out, (b, start) => void (start === 40 && (b.iou[3 * 8 + 1] = NaN))), opts))
    expect(d[0]!.code).toBe('PLAF_MODEL_RUN_FAILED')
    expect(d[0]!.message).toContain(`returned the predicted IoU NaN for the point ${point} (prompt 48 of crop [0, 0, 200, 150]), mask 1;`)
  })

  it('no refusal for values nothing reads: the padding rows below the image, and masks the IoU filter drops', async () => {
    const clean = await generateMasks(image, predictor(out), opts)
    expect(usedH).toBeLessThan(LOW)
    const padded = await generateMasks(image, predictor(out, at(NaN, kept!, usedH, 3)), opts)
    expect(padded).toEqual(clean)
    expect(dropped).toBeDefined()
    expect(await generateMasks(image, predictor(out, at(NaN, dropped!, 30, 17)), opts)).toEqual(clean)
  })
})
