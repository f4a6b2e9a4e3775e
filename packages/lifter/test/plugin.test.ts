import { PlafError, checkPort, type SemanticMap3D } from '@plaf/core'
import { createRunContext, createTestContext, describeStagePlugin } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { backprojectLifter, type BackprojectLifterOptions } from '../src/index.js'
import { memory, memoryOf, planeFrame, pose } from './fixtures.js'

const W = 8
const H = 6
const halves = () => Uint16Array.from({ length: 4 * W * H }, (_, i) => ((i % (2 * W)) < W ? 1 : 2))

describeStagePlugin(backprojectLifter, [
  { name: 'defaults', inputs: () => ({ frame: planeFrame(), memory: memory(halves(), 2 * W, 2 * H, 3) }) },
  {
    name: 'merging, background, stride 2',
    options: { fusion: 'greedy', pool_merge_threshold: 0.95, keep_background: true, stride: 2, voxel_size: 0.05 },
    inputs: () => ({ frame: planeFrame(), memory: memory(new Uint16Array(4 * W * H), 2 * W, 2 * H, 2) }),
  },
  {
    name: 'voxel-overlap fusion, background',
    options: { fusion: 'voxel-overlap', keep_background: true },
    inputs: () => ({ frame: planeFrame(), memory: memory(halves(), 2 * W, 2 * H, 3) }),
  },
  { name: 'skipped frame', inputs: () => ({ frame: planeFrame({ pose: null }), memory: memory(halves(), 2 * W, 2 * H, 3) }) },
])

const defaults: BackprojectLifterOptions = {
  // max_depth_jump 0 (the official behaviour): these fixtures have depth steps on purpose; the
  // discontinuity filter is tested in test/kernels/backproject.test.ts.
  stride: 1, min_depth: 0.1, max_depth: 6, max_depth_jump: 0, voxel_size: 0.02, keep_background: false,
  fusion: 'none', pool_merge_threshold: null, fusion_overlap: 0.3, fusion_cosine: 0.8,
}

async function lift(frames: Array<{ frame: ReturnType<typeof planeFrame>; memory: ReturnType<typeof memory> }>, options: Partial<BackprojectLifterOptions> = {}) {
  const ctx = createTestContext()
  const inst = await backprojectLifter.create({ ...defaults, ...options }, ctx)
  const rcs = []
  for (const f of frames) {
    const rc = createRunContext({ id: f.frame.id, index: f.frame.index })
    await inst.run(f, rc)
    rcs.push(rc)
  }
  const rc = createRunContext()
  const { map } = (await inst.finish!({}, rc)) as { map: SemanticMap3D }
  expect(checkPort('SemanticMap3D', map)).toBeNull()
  return { map, rc, rcs }
}

const row = (map: SemanticMap3D, point: number) => {
  const d = map.pool.shape[1]
  return Array.from(map.pool.data.subarray(map.refs[point] * d, map.refs[point] * d + d))
}

describe('backproject lifter', () => {
  it('puts a plane at a known depth at the right world coordinates under a non-identity pose', async () => {
    const P = pose(0.7, -0.4, [1.5, -2, 0.8])
    const f = planeFrame({ pose: P, z: 2 })
    const { map, rc } = await lift([{ frame: f, memory: memory(halves(), 2 * W, 2 * H, 3) }], { voxel_size: 1e-4 })
    expect(map.refs.length).toBe(W * H)
    let worst = 0
    for (let v = 0; v < H; v++) {
      for (let u = 0; u < W; u++) {
        const xc = [((u - 3.5) * 2) / 4, ((v - 2.5) * 2) / 4, 2]
        const i = v * W + u // voxels are created in pixel scan order
        for (let r = 0; r < 3; r++) {
          const want = P[r * 4] * xc[0] + P[r * 4 + 1] * xc[1] + P[r * 4 + 2] * xc[2] + P[r * 4 + 3]
          worst = Math.max(worst, Math.abs(map.positions[i * 3 + r] - want))
        }
      }
    }
    expect(worst).toBeLessThan(1e-5)
    // Left half of the depth image reads id 1, right half id 2 (pixel-centre mapping to 2× colour).
    expect(row(map, 0)).toEqual([1, 0, 0, 0])
    expect(row(map, W - 1)).toEqual([0, 1, 0, 0])
    expect(rc.metrics).toEqual({ points: W * H, pool_rows: 2, masks_seen: 2 })
  })

  it('colours each point from the colour pixel nearest its depth pixel, on a non-square colour image of its own size', async () => {
    // Depth 8×6, colour 20 wide × 9 high (scales 2.5 and 1.5): a swapped width/height or x/y in
    // the colour lookup reads another pixel. Each colour pixel encodes its own coordinates.
    const [CW, CH] = [20, 9]
    const rgb = new Uint8Array(CW * CH * 3)
    for (let y = 0; y < CH; y++) for (let x = 0; x < CW; x++) rgb.set([x * 10, y * 25, 99], (y * CW + x) * 3)
    const plane = planeFrame()
    const frame = { ...plane, rgb: { data: rgb, shape: [CH, CW, 3] as [number, number, 3] }, colorIntrinsics: { fx: 20, fy: 12, cx: 9.5, cy: 4, width: CW, height: CH } }
    const { map } = await lift([{ frame, memory: memory(halves(), 2 * W, 2 * H, 3) }], { voxel_size: 1e-4 })
    expect(map.refs.length).toBe(W * H)
    // Pixel-centre rule: (u + 0.5)·20/8 − 0.5 = 2.5u + 0.75 and (v + 0.5)·9/6 − 0.5 = 1.5v + 0.25,
    // rounded (no ties at these sizes); voxels come in pixel scan order.
    const want: number[] = []
    for (let v = 0; v < H; v++) for (let u = 0; u < W; u++) want.push(Math.round(2.5 * u + 0.75) * 10, Math.round(1.5 * v + 0.25) * 25, 99)
    expect(Array.from(map.colors)).toEqual(want)
  })

  it('deduplicates two overlapping frames into shared voxels (ties go to the earlier frame)', async () => {
    const a = { frame: planeFrame({ id: 'a' }), memory: memoryOf(halves(), 2 * W, 2 * H, [[0, 0], [1, 0], [0, 1]]) }
    const b = { frame: planeFrame({ id: 'b' }), memory: memoryOf(halves(), 2 * W, 2 * H, [[0, 0], [0.6, 0.8], [0.8, 0.6]]) }
    const one = await lift([a])
    const two = await lift([a, b])
    expect(two.map.refs.length).toBe(one.map.refs.length)
    expect(Array.from(two.map.positions)).toEqual(Array.from(one.map.positions))
    // Equal votes from both frames: the earlier frame's rows win; b's rows are compacted away.
    expect(two.map.pool.shape).toEqual([2, 2])
    expect(Array.from(two.map.pool.data)).toEqual([1, 0, 0, 1])
    expect(two.rc.metrics.pool_rows).toBe(2)
  })

  it('keeps the pool ref with the most observations per voxel', async () => {
    const ids = new Uint16Array(4 * W * H).fill(1)
    ids.fill(2, 0, 2 * W * 2) // the first 4 colour rows → the first 2 depth rows: 16 of 48 pixels
    const big = { voxel_size: 1000 } // one voxel
    const f1 = { frame: planeFrame({ id: 'f1' }), memory: memoryOf(ids, 2 * W, 2 * H, [[0, 0], [1, 0], [0, 1]]) }
    const r1 = await lift([f1], big)
    expect(r1.map.refs.length).toBe(1)
    expect(row(r1.map, 0)).toEqual([1, 0]) // 32 pixels of id 1 beat 16 of id 2
    // A later frame seen entirely as one mask (48 votes) outvotes the first frame's 32.
    const f2 = { frame: planeFrame({ id: 'f2' }), memory: memoryOf(new Uint16Array(4 * W * H).fill(1), 2 * W, 2 * H, [[0, 0], [0.6, 0.8]]) }
    expect(row((await lift([f1, f2], big)).map, 0)).toEqual([0.6, 0.8].map(Math.fround))
  })

  it('with pool merging, votes of merged rows accumulate across frames', async () => {
    // Frame 1: 32 votes for A, 16 for B. Frame 2: 40 for A' (≈ A), 8 for C. Unmerged, A' (40) wins;
    // merged, A + A' = 72 and the surviving row is frame 1's A.
    const ids1 = new Uint16Array(4 * W * H).fill(1)
    ids1.fill(2, 0, 2 * W * 2)
    const ids2 = new Uint16Array(4 * W * H).fill(1)
    ids2.fill(2, 0, 2 * W * 2 * 0.5)
    const A = [1, 0, 0]
    const f1 = { frame: planeFrame({ id: 'f1' }), memory: memoryOf(ids1, 2 * W, 2 * H, [[0, 0, 0], A, [0, 1, 0]]) }
    const f2 = { frame: planeFrame({ id: 'f2' }), memory: memoryOf(ids2, 2 * W, 2 * H, [[0, 0, 0], [0.99, 0.1, 0], [0, 0, 1]]) }
    const plain = await lift([f1, f2], { voxel_size: 1000 })
    expect(row(plain.map, 0)).toEqual([0.99, 0.1, 0].map(Math.fround))
    const merged = await lift([f1, f2], { voxel_size: 1000, fusion: 'greedy', pool_merge_threshold: 0.95 })
    expect(row(merged.map, 0)).toEqual(A)
    expect(merged.map.pool.shape[0]).toBe(1)
  })

  it('drops depth outside (min_depth, max_depth) and background unless keep_background', async () => {
    const f = planeFrame()
    f.depth!.data[0] = 6 // exactly max_depth: dropped
    f.depth!.data[1] = 0.1 // exactly min_depth: dropped
    f.depth!.data[2] = 0 // no measurement
    f.depth!.data[3] = Number.NaN
    const ids = halves()
    ids.fill(0, 4 * W * H - 2 * W * 2) // the last 2 colour rows → the last depth row is background
    const { map } = await lift([{ frame: f, memory: memory(ids, 2 * W, 2 * H, 3) }], { voxel_size: 1e-4 })
    expect(map.refs.length).toBe(W * H - 4 - W)
    const bg = await lift([{ frame: f, memory: memory(ids, 2 * W, 2 * H, 3) }], { voxel_size: 1e-4, keep_background: true })
    expect(bg.map.refs.length).toBe(W * H - 4)
    expect(bg.map.pool.shape[0]).toBe(3)
    expect(row(bg.map, bg.map.refs.length - 1)).toEqual([0, 0, 0, 0])
    // Two frames' background rows collapse to one zero row in the pool.
    const shifted = planeFrame({ id: 'b', pose: pose(0.2, 0.1, [5, 5, 5]) })
    const two = await lift([{ frame: f, memory: memory(ids, 2 * W, 2 * H, 3) }, { frame: shifted, memory: memory(ids, 2 * W, 2 * H, 3) }], { voxel_size: 1e-4, keep_background: true })
    expect(two.map.refs.length).toBe(2 * W * H - 4)
    expect(two.map.pool.shape[0]).toBe(5)
  })

  it('skips frames with a null or non-finite pose or no depth, with a counted warning', async () => {
    const bad = Float64Array.from(pose(0, 0, [0, 0, 0]))
    bad[3] = -Infinity
    const frames = [planeFrame({ id: '000001', pose: null }), planeFrame({ id: '000002', pose: bad }), planeFrame({ id: '000003', depth: false }), planeFrame({ id: '000004' })]
    const { map, rcs } = await lift(frames.map((frame) => ({ frame, memory: memory(halves(), 2 * W, 2 * H, 3) })))
    expect(rcs.map((rc) => rc.notes.map((n) => [n.code, n.frame]))).toEqual([
      [['PLAF_FRAME_SKIPPED', '000001']], [['PLAF_FRAME_SKIPPED', '000002']], [['PLAF_FRAME_SKIPPED', '000003']], [],
    ])
    expect(rcs[0].notes[0].message).toMatch(/000001.*no valid camera pose/)
    expect(rcs.map((rc) => rc.metrics)).toEqual([{ frames_skipped: 1 }, { frames_skipped: 1 }, { frames_skipped: 1 }, { frames_used: 1 }])
    expect(map.refs.length).toBeGreaterThan(0)
  })

  it('skips a frame whose pose is not a rigid transform, with the measured deviation', async () => {
    const scaled = Float64Array.from(pose(0, 0, [0, 0, 0]))
    for (const i of [0, 5, 10]) scaled[i] = 1.5
    const { map, rcs } = await lift([scaled, pose(0.7, -0.4, [1.5, -2, 0.8])].map((p, i) => ({ frame: planeFrame({ id: `00000${i}`, pose: p }), memory: memory(halves(), 2 * W, 2 * H, 3) })))
    expect(rcs.map((rc) => rc.notes)).toEqual([
      [{ code: 'PLAF_FRAME_SKIPPED', severity: 'warning', frame: '000000', message: 'frame 000000 not lifted: its camera pose is not a rigid transform: max |RᵀR − I| = 1.25, det R = 3.375 (tolerance 0.001)' }],
      [],
    ])
    expect(rcs.map((rc) => rc.metrics)).toEqual([{ frames_skipped: 1 }, { frames_used: 1 }])
    expect(map.refs.length).toBe(W * H)
  })

  it('skips a frame that gives no point, with a counted warning saying why (all-zero depth, out of range, all background)', async () => {
    const zero = planeFrame({ id: '000001' })
    zero.depth!.data.fill(0)
    const far = planeFrame({ id: '000002', z: 9 })
    const bg = planeFrame({ id: '000003' })
    const frames = [zero, far, bg, planeFrame({ id: '000004' })]
    const ids = [halves(), halves(), new Uint16Array(4 * W * H), halves()]
    const { map, rcs } = await lift(frames.map((frame, i) => ({ frame, memory: memory(ids[i], 2 * W, 2 * H, 3) })))
    expect(rcs.map((rc) => rc.notes)).toEqual([
      [{ code: 'PLAF_FRAME_SKIPPED', severity: 'warning', frame: '000001', message: 'frame 000001 not lifted: depth has no valid pixel (all zero)' }],
      [{ code: 'PLAF_FRAME_SKIPPED', severity: 'warning', frame: '000002', message: 'frame 000002 not lifted: depth has no valid pixel within (min_depth, max_depth) = (0.1, 6) m: all 48 measured pixels lie outside it' }],
      [{
        code: 'PLAF_FRAME_SKIPPED', severity: 'warning', frame: '000003',
        message: 'frame 000003 not lifted: none of its 48 depth pixels within (min_depth, max_depth) = (0.1, 6) m became a point: no mask covers them (keep_background: true keeps them) or they lie on depth discontinuities (max_depth_jump 0)',
      }],
      [],
    ])
    expect(rcs.map((rc) => rc.metrics)).toEqual([{ frames_skipped: 1 }, { frames_skipped: 1 }, { frames_skipped: 1 }, { frames_used: 1 }])
    expect(map.refs.length).toBe(W * H)
  })

  it('refuses a depth image whose size is not its intrinsics\' (never back-projects it with them)', async () => {
    const f = planeFrame({ id: '000007' })
    f.depthIntrinsics = { ...f.depthIntrinsics!, width: 2 * W, height: 2 * H }
    const err = await lift([{ frame: f, memory: memory(halves(), 2 * W, 2 * H, 3) }]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PlafError)
    expect((err as PlafError).diagnostics).toEqual([{
      code: 'PLAF_INPUT_INVALID', severity: 'error', frame: '000007',
      message: 'frame 000007: depth image is 8×6 but its intrinsics are for 16×12; back-projecting it with them would misplace every point',
      expected: 'a 16×12 depth image (as its intrinsics)', actual: '8×6',
      hint: 'the input plugin must scale the intrinsics with the image (or resize the depth to the intrinsics\' size)',
    }])
  })

  it('reports an empty map when no frame can be lifted', async () => {
    const { map, rc } = await lift([{ frame: planeFrame({ pose: null }), memory: memory(halves(), 2 * W, 2 * H, 3) }])
    expect(map.refs.length).toBe(0)
    expect(rc.metrics).toEqual({ points: 0, pool_rows: 0, masks_seen: 0 })
  })

  it('rejects memories in different embedding spaces, naming the frame', async () => {
    const inst = await backprojectLifter.create(defaults, createTestContext())
    await inst.run({ frame: planeFrame(), memory: memory(halves(), 2 * W, 2 * H, 3, 4, 'one') }, createRunContext({ id: '000000', index: 0 }))
    await expect(inst.run({ frame: planeFrame({ id: '000009' }), memory: memory(halves(), 2 * W, 2 * H, 3, 4, 'two') }, createRunContext({ id: '000009', index: 9 })))
      .rejects.toMatchObject({ code: 'PLAF_SPACE_MISMATCH', diagnostics: [{ frame: '000009', expected: 'one', actual: 'two' }] })
  })

  it('rejects ids without a feature row and min_depth ≥ max_depth', async () => {
    const inst = await backprojectLifter.create(defaults, createTestContext())
    await expect(inst.run({ frame: planeFrame(), memory: memory(halves(), 2 * W, 2 * H, 2) }, createRunContext()))
      .rejects.toMatchObject({ code: 'PLAF_INPUT_INVALID' })
    await expect(backprojectLifter.create({ ...defaults, min_depth: 7 }, createTestContext()))
      .rejects.toMatchObject({ code: 'PLAF_INVALID_OPTION' })
  })

  it('voxel-overlap: the same two halves seen from two frames fuse into two rows with running means', async () => {
    const f1 = { frame: planeFrame({ id: 'f1' }), memory: memoryOf(halves(), 2 * W, 2 * H, [[0, 0], [1, 0], [0, 1]]) }
    const f2 = { frame: planeFrame({ id: 'f2' }), memory: memoryOf(halves(), 2 * W, 2 * H, [[0, 0], [0.8, 0.2], [0.2, 0.8]]) }
    const { map, rc } = await lift([f1, f2], { fusion: 'voxel-overlap' })
    expect(rc.metrics).toMatchObject({ pool_rows: 2, masks_seen: 4 })
    // Equal point counts per observation: the means are the plain averages.
    expect(Array.from(map.pool.data)).toEqual([0.9, 0.1, 0.1, 0.9].map(Math.fround))
    const plain = await lift([f1, f2], {})
    expect(plain.rc.metrics).toMatchObject({ pool_rows: 2, masks_seen: 4 })
    expect((map as unknown as { observations: Uint32Array }).observations).toEqual(Uint32Array.from([2, 2]))
  })

  it('create (API callers) refuses greedy without a threshold and a threshold without greedy, at the option written (test/check.test.ts: the same at validate time)', async () => {
    await expect(backprojectLifter.create({ ...defaults, fusion: 'greedy' }, createTestContext()))
      .rejects.toMatchObject({ code: 'PLAF_INVALID_OPTION', diagnostics: [{ path: 'fusion', message: 'fusion: greedy needs pool_merge_threshold (a cosine, e.g. 0.95)' }] })
    await expect(backprojectLifter.create({ ...defaults, pool_merge_threshold: 0.9 }, createTestContext()))
      .rejects.toMatchObject({ code: 'PLAF_INVALID_OPTION', diagnostics: [{ path: 'pool_merge_threshold', actual: 'fusion none' }] })
  })
})
