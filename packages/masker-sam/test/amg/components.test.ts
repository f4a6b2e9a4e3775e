import { describe, expect, it } from 'vitest'
import { componentRuns } from '../../src/amg/component-runs.js'
import { connectedComponents } from '../../src/amg/components.js'
import { removeSmallRegions } from '../../src/amg/small-regions.js'
import { cv2, runWith } from '../python.js'
import { blobby } from './masks.js'

/** Flood fill in raster order with an explicit stack: the naive 8-connected labelling. */
function naiveLabels(mask: Uint8Array, h: number, w: number): Int32Array {
  const labels = new Int32Array(h * w)
  let next = 0
  for (let s = 0; s < h * w; s++) {
    if (!mask[s] || labels[s]) continue
    labels[s] = ++next
    const stack = [s]
    while (stack.length) {
      const i = stack.pop()!
      const [y, x] = [Math.floor(i / w), i % w]
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const [yy, xx] = [y + dy, x + dx]
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue
        const j = yy * w + xx
        if (mask[j] && !labels[j]) {
          labels[j] = next
          stack.push(j)
        }
      }
    }
  }
  return labels
}

describe('connected components (8-connected)', () => {
  it('hand-worked: diagonal pixels join, labels follow raster order, sizes[0] counts the background', () => {
    const m = Uint8Array.of(1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1)
    const { labels, count, sizes } = connectedComponents(m, 4, 4)
    expect(count).toBe(4)
    expect(Array.from(labels)).toEqual([1, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 3, 4, 0, 3, 3])
    expect(Array.from(sizes)).toEqual([9, 2, 1, 3, 1])
  })

  it('matches a flood fill on random masks, including U shapes that merge late', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const [h, w] = [20 + seed, 31]
      const m = seed % 2 ? blobby(seed, h, w) : Uint8Array.from({ length: h * w }, (_, i) => ((i * 2654435761) >>> 0) % 7 < 3 ? 1 : 0)
      expect(Array.from(connectedComponents(m, h, w).labels), `seed ${seed}`).toEqual(Array.from(naiveLabels(m, h, w)))
    }
  })
})

describe('components on runs', () => {
  it('paint the flood fill\'s labels and sizes on random masks, for set and for unset pixels', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const [h, w] = [20 + seed, 31]
      const m = seed % 2 ? blobby(seed, h, w) : Uint8Array.from({ length: h * w }, (_, i) => ((i * 2654435761) >>> 0) % 7 < 3 ? 1 : 0)
      for (const value of [1, 0] as const) {
        const target = value ? m : m.map((v) => 1 - v)
        const want = naiveLabels(target, h, w)
        const r = componentRuns(m, h, w, value)
        const painted = new Int32Array(h * w)
        for (let k = 0; k < r.label.length; k++) painted.fill(r.label[k]!, r.y[k]! * w + r.x0[k]!, r.y[k]! * w + r.x1[k]! + 1)
        expect(Array.from(painted), `seed ${seed} value ${value}`).toEqual(Array.from(want))
        const sizes = new Array(r.count + 1).fill(0)
        for (const l of want) if (l) sizes[l]++
        expect(Array.from(r.sizes).slice(1), `seed ${seed} value ${value}`).toEqual(sizes.slice(1))
      }
    }
  })
})

describe('remove small regions', () => {
  it('hand-worked: a 1-pixel hole is filled, a 2-pixel island removed; all-small islands keep the largest', () => {
    // 5×5: a 3×3 block with a hole at the centre, and a 2-pixel island in the corner.
    const m = Uint8Array.from([
      1, 1, 1, 0, 0,
      1, 0, 1, 0, 0,
      1, 1, 1, 0, 0,
      0, 0, 0, 0, 1,
      0, 0, 0, 0, 1,
    ])
    const holes = m.slice()
    expect(removeSmallRegions(holes, 5, 5, 3, 'holes')).toBe(true)
    expect(holes[6]).toBe(1)
    const islands = holes.slice()
    expect(removeSmallRegions(islands, 5, 5, 3, 'islands')).toBe(true)
    expect(islands.reduce((a, b) => a + b, 0)).toBe(9)
    const allSmall = m.slice()
    expect(removeSmallRegions(allSmall, 5, 5, 100, 'islands')).toBe(true)
    expect(allSmall.reduce((a, b) => a + b, 0)).toBe(8) // the 8-pixel ring stays
    expect(removeSmallRegions(islands, 5, 5, 3, 'islands')).toBe(false)
  })

  it(`matches SAM's remove_small_regions with OpenCV's connectedComponentsWithStats${cv2.note}`, { skip: !cv2.available }, () => {
    const cases = Array.from({ length: 24 }, (_, k) => ({ h: 24, w: 30, mask: Array.from(blobby(50 + k, 24, 30)), area: [4, 20, 60][k % 3]!, mode: k % 2 ? 'holes' : 'islands' }))
    const ref = runWith(cv2, `
import numpy as np, cv2
out = []
for c in inp:
    mask = np.array(c['mask'], dtype=bool).reshape(c['h'], c['w'])
    holes = c['mode'] == 'holes'
    n, regions, stats, _ = cv2.connectedComponentsWithStats((holes ^ mask).astype(np.uint8), 8)
    sizes = stats[:, -1][1:]
    small = [i + 1 for i, s in enumerate(sizes) if s < c['area']]
    if not small:
        out.append([False, mask.astype(int).reshape(-1).tolist()]); continue
    fill = [0] + small
    if not holes:
        fill = [i for i in range(n) if i not in fill]
        if not fill: fill = [int(np.argmax(sizes)) + 1]
    out.append([True, np.isin(regions, fill).astype(int).reshape(-1).tolist()])
print(json.dumps(out))`, cases) as [boolean, number[]][]
    cases.forEach((c, i) => {
      const m = Uint8Array.from(c.mask)
      const changed = removeSmallRegions(m, c.h, c.w, c.area, c.mode as 'holes' | 'islands')
      expect([changed, Array.from(m)], `case ${i} (${c.mode}, ${c.area})`).toEqual(ref[i])
    })
  })
})
