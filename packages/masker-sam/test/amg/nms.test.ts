import { mulberry32 } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { nms } from '../../src/amg/nms.js'
import { runWith, torch } from '../python.js'

/** Textbook greedy NMS with an explicit stable argsort, IoU rounded to float32 as torchvision's float kernel holds it: the naive reference. */
function naiveNms(boxes: number[], scores: number[], thr: number): number[] {
  const idx = scores.map((_, i) => i).sort((a, b) => Math.fround(scores[b]!) - Math.fround(scores[a]!) || a - b)
  const area = (i: number) => (boxes[4 * i + 2]! - boxes[4 * i]!) * (boxes[4 * i + 3]! - boxes[4 * i + 1]!)
  const keep: number[] = []
  for (const i of idx) {
    const dup = keep.some((k) => {
      const w = Math.max(0, Math.min(boxes[4 * i + 2]!, boxes[4 * k + 2]!) - Math.max(boxes[4 * i]!, boxes[4 * k]!))
      const h = Math.max(0, Math.min(boxes[4 * i + 3]!, boxes[4 * k + 3]!) - Math.max(boxes[4 * i + 1]!, boxes[4 * k + 1]!))
      return Math.fround((w * h) / (area(i) + area(k) - w * h)) > thr
    })
    if (!dup) keep.push(i)
  }
  return keep
}

/** Integer boxes (as SAM's mask boxes are) with many duplicate scores and some degenerate boxes. */
function randomCase(seed: number, n: number): { boxes: number[]; scores: number[] } {
  const r = mulberry32(seed)
  const boxes: number[] = []
  const scores: number[] = []
  for (let i = 0; i < n; i++) {
    const x0 = Math.floor(r() * 60)
    const y0 = Math.floor(r() * 60)
    const degenerate = r() < 0.05
    boxes.push(x0, y0, degenerate ? x0 : x0 + Math.floor(r() * 40), y0 + Math.floor(r() * 40))
    scores.push(Math.round(r() * 8) / 8) // few distinct values: many ties
  }
  return { boxes, scores }
}

describe('nms', () => {
  it('hand-worked: the better of two overlapping boxes wins; IoU exactly at the threshold keeps both', () => {
    // Boxes 0–10 and 5–15 on x, same y: IoU = 50/150 = 1/3.
    const boxes = [0, 0, 10, 10, 5, 0, 15, 10, 100, 100, 110, 110]
    expect(Array.from(nms(boxes, [0.5, 0.9, 0.1], 0.3))).toEqual([1, 2])
    expect(Array.from(nms(boxes, [0.5, 0.9, 0.1], 0.5))).toEqual([1, 0, 2])
    // Ties go to the lower index, as torchvision's stable sort.
    expect(Array.from(nms([0, 0, 10, 10, 0, 0, 10, 10], [0.7, 0.7], 0.5))).toEqual([0])
    // Two degenerate boxes: IoU 0/0 is NaN and never suppresses.
    expect(Array.from(nms([3, 3, 3, 3, 3, 3, 3, 3], [1, 1], 0.5))).toEqual([0, 1])
    // IoU 3/10 rounds up in float32 (0.30000001), so it exceeds a 0.3 threshold, as in torchvision.
    expect(Array.from(nms([0, 0, 10, 1, 0, 0, 3, 1], [1, 0.5], 0.3))).toEqual([0])
  })

  it('matches the naive reference on random boxes full of ties', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const { boxes, scores } = randomCase(seed, 120)
      for (const thr of [0.3, 0.5, 0.7]) expect(Array.from(nms(boxes, scores, thr)), `seed ${seed} thr ${thr}`).toEqual(naiveNms(boxes, scores, thr))
    }
  })

  it(`matches torchvision.ops.batched_nms (one category, as SAM calls it) incl. order and ties${torch.note}`, { skip: !torch.available }, () => {
    const cases = Array.from({ length: 20 }, (_, i) => ({ ...randomCase(100 + i, 40 + 30 * i), thr: [0.3, 0.5, 0.7, 0.9][i % 4]! }))
    cases.push({ boxes: [0, 0, 10, 1, 0, 0, 3, 1], scores: [1, 0.5], thr: 0.3 }, { boxes: [3, 3, 3, 3, 3, 3, 3, 3], scores: [1, 1], thr: 0.5 })
    const ref = runWith(torch, `
import torch
from torchvision.ops import batched_nms
out = []
for c in inp:
    b = torch.tensor(c['boxes'], dtype=torch.float32).reshape(-1, 4)
    s = torch.tensor(c['scores'], dtype=torch.float32)
    out.append(batched_nms(b, s, torch.zeros(len(s)), c['thr']).tolist())
print(json.dumps(out))`, cases) as number[][]
    cases.forEach((c, i) => expect(Array.from(nms(c.boxes, c.scores, c.thr)), `case ${i}`).toEqual(ref[i]))
  })
})
