import { describe, expect, it } from 'vitest'
import { validateOptions } from '@plaf/core'
import { createTestContext, describeInputPlugin } from '@plaf/core/testing'
import { syntheticIdentity, syntheticRoomInput, type SyntheticRoomSource } from '../../src/plugins/synthetic-room.js'
import type { SyntheticOptions } from '../../src/synthetic/options.js'

const small = { color_width: 160, color_height: 120, depth_width: 80, depth_height: 60, frames: 4 }

describeInputPlugin(syntheticRoomInput, [
  { name: 'small room', options: small },
  { name: 'noise, holes and an invalid pose', options: { ...small, seed: 3, depth_noise: 0.005, holes: 0.1, invalid_pose_frames: [0] }, frames: 2 },
])

async function open(options: Record<string, unknown>): Promise<SyntheticRoomSource> {
  const r = validateOptions(syntheticRoomInput, options)
  expect(r.errors).toEqual([])
  return (await syntheticRoomInput.create(r.value as unknown as SyntheticOptions, createTestContext())) as SyntheticRoomSource
}

async function collect(src: SyntheticRoomSource, from?: number) {
  const out = []
  for await (const f of src.frames(from)) out.push(f)
  return out
}

describe('synthetic-room', () => {
  it('yields frameCount frames with ids, sizes, intrinsics and null poses where asked', async () => {
    const src = await open({ ...small, invalid_pose_frames: [1, 3] })
    const frames = await collect(src)
    expect(src.frameCount).toBe(4)
    expect(frames.map((f) => f.id)).toEqual(['000000', '000001', '000002', '000003'])
    expect(frames.map((f) => f.pose === null)).toEqual([false, true, false, true])
    expect(frames[0].rgb.shape).toEqual([120, 160, 3])
    expect(frames[0].depth!.shape).toEqual([60, 80])
    expect(frames[0].labels!.shape).toEqual([120, 160])
    expect(frames[0].depthIntrinsics!.cx).toBeCloseTo((frames[0].colorIntrinsics!.cx + 0.5) / 2 - 0.5, 12)
    expect(src.scene.primitives.filter((p) => p.kind === 'object')).toHaveLength(5)
  })

  it('resumes: frames(from) yields the tail of the full sequence', async () => {
    const src = await open(small)
    const all = await collect(src)
    const tail = await collect(src, 2)
    expect(tail.map((f) => f.id)).toEqual(['000002', '000003'])
    expect(tail[0].rgb.data).toEqual(all[2].rgb.data)
    expect(await collect(src, 4)).toEqual([])
  })

  it('has an identity that follows the resolved options and nothing else', async () => {
    const a = await open(small)
    const b = await open({ ...small, seed: 0 }) // the default, written out
    const c = await open({ ...small, seed: 1 })
    expect(a.identity).toMatch(/^[0-9a-f]{64}$/)
    expect(b.identity).toBe(a.identity)
    expect(c.identity).not.toBe(a.identity)
    const opts = validateOptions(syntheticRoomInput, small).value as unknown as SyntheticOptions
    const reordered = Object.fromEntries(Object.entries(opts).reverse()) as unknown as SyntheticOptions
    expect(syntheticIdentity(reordered)).toBe(a.identity)
  })
})
