import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Frame, Intrinsics } from '@plaf/core'
import { describeInputPlugin } from '@plaf/core/testing'
import { rgbdFolderInput } from '../../src/plugins/rgbd-folder.js'
import { formatPoseRows } from '../../src/rgbd-folder/write.js'
import { rigidInverse } from '../../src/frames/pose.js'
import { tempRoot } from '../fixtures.js'
import { openFolder, readAll, roomFrames, writeFolder } from './helpers.js'

const tmp = tempRoot('rgbd-folder')
let truth: Frame[]
const png = join(tmp.root, 'png')
const npy = join(tmp.root, 'npy')
const traj = join(tmp.root, 'traj')
beforeAll(async () => {
  truth = await roomFrames()
  await writeFolder(png, truth)
  await writeFolder(npy, truth, { depth_format: 'npy' })
  await writeFolder(traj, truth, { poses: 'trajectory', timestamp: (f) => 1305031102 + f.index / 30 })
})
afterAll(() => tmp.cleanup())

describeInputPlugin(rgbdFolderInput, [
  { name: 'written synthetic room', options: { folder: png }, frames: 3 },
  { name: 'trajectory.txt, every 2nd frame', options: { folder: traj, frame_step: 2 } },
])

function expectSameFrame(got: Frame, want: Frame): void {
  expect(got.index).toBe(want.index)
  expect(got.id).toBe(want.id)
  expect(got.rgb.shape).toEqual(want.rgb.shape)
  expect(Buffer.compare(Buffer.from(got.rgb.data), Buffer.from(want.rgb.data))).toBe(0)
  expect(got.depth!.shape).toEqual(want.depth!.shape)
  let depthDiff = 0
  for (let i = 0; i < want.depth!.data.length; i++) if (got.depth!.data[i] !== want.depth!.data[i]) depthDiff++
  expect(depthDiff).toBe(0)
  expect(got.colorIntrinsics).toEqual(want.colorIntrinsics)
  expect(got.depthIntrinsics).toEqual(want.depthIntrinsics)
}

describe('rgbd-folder: round trip of a written synthetic room', () => {
  it('pose files, 16-bit PNG depth: every colour byte, depth value and pose equal; the -inf frame skipped and counted', async () => {
    const { src, notes } = await openFolder({ folder: png })
    expect(src.format).toBe('rgbd-folder')
    expect(src.found).toBe(5)
    expect(src.frameCount).toBe(4)
    expect(src.depthScale).toBe(1000)
    const file = join(png, 'pose', '2.txt')
    expect(src.skips).toEqual([{ frame: 2, file, reason: 'non-finite pose (tracking lost)' }])
    expect(notes).toEqual([{ code: 'PLAF_FRAME_SKIPPED', severity: 'warning', frame: '000002', file, message: `frame 000002: ${file}: non-finite pose (tracking lost); frame skipped` }])
    const frames = await readAll(src)
    expect(frames.map((f) => f.index)).toEqual([0, 1, 3, 4])
    for (const f of frames) {
      const want = truth[f.index]
      expectSameFrame(f, want)
      expect(Array.from(f.pose!)).toEqual(Array.from(want.pose!))
    }
  })

  it('float32 .npy depth in metres reads back bit-exact', async () => {
    const { src } = await openFolder({ folder: npy })
    expect(src.depthScale).toBeNull()
    for (const f of await readAll(src)) expectSameFrame(f, truth[f.index])
  })

  it('trajectory.txt with timestamp-named images: poses to 1e-12, the frame without a pose skipped with the reason', async () => {
    const { src } = await openFolder({ folder: traj })
    const file = join(traj, 'trajectory.txt')
    expect(src.skips).toEqual([{ frame: 2, file, reason: 'no pose within 0.02 s of timestamp 1305031102.066667 (nearest 0.0333 s away)' }])
    const frames = await readAll(src)
    expect(frames.map((f) => f.index)).toEqual([0, 1, 3, 4])
    for (const f of frames) {
      expectSameFrame(f, truth[f.index])
      for (let i = 0; i < 16; i++) expect(Math.abs(f.pose![i] - truth[f.index].pose![i])).toBeLessThan(1e-12)
    }
  })

  it('world-to-camera OpenGL poses read back as camera-to-world OpenCV only when the options say so', async () => {
    const dir = join(tmp.root, 'w2c-gl')
    await writeFolder(dir, truth)
    for (const f of truth) {
      if (!f.pose) continue
      const gl = Float64Array.from(f.pose)
      for (let r = 0; r < 3; r++) { gl[4 * r + 1] = -gl[4 * r + 1]; gl[4 * r + 2] = -gl[4 * r + 2] }
      writeFileSync(join(dir, 'pose', `${f.index}.txt`), formatPoseRows(rigidInverse(gl)))
    }
    const explicit = await readAll((await openFolder({ folder: dir, pose_axes: 'opengl', pose_direction: 'world-to-camera' })).src)
    for (const f of explicit) for (let i = 0; i < 16; i++) expect(Math.abs(f.pose![i] - truth[f.index].pose![i])).toBeLessThan(1e-12)
    const [asDefault] = await readAll((await openFolder({ folder: dir, max_frames: 1 })).src)
    expect(Math.abs(asDefault.pose![3] - truth[0].pose![3])).toBeGreaterThan(0.1)
  })

  it('frame_step, frame_range and max_frames select before and after skipping as documented', async () => {
    expect((await openFolder({ folder: png, frame_range: [1, 4] })).src.skips.map((s) => s.frame)).toEqual([2])
    expect((await readAll((await openFolder({ folder: png, frame_range: [1, 4] })).src)).map((f) => f.index)).toEqual([1, 3])
    expect((await readAll((await openFolder({ folder: png, frame_step: 2 })).src)).map((f) => f.index)).toEqual([0, 4])
    expect((await readAll((await openFolder({ folder: png, max_frames: 3 })).src)).map((f) => f.index)).toEqual([0, 1, 3])
  })

  it('intrinsics.json states both cameras and the depth scale', () => {
    expect(JSON.parse(readFileSync(join(png, 'intrinsics.json'), 'utf8'))).toEqual({
      color: { ...pick(truth[0].colorIntrinsics!) }, depth: { ...pick(truth[0].depthIntrinsics!) }, depth_scale: 1000,
    })
  })
})

const pick = (k: Intrinsics) => ({ width: k.width, height: k.height, fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy })
