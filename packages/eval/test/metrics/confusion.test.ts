import { describe, expect, it } from 'vitest'
import { mulberry32 as prng } from '@plaf/core'
import { accumulateConfusion, confusionMatrix, emptyConfusion, mapIds, segmentationScores, sumConfusion } from '../../src/index.js'

/**
 * The oracle: the same scores counted straight from the samples with plain arrays, one class
 * at a time, with no confusion matrix (a different route to the same definitions).
 */
function naiveScores(gt: number[], pred: number[], k: number) {
  const inSet = (v: number) => Number.isInteger(v) && v >= 0 && v < k
  const per = []
  let samples = 0, tpAll = 0, ignored = 0, outside = 0
  for (let i = 0; i < gt.length; i++) {
    if (!inSet(gt[i])) ignored++
    else {
      samples++
      if (!inSet(pred[i])) outside++
      if (gt[i] === pred[i]) tpAll++
    }
  }
  for (let c = 0; c < k; c++) {
    let tp = 0, fp = 0, fn = 0
    for (let i = 0; i < gt.length; i++) {
      if (!inSet(gt[i])) continue
      if (gt[i] === c && pred[i] === c) tp++
      else if (gt[i] === c) fn++
      else if (pred[i] === c) fp++
    }
    const support = tp + fn
    per.push({ support, iou: support ? tp / (tp + fp + fn) : null, acc: support ? tp / support : null, predicted: tp + fp })
  }
  const present = per.filter((p) => p.support > 0)
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null)
  return {
    per,
    miou: mean(present.map((p) => p.iou as number)),
    macc: mean(present.map((p) => p.acc as number)),
    fmiou: present.length ? present.reduce((a, p) => a + p.support * (p.iou as number), 0) / samples : null,
    oacc: samples ? tpAll / samples : null,
    samples, ignored, outside,
  }
}

describe('confusion matrix and scores', () => {
  it('match a hand-computed 3-class example (outside-set prediction, ignored ground truth)', () => {
    // g0: 2 right, 1 as class 1; g1: 1 right, 1 predicted 5 (outside); g2: 3 right, 1 as class 0; one gt 9 ignored
    const gt = [0, 0, 0, 1, 1, 2, 2, 2, 2, 9]
    const pred = [0, 0, 1, 1, 5, 2, 2, 0, 2, 0]
    const cm = confusionMatrix(gt, pred, 3)
    expect(Array.from(cm.counts)).toEqual([
      2, 1, 0, 0,
      0, 1, 0, 1,
      1, 0, 3, 0,
    ])
    expect(cm.ignored).toBe(1)
    const s = segmentationScores(cm)
    expect(s.classes.map((c) => c.iou)).toEqual([2 / 4, 1 / 3, 3 / 4])
    expect(s.classes.map((c) => c.acc)).toEqual([2 / 3, 1 / 2, 3 / 4])
    expect(s.classes.map((c) => c.support)).toEqual([3, 2, 4])
    expect(s.miou).toBeCloseTo(19 / 36, 15)
    expect(s.fmiou).toBeCloseTo(31 / 54, 15)
    expect(s.macc).toBeCloseTo(23 / 36, 15)
    expect(s.oacc).toBeCloseTo(2 / 3, 15)
    expect(s).toMatchObject({ absent: [], samples: 9, ignored: 1, outsidePredictions: 1 })
  })

  it('mark a class absent from the ground truth and leave it out of the means, its false positives still counted', () => {
    const s = segmentationScores(confusionMatrix([0, 0, 1, 1], [0, 2, 1, 1], 3))
    expect(s.absent).toEqual([2])
    expect(s.classes[2]).toEqual({ index: 2, iou: null, acc: null, support: 0, predicted: 1, tp: 0 })
    expect(s.classes[0].iou).toBe(1 / 2) // the vertex predicted as the absent class is class 0's miss
    expect(s.miou).toBe(0.75)
    expect(s.macc).toBe(0.75)
    expect(s.fmiou).toBe((2 * 0.5 + 2 * 1) / 4)
  })

  it('give null means when nothing is scored', () => {
    const s = segmentationScores(confusionMatrix([7, 7], [0, 1], 2))
    expect(s).toMatchObject({ miou: null, fmiou: null, macc: null, oacc: null, absent: [0, 1], samples: 0, ignored: 2 })
  })

  it('agree with the naive per-class count on random cases (outside-set and ignored samples included)', () => {
    const rand = prng(42)
    for (let trial = 0; trial < 50; trial++) {
      const k = 1 + Math.floor(rand() * 12)
      const n = Math.floor(rand() * 400)
      // ids from -1 to k+1: -1 and ≥ k are outside the set (ignored as ground truth, misses as predictions)
      const gt = Array.from({ length: n }, () => Math.floor(rand() * (k + 3)) - 1)
      const pred = gt.map((g) => (rand() < 0.5 ? g : Math.floor(rand() * (k + 3)) - 1))
      const s = segmentationScores(confusionMatrix(Int32Array.from(gt), Int16Array.from(pred), k))
      const o = naiveScores(gt, pred, k)
      s.classes.forEach((c, i) => {
        expect(c.support).toBe(o.per[i].support)
        expect(c.predicted).toBe(o.per[i].predicted)
        if (o.per[i].iou === null) expect(c.iou).toBeNull()
        else expect(c.iou).toBeCloseTo(o.per[i].iou as number, 12)
        if (o.per[i].acc === null) expect(c.acc).toBeNull()
        else expect(c.acc).toBeCloseTo(o.per[i].acc as number, 12)
      })
      for (const key of ['miou', 'macc', 'fmiou', 'oacc'] as const) {
        if (o[key] === null) expect(s[key]).toBeNull()
        else expect(s[key]).toBeCloseTo(o[key] as number, 12)
      }
      expect([s.samples, s.ignored, s.outsidePredictions]).toEqual([o.samples, o.ignored, o.outside])
    }
  })

  it('score perfect predictions 1 and a cyclic relabelling 0', () => {
    const gt = Uint8Array.from({ length: 300 }, (_, i) => i % 5)
    expect(segmentationScores(confusionMatrix(gt, gt, 5)).miou).toBe(1)
    const shifted = gt.map((g) => (g + 1) % 5)
    expect(segmentationScores(confusionMatrix(gt, shifted, 5)).miou).toBe(0)
  })

  it('score a random shuffle of the labels near the analytic expectation p/(2 − p) per class', () => {
    // Shuffling the labels over the samples keeps each class's count n_c; the expected overlap is
    // n_c²/N, so IoU_c → (n_c²/N) / (2 n_c − n_c²/N) = p/(2 − p) with p = n_c/N.
    const rand = prng(7)
    const p = [0.5, 0.3, 0.15, 0.05]
    const n = 200_000
    const gt = new Uint8Array(n)
    let at = 0
    p.forEach((pc, c) => { for (let j = 0; j < pc * n; j++) gt[at++] = c })
    const shuffled = gt.slice()
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1))
      const t = shuffled[i]; shuffled[i] = shuffled[j]; shuffled[j] = t
    }
    const s = segmentationScores(confusionMatrix(gt, shuffled, 4))
    s.classes.forEach((c, i) => expect(c.iou).toBeCloseTo(p[i] / (2 - p[i]), 2))
    expect(s.miou).toBeCloseTo(p.reduce((a, pc) => a + pc / (2 - pc), 0) / 4, 2)
  })

  it('pool scenes into one matrix: the sum, not the mean of per-scene scores', () => {
    const a = confusionMatrix([0, 0, 1], [0, 1, 1], 2)
    const b = confusionMatrix([1, 1, 1, 1, 9], [1, 1, 1, 0, 1], 2)
    const pooled = sumConfusion([a, b])
    expect(Array.from(pooled.counts)).toEqual(Array.from(confusionMatrix([0, 0, 1, 1, 1, 1, 1, 9], [0, 1, 1, 1, 1, 1, 0, 1], 2).counts))
    expect(pooled.ignored).toBe(1)
    const s = segmentationScores(pooled)
    expect(s.classes[0].iou).toBe(1 / 3) // tp 1, fn 1, fp 1
    expect(() => sumConfusion([a, emptyConfusion(3)])).toThrow(/pool a 3-class matrix with a 2-class/)
    expect(() => accumulateConfusion(emptyConfusion(2), [0], [0, 1])).toThrow(/1 samples, predictions 2/)
  })

  it('map raw ids through a lookup table, unknown and out-of-range ids to -1', () => {
    const table = Uint16Array.from([255, 0, 255, 1]) // id 1 → class 0, id 3 → class 1
    expect(Array.from(mapIds([0, 1, 2, 3, 4, -1, 1.5], table, 2))).toEqual([-1, 0, -1, 1, -1, -1, -1])
  })
})
