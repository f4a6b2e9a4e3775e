import { createReferenceBackend } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { MapBuilder, replayPartials, type FusionMode, type PartialObservations } from '../src/map-builder.js'
import { pointScene } from './scene.js'

const tensor = createReferenceBackend()
const opts = (fusion: FusionMode) => ({ voxelSize: 0.05, fusion, poolMergeThreshold: fusion === 'greedy' ? 0.95 : null, tensor })

describe('MapBuilder.replay: shards\' mask observations replayed in frame order', () => {
  for (const fusion of ['voxel-overlap', 'greedy', 'none'] as const) {
    it(`gives exactly the unsharded map (${fusion}: points in order, counts, refs, pool rows)`, async () => {
      const scene = pointScene({ frames: 40, seed: 9 })
      const whole = new MapBuilder(opts(fusion))
      for (const [i, f] of scene.frames.entries()) await whole.addFrame(f.points, f.memory, String(i))
      const w = whole.finish()
      // 3 shards, chunks of 10 frames dealt round-robin (as plaf run --shard i/3 --shard-chunk 10)
      const parts: PartialObservations[] = []
      const maps = []
      for (const s of [2, 0, 1]) {
        const part = new MapBuilder({ ...opts(fusion), keepMasks: true })
        for (const [i, f] of scene.frames.entries()) if (Math.floor(i / 10) % 3 === s) await part.addFrame(f.points, f.memory, String(i))
        const map = part.finish()
        expect(map.masks!.keys.length).toBe(3 * map.refs.length)
        parts.push({ masks: map.masks!, positions: map.masks!.frameIds.map(Number), space: map.space, where: `shard ${s}` })
        maps.push(map)
      }
      const merged = new MapBuilder(opts(fusion))
      await replayPartials(merged, parts)
      for (const [j, m] of maps.entries()) merged.addGeometry(m.positions, m.colors, m.counts, m.masks!.keys, `shard ${j}`)
      const m = merged.finish()
      expect(merged.masksSeen).toBe(whole.masksSeen)
      expect(m.counts).toEqual(w.counts)
      expect(m.refs).toEqual(w.refs)
      expect(m.pool.shape).toEqual(w.pool.shape)
      expect(m.pool.data).toEqual(w.pool.data)
      expect(m.observations).toEqual(w.observations)
      for (let i = 0; i < w.positions.length; i++) expect(Math.abs(m.positions[i] - w.positions[i])).toBeLessThan(1e-5)
      for (let i = 0; i < w.colors.length; i++) expect(Math.abs(m.colors[i] - w.colors[i])).toBeLessThanOrEqual(1)
    })
  }

  it('refuses observations that do not fit, naming the partial', async () => {
    const scene = pointScene({ frames: 4, seed: 3 })
    const part = new MapBuilder({ ...opts('voxel-overlap'), keepMasks: true })
    for (const [i, f] of scene.frames.entries()) await part.addFrame(f.points, f.memory, String(i))
    const obs = part.finish().masks!
    const at = (masks: typeof obs, where = 'a/masks.npy'): PartialObservations => ({ masks, positions: [0, 1, 2, 3], space: scene.frames[0].memory.space, where })
    await expect(replayPartials(new MapBuilder(opts('voxel-overlap')), [at(obs), at(obs, 'b/masks.npy')])).rejects.toThrow('frame position 0 is in a/masks.npy and b/masks.npy')
    const sizes = obs.sizes.slice()
    sizes[0]++
    await expect(replayPartials(new MapBuilder(opts('voxel-overlap')), [at({ ...obs, sizes })])).rejects.toThrow(`a/masks.npy: mask 0 has ${sizes[0]} samples but its sample groups hold ${sizes[0] - 1}`)
    await expect(replayPartials(new MapBuilder(opts('voxel-overlap')), [at({ ...obs, keys: obs.keys.subarray(0, 3) })])).rejects.toThrow(/a\/masks.npy: sample group \d+ is for point \d+ but there are 1 voxel keys/)
  })
})
