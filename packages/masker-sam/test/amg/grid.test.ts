import { describe, expect, it } from 'vitest'
import { buildAllLayerPointGrids, buildPointGrid } from '../../src/amg/grid.js'
import { generateCropBoxes, isBoxNearCropEdge } from '../../src/amg/crops.js'
import { runWith, torch } from '../python.js'

describe('point grid', () => {
  it('hand-worked: 2 per side are the centres of the four quarters, x fastest', () => {
    expect(Array.from(buildPointGrid(2))).toEqual([0.25, 0.25, 0.75, 0.25, 0.25, 0.75, 0.75, 0.75])
    expect(Array.from(buildPointGrid(1))).toEqual([0.5, 0.5])
  })

  it('layers shrink by the downscale factor, truncating (16, 2 layers, factor 3 → 16, 5, 1)', () => {
    expect(buildAllLayerPointGrids(16, 2, 3).map((g) => g.length / 2)).toEqual([256, 25, 1])
  })

  it(`equals numpy's linspace grid for 1…40 points per side${torch.note}`, { skip: !torch.available }, () => {
    const ns = Array.from({ length: 40 }, (_, i) => i + 1)
    const ref = runWith(torch, `
import numpy as np
out = []
for n in inp:
    o = 1 / (2 * n)
    a = np.linspace(o, 1 - o, n)
    xs = np.tile(a[None, :], (n, 1)); ys = np.tile(a[:, None], (1, n))
    out.append(np.stack([xs, ys], axis=-1).reshape(-1).tolist())
print(json.dumps(out))`, ns) as number[][]
    ns.forEach((n, i) => expect(Array.from(buildPointGrid(n)), `n=${n}`).toEqual(ref[i]))
  })
})

describe('crop boxes', () => {
  it('hand-worked: one layer on 100×200 with ratio 0.25 (overlap 25, crops 113×63)', () => {
    // overlap = trunc(0.25·100·2/2) = 25; crop_w = ceil((25 + 200)/2) = 113; crop_h = ceil((25 + 100)/2) = 63.
    expect(generateCropBoxes(100, 200, 1, 0.25).map((c) => [...c.box, c.layer])).toEqual([
      [0, 0, 200, 100, 0],
      [0, 0, 113, 63, 1], [0, 38, 113, 100, 1],
      [88, 0, 200, 63, 1], [88, 38, 200, 100, 1],
    ])
  })

  it(`equals the definition evaluated in Python on many sizes, layers and ratios${torch.note}`, { skip: !torch.available }, () => {
    const cases: [number, number, number, number][] = []
    for (const [h, w] of [[968, 1296], [480, 640], [37, 101], [1024, 1024], [7, 5]]) for (const layers of [0, 1, 2, 3]) for (const r of [512 / 1500, 0.1, 0.5]) cases.push([h!, w!, layers, r])
    const ref = runWith(torch, `
import math
from itertools import product
out = []
for h, w, n_layers, ratio in inp:
    boxes = [[0, 0, w, h, 0]]
    short = min(h, w)
    for i in range(n_layers):
        n = 2 ** (i + 1)
        ov = int(ratio * short * (2 / n))
        cw = int(math.ceil((ov * (n - 1) + w) / n)); ch = int(math.ceil((ov * (n - 1) + h) / n))
        for x0, y0 in product([int((cw - ov) * k) for k in range(n)], [int((ch - ov) * k) for k in range(n)]):
            boxes.append([x0, y0, min(x0 + cw, w), min(y0 + ch, h), i + 1])
    out.append(boxes)
print(json.dumps(out))`, cases) as number[][][]
    cases.forEach(([h, w, l, r], i) => expect(generateCropBoxes(h, w, l, r).map((c) => [...c.box, c.layer]), `${h}×${w} layers ${l} ratio ${r}`).toEqual(ref[i]))
  })

  it('drops boxes within 20 px of an inner crop edge, never for an image edge', () => {
    const crop = [100, 0, 300, 200] // image 400×200: left and right crop edges are inner
    expect(isBoxNearCropEdge([0, 50, 50, 60], crop, 400, 200)).toBe(true) // x0 at the inner left edge
    expect(isBoxNearCropEdge([20, 50, 50, 60], crop, 400, 200)).toBe(true) // exactly 20 px: isclose is ≤
    expect(isBoxNearCropEdge([21, 50, 50, 60], crop, 400, 200)).toBe(false)
    expect(isBoxNearCropEdge([30, 0, 50, 199], crop, 400, 200)).toBe(false) // top/bottom are image edges
    expect(isBoxNearCropEdge([30, 50, 185, 60], crop, 400, 200)).toBe(true) // x1 + 100 = 285, 15 px from 300
    expect(isBoxNearCropEdge([0, 0, 399, 199], [0, 0, 400, 200], 400, 200)).toBe(false)
  })
})
