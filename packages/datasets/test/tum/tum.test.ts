import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateOptions, type Frame, type PluginNote } from '@plaf/core'
import { createTestContext, describeInputPlugin } from '@plaf/core/testing'
import type { DatasetSource } from '../../src/frames/source.js'
import { tumInput, type TumOptions } from '../../src/plugins/tum.js'
import { remapBilinearU8, remapNearestF32, undistortMaps } from '../../src/frames/undistort.js'
import { TUM_CAMERAS, TUM_DISTORTION } from '../../src/tum/reader.js'
import { writeTumSequence } from '../../src/tum/write.js'
import { diagnosticOf, tempRoot } from '../fixtures.js'
import { roomFrames } from '../rgbd-folder/helpers.js'

/** TUM images are 640×480, depth registered to colour. */
const TUM_ROOM = { color_width: 640, color_height: 480, depth_width: 640, depth_height: 480, frames: 4, room_size: [5, 4, 2.6] as [number, number, number], seed: 5, invalid_pose_frames: [2] }
const tmp = tempRoot('tum')
const seq = join(tmp.root, 'rgbd_dataset_freiburg1_synthetic')
let truth: Frame[]
beforeAll(async () => {
  truth = await roomFrames(TUM_ROOM)
  await writeTumSequence(seq, (async function* () { yield* truth })())
})
afterAll(() => tmp.cleanup())

describeInputPlugin(tumInput, [{ name: 'generated sequence', options: { sequence: seq }, frames: 2 }])

async function open(options: Partial<TumOptions>): Promise<{ src: DatasetSource; notes: PluginNote[] }> {
  const r = validateOptions(tumInput, options)
  expect(r.errors).toEqual([])
  const ctx = createTestContext()
  return { src: (await tumInput.create(r.value as unknown as TumOptions, ctx)) as DatasetSource, notes: ctx.notes }
}

async function all(src: DatasetSource): Promise<Frame[]> {
  const out: Frame[] = []
  for await (const f of src.frames()) out.push(f)
  return out
}

describe('tum: a generated sequence reads back', () => {
  it('associates colour, depth and pose by timestamp: every colour byte and depth value equal, poses to 1e-12', async () => {
    // undistort: false keeps the frames as recorded (here: as rendered), so they read back exactly
    const { src, notes } = await open({ sequence: seq, undistort: false })
    expect([src.format, src.found, src.frameCount, src.depthScale]).toEqual(['tum', 4, 3, 5000])
    const gt = join(seq, 'groundtruth.txt')
    const reason = 'no pose within 0.02 s of timestamp 1305031102.066667 (nearest 0.0303 s away)' // poses lag colour by 3 ms
    expect(src.skips).toEqual([{ frame: 2, file: gt, reason }])
    expect(notes).toEqual([
      { code: 'PLAF_FRAME_SKIPPED', severity: 'warning', frame: '000002', file: gt, message: `frame 000002: ${gt}: ${reason}; frame skipped` },
      {
        code: 'PLAF_INPUT_INVALID', severity: 'warning', file: seq, expected: 'undistorted images (or a pinhole camera)', actual: 'freiburg1: k1 k2 p1 p2 k3 = 0.2624 -0.9531 -0.0054 0.0026 1.1633',
        message: `${seq}: the freiburg1 camera's lens distortion is not corrected (undistort: false); all 3 frames are used as pinhole images, so pixels near the border are up to 36.8 px from where the lens put them`,
      },
    ])
    for (const f of await all(src)) {
      const want = truth[f.index]
      expect(Buffer.compare(Buffer.from(f.rgb.data), Buffer.from(want.rgb.data))).toBe(0)
      let diff = 0
      for (let i = 0; i < want.depth!.data.length; i++) if (f.depth!.data[i] !== want.depth!.data[i]) diff++
      expect(diff).toBe(0)
      for (let i = 0; i < 16; i++) expect(Math.abs(f.pose![i] - want.pose![i])).toBeLessThan(1e-12)
      expect(f.colorIntrinsics).toEqual({ ...TUM_CAMERAS.freiburg1, width: 640, height: 480 })
    }
  })

  it('undistorts freiburg1 frames by default: colour bilinear and depth nearest through the camera\'s maps, no warning, reported as corrected', async () => {
    const { src, notes } = await open({ sequence: seq })
    expect(notes.map((n) => n.code)).toEqual(['PLAF_FRAME_SKIPPED'])
    expect(src.distortion).toEqual({ model: 'opencv', coefficients: [...TUM_DISTORTION.freiburg1], corrected: true, max_shift_px: 36.8 })
    expect(src.describe).toContain(', freiburg1, undistorted)')
    const kept = (await open({ sequence: seq, undistort: false })).src
    expect(src.identity).not.toBe(kept.identity)
    const k = { ...TUM_CAMERAS.freiburg1, width: 640, height: 480 }
    const maps = undistortMaps(k, TUM_DISTORTION.freiburg1)
    const frames = await all(src)
    expect(frames.map((f) => f.index)).toEqual([0, 1, 3])
    for (const f of frames) {
      const want = truth[f.index]
      expect(Buffer.compare(Buffer.from(f.rgb.data), Buffer.from(remapBilinearU8(want.rgb.data as Uint8Array, 3, maps)))).toBe(0)
      // depth read back from the 16-bit PNG (1/5000 m steps), then moved to the nearest pixel
      const d = remapNearestF32(Float32Array.from(want.depth!.data, (v) => Math.min(65535, Math.round(v * 5000)) / 5000), maps)
      let off = 0
      for (let i = 0; i < d.length; i++) if (Math.abs(f.depth!.data[i] - d[i]) > 1e-6) off++
      expect(off).toBe(0)
      expect(f.colorIntrinsics).toEqual(k)
    }
  })

  it('camera: auto reads freiburgN from the folder name, an explicit camera wins, an unknown name is an error at the option', async () => {
    const [f] = await all((await open({ sequence: seq, camera: 'ros-default', max_frames: 1 })).src)
    expect(f.colorIntrinsics).toEqual({ fx: 525, fy: 525, cx: 319.5, cy: 239.5, width: 640, height: 480 })
    const other = join(tmp.root, 'my-sequence')
    cpSync(seq, other, { recursive: true })
    expect(await diagnosticOf(() => open({ sequence: other }))).toEqual({
      code: 'PLAF_INVALID_OPTION', severity: 'error', path: 'camera', file: other,
      message: 'cannot tell the TUM camera from the folder name my-sequence; set camera to freiburg1, freiburg2, freiburg3 or ros-default',
      expected: 'a folder named like rgbd_dataset_freiburg1_xyz, or an explicit camera', actual: 'my-sequence',
    })
  })

  it('depth farther than max_time_diff from every colour image: each frame skipped with the gap', async () => {
    const d = await diagnosticOf(() => open({ sequence: seq, max_time_diff: 0.001 }))
    expect(d).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: seq, actual: '4 skipped' })
    const ctx = createTestContext()
    await diagnosticOf(() => tumInput.create(validateOptions(tumInput, { sequence: seq, max_time_diff: 0.001 }).value as unknown as TumOptions, ctx))
    expect(ctx.notes[0].message).toBe(`frame 000000: ${join(seq, 'groundtruth.txt')}: no depth image within 0.001 s of 1305031102.000000.png (nearest 0.004 s away); frame skipped`)
  })

  it('a groundtruth line without 8 values, and a missing list, are errors naming the file and line', async () => {
    const bad = join(tmp.root, 'rgbd_dataset_freiburg2_bad')
    cpSync(seq, bad, { recursive: true })
    const gt = join(bad, 'groundtruth.txt')
    const lines = readFileSync(gt, 'utf8').split('\n')
    lines[4] = lines[4].split(' ').slice(0, 7).join(' ')
    writeFileSync(gt, lines.join('\n'))
    expect(await diagnosticOf(() => open({ sequence: bad }))).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: gt, line: 5, expected: '8 values', actual: '7',
      message: `${gt}:5: expected 8 values (timestamp tx ty tz qx qy qz qw), found 7`,
    })
  })
})
