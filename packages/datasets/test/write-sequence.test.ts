import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { validateOptions, type Frame } from '@plaf/core'
import { createTestContext } from '@plaf/core/testing'
import type { DatasetSource } from '../src/frames/source.js'
import { tumInput, type TumOptions } from '../src/plugins/tum.js'
import { resolveOptions, SYNTHETIC_OPTIONS_SCHEMA, type SyntheticOptions } from '../src/synthetic/options.js'
import { castRays } from '../src/synthetic/raycast.js'
import { generateRoom } from '../src/synthetic/room.js'
import { TUM_CAMERAS } from '../src/tum/reader.js'
import { writeSyntheticSequence } from '../src/write-sequence.js'
import { diagnosticOf, tempRoot } from './fixtures.js'

const tmp = tempRoot('write-sequence')
afterAll(() => tmp.cleanup())

describe('writeSyntheticSequence tum', () => {
  it('renders with the freiburg3 camera: the tum reader reads every depth as the ray cast through that camera gives it', async () => {
    const dir = join(tmp.root, 'rgbd_dataset_freiburg3_synthetic')
    const options = { frames: 3, seed: 4, invalid_pose_frames: [1] }
    const s = await writeSyntheticSequence(dir, 'tum', options)
    expect([s.format, s.frames, s.invalidPoseFrames]).toEqual(['tum', 3, [1]])
    const src = (await tumInput.create(validateOptions(tumInput, { sequence: dir }).value as unknown as TumOptions, createTestContext())) as DatasetSource
    expect([src.frameCount, src.skips.map((k) => k.frame), src.distortion]).toEqual([2, [1], undefined])
    const room = generateRoom(resolveOptions<SyntheticOptions>(SYNTHETIC_OPTIONS_SCHEMA, { ...options, color_width: 640, color_height: 480, depth_width: 640, depth_height: 480 }, 'test'))
    const k = { ...TUM_CAMERAS.freiburg3, width: 640, height: 480 }
    const frames: Frame[] = []
    for await (const f of src.frames()) frames.push(f)
    for (const f of frames) {
      expect(f.colorIntrinsics).toEqual(k)
      const truth = castRays(room.rays, k, room.poses[f.index]).depth
      let worst = 0
      for (let i = 0; i < truth.length; i++) worst = Math.max(worst, Math.abs(f.depth!.data[i] - Math.round(Math.round(truth[i] * 1000) / 1000 * 5000) / 5000))
      expect(worst).toBeLessThanOrEqual(1e-6)
      for (let i = 0; i < 16; i++) expect(Math.abs(f.pose![i] - room.poses[f.index][i])).toBeLessThan(1e-9)
    }
  })

  it('refuses another size, and a folder whose name does not say freiburg3', async () => {
    const wrongName = join(tmp.root, 'rgbd_dataset_freiburg1_synthetic')
    expect(await diagnosticOf(() => writeSyntheticSequence(wrongName, 'tum', { frames: 2 }))).toEqual({
      code: 'PLAF_INVALID_OPTION', severity: 'error', file: wrongName, expected: 'a folder named like rgbd_dataset_freiburg3_synthetic', actual: 'rgbd_dataset_freiburg1_synthetic',
      message: `make-scene: ${wrongName}: a TUM sequence carries no intrinsics, and the tum reader takes the camera from the folder name; a generated one uses the freiburg3 camera, so its folder name must say freiburg3`,
      hint: `TUM's own folders are named so (rgbd_dataset_freiburg3_…); write it as ${join(tmp.root, 'rgbd_dataset_freiburg3_rgbd_dataset_freiburg1_synthetic')}`,
    })
    expect(await diagnosticOf(() => writeSyntheticSequence(join(tmp.root, 'x_freiburg3'), 'tum', { frames: 2, color_width: 320 }))).toMatchObject({
      code: 'PLAF_INVALID_OPTION', path: 'color_width', expected: '640×480 colour and depth', actual: 'colour 320×480, depth 640×480',
    })
  })
})

describe('writeSyntheticSequence replica: the shared cam_params.json one folder up', () => {
  const small = { frames: 2, color_width: 40, color_height: 30 }

  it('is written when absent, left alone when it holds the same camera, and says where it is', async () => {
    const parent = join(tmp.root, 'shared-ok')
    const first = await writeSyntheticSequence(join(parent, 'room0'), 'replica', small)
    const file = join(parent, 'cam_params.json')
    expect(first.cameraFile).toEqual({ file, written: true })
    const text = readFileSync(file, 'utf8')
    expect(JSON.parse(text).camera).toMatchObject({ w: 40, h: 30, scale: 6553.5 })
    writeFileSync(file, JSON.stringify(JSON.parse(text))) // same camera, other formatting
    const again = await writeSyntheticSequence(join(parent, 'room1'), 'replica', small)
    expect(again.cameraFile).toEqual({ file, written: false })
    expect(readFileSync(file, 'utf8')).toBe(JSON.stringify(JSON.parse(text)))
  })

  it('is never replaced when it holds another camera or is not JSON: an error naming it, nothing written', async () => {
    for (const [name, mine, actual] of [
      ['real', '{"camera": {"w": 1200, "h": 680, "fx": 600, "fy": 600, "cx": 599.5, "cy": 339.5, "scale": 6553.5}}\n', 'w 1200, h 680, fx 600, fy 600, cx 599.5, cy 339.5, scale 6553.5'],
      ['mine', 'MINE', /^not JSON \(/],
    ] as const) {
      const parent = join(tmp.root, `shared-${name}`)
      mkdirSync(parent)
      const file = join(parent, 'cam_params.json')
      writeFileSync(file, mine)
      const dir = join(parent, 'synth')
      const d = await diagnosticOf(() => writeSyntheticSequence(dir, 'replica', small))
      expect(d).toMatchObject({ code: 'PLAF_INVALID_OPTION', severity: 'error', file, actual, hint: expect.stringContaining('a folder whose parent holds no cam_params.json') as unknown })
      expect(d!.message).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')} already exists with another camera .*writing a Replica sequence into ${dir.replace(/[.]/g, '\\.')} would replace it`))
      expect(readFileSync(file, 'utf8')).toBe(mine)
      expect(existsSync(dir)).toBe(false)
    }
  })
})
