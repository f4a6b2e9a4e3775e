import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { openViewerData } from '@plaf/viewer'
import { describe, expect, it } from 'vitest'
import { builtinRegistry } from '../src/builtins.js'
import { cli, tempDir } from './helpers.js'

// Two shards of a small run with 2D memories and a querier, merged: plaf view reads the 2D memories from the shards.
const pipeline = `name: viewmerged
input: { use: synthetic-room, with: { seed: 4, frames: 4, objects: 3, color_width: 80, color_height: 60, depth_width: 40, depth_height: 30 } }
stages:
  backbone: { use: color-lexicon, with: { resolution: 64 } }
  masker: { use: grid, with: { cell_size: 20 } }
  aggregator: { use: mask-mean }
  storage2d: { use: mask-indexed }
  lifter: { use: backproject, with: { voxel_size: 0.05, fusion: voxel-overlap } }
  storage3d: { use: index-reference, with: { counts: true } }
  querier: { use: text, with: { encoder: color-lexicon-text, queries: [red], write_overlays: false } }
runtime: { cache: false }
`

describe('plaf view of a merged run', () => {
  it('serves each frame\'s 2D memory from the shard directory that stored it; a shard gone is said to be gone', async () => {
    const dir = tempDir({ 'p.yaml': pipeline })
    for (const i of [0, 1]) {
      const r = await cli('run', join(dir, 'p.yaml'), '--shard', `${i}/2`, '--out', join(dir, `s${i}`), '--progress', 'none')
      expect(r.code, r.err).toBe(0)
    }
    const m = await cli('merge', join(dir, 's0'), join(dir, 's1'), '--out', join(dir, 'merged'))
    expect(m.code, m.err).toBe(0)
    const data = await openViewerData(join(dir, 'merged'), builtinRegistry())
    try {
      await data.framesDone
      expect(data.info.frames2d).toBeUndefined()
      expect(data.info.frames.filter((f) => f.stored).length).toBe(4)
      for (const f of data.info.frames) expect((await data.frame(f.id)).memory?.ids.shape, f.id).toEqual([60, 80])
    } finally {
      await data.close()
    }
    rmSync(join(dir, 's1'), { recursive: true })
    const half = await openViewerData(join(dir, 'merged'), builtinRegistry())
    try {
      expect(half.info.frames2d).toBe(`a merged run: the 2D memories are read from its shard directories, but ${join(dir, 's1')} is gone: the frames of that shard show their image only`)
    } finally {
      await half.close()
    }
    rmSync(join(dir, 's0'), { recursive: true })
    const none = await openViewerData(join(dir, 'merged'), builtinRegistry())
    try {
      expect(none.info.frames2d).toMatch(/^a merged run \(plaf merge\) holds only the 3D map; its 2D memories stay in its shard directories, and .* are gone: frames show their image only$/)
    } finally {
      await none.close()
    }
  }, 120_000)
})
