import { mulberry32 } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { areaFromRle, maskToRle, rleToMask } from '../../src/amg/rle.js'
import { runWith, torch } from '../python.js'

describe('uncompressed RLE', () => {
  it('hand-worked: column-major runs starting with zeros', () => {
    // 2×3 mask, rows [1 0 1] [1 0 0]: column-major 1,1,0,0,1,0 → counts [0, 2, 2, 1, 1].
    const rle = maskToRle(Uint8Array.of(1, 0, 1, 1, 0, 0), 2, 3)
    expect(rle).toEqual({ size: [2, 3], counts: [0, 2, 2, 1, 1] })
    expect(areaFromRle(rle)).toBe(3)
    expect(Array.from(rleToMask(rle))).toEqual([1, 0, 1, 1, 0, 0])
    expect(maskToRle(new Uint8Array(6), 2, 3).counts).toEqual([6])
  })

  it(`round-trips and matches SAM's torch encoder (mask_to_rle_pytorch's definition) on random masks${torch.note}`, { skip: !torch.available }, () => {
    const r = mulberry32(7)
    const [h, w] = [9, 14]
    const masks = Array.from({ length: 20 }, (_, k) => Array.from({ length: h * w }, () => (r() < [0.5, 0.05, 0.95, 0][k % 4]! ? 1 : 0)))
    const ref = runWith(torch, `
import torch
t = torch.tensor(inp, dtype=torch.bool).reshape(-1, ${h}, ${w})
b, h, w = t.shape
f = t.permute(0, 2, 1).flatten(1)
ch = (f[:, 1:] ^ f[:, :-1]).nonzero()
out = []
for i in range(b):
    idx = ch[ch[:, 0] == i, 1]
    idx = torch.cat([torch.tensor([0]), idx + 1, torch.tensor([h * w])])
    counts = [] if f[i, 0] == 0 else [0]
    counts.extend((idx[1:] - idx[:-1]).tolist())
    out.append(counts)
print(json.dumps(out))`, masks) as number[][]
    masks.forEach((m, i) => {
      const rle = maskToRle(Uint8Array.from(m), h, w)
      expect(rle.counts, `mask ${i}`).toEqual(ref[i])
      expect(Array.from(rleToMask(rle))).toEqual(m)
      expect(areaFromRle(rle)).toBe(m.reduce((a: number, b) => a + b, 0))
    })
  })
})
