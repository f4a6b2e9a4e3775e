import { mulberry32 } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { maskToBox } from '../../src/amg/boxes.js'
import { stabilityScore } from '../../src/amg/stability.js'
import { runWith, torch } from '../python.js'

describe('stability score', () => {
  it('hand-worked: 2 logits above t+1, 4 above t−1 → 0.5; values exactly at a cutoff are out', () => {
    expect(stabilityScore(Float32Array.of(3, 2, 0.5, -0.5, -1, -3), 0, 1)).toBe(0.5)
    expect(stabilityScore(Float32Array.of(-5, -6), 0, 1)).toBeNaN()
    // A window of a larger buffer.
    expect(stabilityScore(Float32Array.of(9, 9, 3, 0, -9), 0, 1, 2, 2)).toBe(0.5)
  })

  it('matches a naive count with float32 cutoffs', () => {
    const r = mulberry32(4)
    for (let k = 0; k < 20; k++) {
      const a = Float32Array.from({ length: 500 }, () => Math.round((r() * 8 - 4) * 4) / 4)
      const t = [0, 0.25, -0.5][k % 3]!
      const o = [1, 0.5, 2][k % 3]!
      const inter = a.filter((v) => v > Math.fround(t + o)).length
      const union = a.filter((v) => v > Math.fround(t - o)).length
      expect(stabilityScore(a, t, o)).toBe(Math.fround(inter / union))
    }
  })

  it(`matches SAM's calculate_stability_score in torch (float32 tensors)${torch.note}`, { skip: !torch.available }, () => {
    const r = mulberry32(5)
    const planes = Array.from({ length: 12 }, () => Array.from({ length: 64 * 64 }, () => Math.fround(r() * 16 - 8)))
    const ref = runWith(torch, `
import torch
m = torch.tensor(inp, dtype=torch.float32).reshape(-1, 64, 64)
t, o = 0.0, 1.0
inter = (m > (t + o)).sum(-1, dtype=torch.int16).sum(-1, dtype=torch.int32)
union = (m > (t - o)).sum(-1, dtype=torch.int16).sum(-1, dtype=torch.int32)
print(json.dumps((inter / union).tolist()))`, planes) as number[]
    planes.forEach((p, i) => expect(stabilityScore(Float32Array.from(p), 0, 1)).toBe(ref[i]))
  })
})

describe('mask to box', () => {
  it('hand-worked: inclusive extents, [0,0,0,0] when empty', () => {
    const m = new Uint8Array(5 * 4)
    m[1 * 5 + 2] = 1
    m[3 * 5 + 4] = 1
    expect(Array.from(maskToBox(m, 4, 5))).toEqual([2, 1, 4, 3])
    expect(Array.from(maskToBox(new Uint8Array(20), 4, 5))).toEqual([0, 0, 0, 0])
  })

  it(`matches SAM's batched_mask_to_box formulation in torch${torch.note}`, { skip: !torch.available }, () => {
    const r = mulberry32(6)
    const [h, w] = [13, 17]
    const masks = Array.from({ length: 25 }, (_, k) => Array.from({ length: h * w }, () => (r() < [0, 0.01, 0.1, 0.5][k % 4]! ? 1 : 0)))
    const ref = runWith(torch, `
import torch
m = torch.tensor(inp, dtype=torch.bool).reshape(-1, ${h}, ${w})
h, w = m.shape[-2:]
in_h, _ = torch.max(m, dim=-1); c = in_h * torch.arange(h)[None, :]
bottom, _ = torch.max(c, dim=-1); top, _ = torch.min(c + h * (~in_h), dim=-1)
in_w, _ = torch.max(m, dim=-2); c = in_w * torch.arange(w)[None, :]
right, _ = torch.max(c, dim=-1); left, _ = torch.min(c + w * (~in_w), dim=-1)
empty = (right < left) | (bottom < top)
out = torch.stack([left, top, right, bottom], dim=-1) * (~empty).unsqueeze(-1)
print(json.dumps(out.tolist()))`, masks) as number[][]
    masks.forEach((m, i) => expect(Array.from(maskToBox(Uint8Array.from(m), h, w)), `mask ${i}`).toEqual(ref[i]))
  })
})
