import { createRunContext, createTestContext } from '@plaf/core/testing'
import { expect, it } from 'vitest'
import { backprojectLifter } from '../src/index.js'
import { memory, planeFrame, pose } from './fixtures.js'

it('prints the time to lift 10 frames of 640×480 depth (ids at 1296×968, K=100), no assertion on time', async () => {
  const [W, H, IW, IH] = [640, 480, 1296, 968]
  const ids = Uint16Array.from({ length: IW * IH }, (_, i) => 1 + ((Math.floor((i % IW) / 130) + 10 * Math.floor(i / IW / 97)) % 100))
  const mem = memory(ids, IW, IH, 101, 64)
  const inst = await backprojectLifter.create(
    { stride: 1, min_depth: 0.1, max_depth: 6, max_depth_jump: 0, voxel_size: 0.02, keep_background: false, fusion: 'none', pool_merge_threshold: null, fusion_overlap: 0.3, fusion_cosine: 0.8 },
    createTestContext(),
  )
  let t = 0
  for (let f = 0; f < 10; f++) {
    const frame = planeFrame({ id: String(f), W, H, z: 1.5 + f * 0.01, pose: pose(f * 0.05, 0.1, [f * 0.1, 0, 0]) })
    frame.depthIntrinsics = { fx: 577.6, fy: 578.7, cx: 318.9, cy: 242.7, width: W, height: H }
    for (let i = 0; i < W * H; i++) frame.depth!.data[i] = 1.5 + 0.3 * Math.sin(i * 0.001) + f * 0.01
    const t0 = performance.now()
    await inst.run({ frame, memory: mem }, createRunContext({ id: frame.id, index: f }))
    t += performance.now() - t0
  }
  const t0 = performance.now()
  const rc = createRunContext()
  const { map } = (await inst.finish!({}, rc)) as { map: { refs: Uint32Array } }
  t += performance.now() - t0
  console.log(`backproject: 10 frames × ${W}×${H} depth → ${map.refs.length} points, ${rc.metrics.pool_rows} pool rows in ${t.toFixed(0)} ms`)
  expect(map.refs.length).toBeGreaterThan(0)
})
