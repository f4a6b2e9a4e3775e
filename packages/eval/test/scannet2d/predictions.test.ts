import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodePng, encodePng, PlafError } from '@plaf/core'
import { tempDir } from '@plaf/core/testing'
import { readLabelTable, writeScene } from '@plaf/datasets'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { evaluateScannet2d, evenlySpaced, resampleLabels } from '../../src/index.js'

const t = tempDir('eval-2d')
const scene = join(t.dir, 'scene0009_00')

beforeAll(async () => {
  await writeScene(scene, { frames: 3, seed: 11, color_width: 324, color_height: 242, depth_width: 160, depth_height: 120 })
}, 120_000)
afterAll(() => t.cleanup())

/** Writes label-filt mapped to NYU40 ids (optionally changed), at `scale` × its size by nearest pixels. */
function predictionsFromGt(name: string, change: (nyu: number) => number = (x) => x, scale = 1): string {
  const dir = join(t.dir, name)
  mkdirSync(dir, { recursive: true })
  const table = readLabelTable(join(scene, 'scannetv2-labels.combined.tsv'))
  for (const f of readdirSync(join(scene, 'label-filt'))) {
    const png = decodePng(readFileSync(join(scene, 'label-filt', f)))
    const w = Math.round(png.width * scale), h = Math.round(png.height * scale)
    const ids = new Uint16Array(w * h)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const raw = png.data[Math.floor(((y + 0.5) * png.height) / h) * png.width + Math.floor(((x + 0.5) * png.width) / w)]
      ids[y * w + x] = raw ? change(table.byId.get(raw)?.nyu40id ?? 0) : 0
    }
    writeFileSync(join(dir, f), encodePng({ width: w, height: h, channels: 1, data: ids }))
  }
  return dir
}

const run = (path: string, extra: Record<string, unknown> = {}) =>
  evaluateScannet2d({ scene, source: { kind: 'predictions', path }, classes: 'scannet20', background: 'include', templates: [], ...extra })

describe('plaf eval scannet2d --predictions', () => {
  it('scores label-filt itself (mapped to NYU40) 1.0, also at half resolution', async () => {
    const full = await run(predictionsFromGt('same'))
    expect(full.pooled.scores.miou).toBe(1)
    expect(full.protocol.protocol).toContain('3 frames')
    const half = await run(predictionsFromGt('half', (x) => x, 0.5))
    expect(half.pooled.scores.miou).toBe(1)
    expect(half.pooled.scores.samples).toBeLessThan(full.pooled.scores.samples / 3)
  })

  it('scores wall predicted as floor at the value from the supports, and samples frames evenly', async () => {
    const r = await run(predictionsFromGt('wallfloor', (x) => (x === 1 ? 2 : x)))
    const s = r.pooled.scores
    const present = s.classes.filter((c) => c.support > 0)
    const wall = s.classes[0], floor = s.classes[1]
    expect(wall.iou).toBe(0)
    expect(floor.iou).toBeCloseTo(floor.support / (floor.support + wall.support), 12)
    expect(s.miou).toBeCloseTo((present.length - 2 + (floor.iou as number)) / present.length, 12)
    const one = await run(predictionsFromGt('same2'), { maxFrames: 2 })
    expect(one.protocol.protocol).toContain('2 frames (at most 2, evenly spaced)')
  })

  it('names a missing prediction folder and a scene without label-filt', async () => {
    await expect(run(join(t.dir, 'none'))).rejects.toThrow(PlafError)
    await expect(run(join(t.dir, 'none'))).rejects.toThrow(/prediction folder .* does not exist/)
    const bare = join(t.dir, 'bare')
    mkdirSync(bare)
    await expect(evaluateScannet2d({ scene: bare, source: { kind: 'predictions', path: bare }, classes: 'scannet20', background: 'include', templates: [] })).rejects.toThrow(/has no label-filt\/ folder/)
  })
})

describe('resampleLabels and evenlySpaced', () => {
  it('picks the source pixel under each target pixel centre', () => {
    const src = Uint16Array.from([1, 2, 3, 4, 5, 6, 7, 8]) // 2×4
    const lookup = Int32Array.from([-1, 0, 1, 2, 3, 4, 5, 6, 7])
    expect(Array.from(resampleLabels(src, 2, 4, 1, 2, lookup))).toEqual([5, 7]) // centres x 1, 3 of row 1
    expect(Array.from(resampleLabels(src, 2, 4, 4, 8, lookup))).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 4, 4, 5, 5, 6, 6, 7, 7])
  })

  it('spreads samples over the list, ends included', () => {
    expect(evenlySpaced([0, 1, 2, 3, 4, 5, 6, 7, 8], 3)).toEqual([0, 4, 8])
    expect(evenlySpaced([0, 1], 5)).toEqual([0, 1])
    expect(evenlySpaced([0, 1, 2], undefined)).toEqual([0, 1, 2])
  })
})
