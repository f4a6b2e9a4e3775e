import { pythonCheck } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { argmaxLabels, otsuThreshold, relevancy, softmaxOverQueries } from '../../src/kernels/scoring.js'
import { rowBoxes } from '../../src/kernels/boxes.js'
import { prng } from '../fixtures.js'

const numpy = pythonCheck(['numpy'], ['python3-numpy'])

describe('score modes (hand-computed)', () => {
  it('softmax over the queries, per row, at temperature τ', () => {
    // 2 queries × 3 rows; row 2 is invalid. τ = 0.5: logits 2·c.
    const cos = new Float32Array([0.5, 0, 0.9, /* q1 */ 0, 0, 0.1])
    const out = softmaxOverQueries(cos, 2, 3, 0.5, new Uint8Array([1, 1, 0]))
    const e = Math.exp(1) // row 0: exp(1) / (exp(1) + exp(0))
    expect(out[0]).toBeCloseTo(e / (e + 1), 6)
    expect(out[3]).toBeCloseTo(1 / (e + 1), 6)
    expect([out[1], out[4]]).toEqual([0.5, 0.5]) // equal cosines split evenly
    expect([out[2], out[5]]).toEqual([0, 0]) // invalid row
    expect(Array.from(softmaxOverQueries(new Float32Array([0.3, -0.2]), 1, 2, 0.1, new Uint8Array([1, 1])))).toEqual([1, 1])
  })

  it('LERF relevancy: min over negatives of exp(c_q/τ) / (exp(c_q/τ) + exp(c_n/τ))', () => {
    // 1 query, 2 negatives, 2 rows, τ = 0.1.
    const q = new Float32Array([0.3, 0.1])
    const neg = new Float32Array([0.2, 0.1, /* n1 */ 0.25, 0.3])
    const out = relevancy(q, 1, neg, 2, 2, 0.1, new Uint8Array([1, 1]))
    const pair = (cq: number, cn: number) => Math.exp(cq / 0.1) / (Math.exp(cq / 0.1) + Math.exp(cn / 0.1))
    expect(out[0]).toBeCloseTo(Math.min(pair(0.3, 0.2), pair(0.3, 0.25)), 6) // = pair(0.3, 0.25) = 1 / (1 + e^-0.5)
    expect(out[0]).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 6)
    expect(out[1]).toBeCloseTo(1 / (1 + Math.exp(2)), 6) // the worst negative (0.3) beats the query (0.1)
    expect(Array.from(relevancy(q, 1, new Float32Array(0), 0, 2, 0.1, new Uint8Array([1, 0])))).toEqual([1, 0])
  })

  it('argmax labels with the background rule', () => {
    // 2 labels × 4 rows: row 0 invalid, row 3 below the threshold.
    const s = new Float32Array([0, 0.9, 0.2, 0.3, /* l1 */ 0, 0.1, 0.8, 0.35])
    const { labels, best } = argmaxLabels(s, 2, 4, new Uint8Array([0, 1, 1, 1]), 0.5)
    expect(Array.from(labels)).toEqual([0, 1, 2, 0])
    expect(Array.from(best)).toEqual([0, Math.fround(0.9), Math.fround(0.8), Math.fround(0.35)])
  })

  it('boxes and pixel counts of an id map', () => {
    // 4×3 map:  1 1 0 2 / 0 1 0 2 / 0 0 0 2
    const ids = new Uint16Array([1, 1, 0, 2, 0, 1, 0, 2, 0, 0, 0, 2])
    const { pixels, boxes } = rowBoxes(ids, 4, 4)
    expect(Array.from(pixels)).toEqual([6, 3, 3, 0])
    expect(Array.from(boxes)).toEqual([0, 0, 2, 2, 0, 0, 1, 1, 3, 0, 3, 2, -1, -1, -1, -1])
  })
})

describe('Otsu threshold', () => {
  it('splits two clusters between them and gives null without two distinct values', () => {
    const v = new Float32Array([0.1, 0.12, 0.11, 0.8, 0.82])
    const t = otsuThreshold(v)!
    expect(t).toBeGreaterThan(0.12)
    expect(t).toBeLessThanOrEqual(0.8)
    expect(otsuThreshold(new Float32Array([0.3, 0.3]))).toBeNull()
    expect(otsuThreshold(new Float32Array([0.1, 0.9]), [1, 0])).toBeNull() // the only other value has no weight
  })

  it.skipIf(!numpy.available)(`equals a numpy reference (weighted histogram, between-class variance)${numpy.note}`, () => {
    const rand = prng(5)
    const v = Float32Array.from({ length: 500 }, (_, i) => (i % 3 === 0 ? 0.6 + rand() * 0.3 : rand() * 0.4))
    const w = Array.from({ length: 500 }, () => Math.floor(rand() * 50))
    const got = numpy.json(`import sys, json, numpy as np
d = json.loads(sys.argv[1]); v = np.array(d['v'], dtype=np.float32).astype(np.float64); w = np.array(d['w'], dtype=np.float64)
keep = w > 0; lo, hi = v[keep].min(), v[keep].max(); bins = 256; width = (hi - lo) / bins
idx = np.minimum(bins - 1, np.floor((v[keep] - lo) / width).astype(int))
hist = np.bincount(idx, weights=w[keep], minlength=bins)
centres = lo + (np.arange(bins) + 0.5) * width
w0 = np.cumsum(hist)[:-1]; s0 = np.cumsum(hist * centres)[:-1]; w1 = hist.sum() - w0; s1 = (hist * centres).sum() - s0
with np.errstate(divide='ignore', invalid='ignore'):
    var = np.where((w0 > 0) & (w1 > 0), w0 * w1 * (s0 / w0 - s1 / w1) ** 2, -1)
print(json.dumps(float(lo + (int(np.argmax(var)) + 1) * width)))`, [JSON.stringify({ v: Array.from(v), w })]) as number
    expect(otsuThreshold(v, w)).toBeCloseTo(got, 9)
  })
})
