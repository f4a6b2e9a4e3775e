import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodePng } from '@plaf/core'
import { writeAde20kSplit } from '../src/ade20k/write.js'
import { inspectDataset } from '../src/inspect.js'
import { writeScene } from '../src/write-scene.js'
import { SMALL, diagnosticOf, tempRoot } from './fixtures.js'

const tmp = tempRoot('inspect')
const scene = join(tmp.root, 'scene0003_00')
beforeAll(async () => {
  await writeScene(scene, { ...SMALL, frames: 4, mesh_spacing: 0.25, invalid_pose_frames: [1] })
})
afterAll(() => tmp.cleanup())

describe('inspectDataset: frames plaf run would skip', () => {
  it('an all-zero depth image is a counted skip naming its file, as the lifter skips it in a run', async () => {
    const dir = join(tmp.root, 'zero-depth', 'scene0003_00')
    cpSync(scene, dir, { recursive: true })
    const file = join(dir, 'depth', '2.png')
    writeFileSync(file, encodePng({ data: new Uint16Array(160 * 120), width: 160, height: 120, channels: 1, depth: 16 }))
    const r = await inspectDataset(dir)
    expect([r.frames, r.usable]).toEqual([4, 2])
    expect(r.skipped).toEqual([
      { frame: 1, file: join(dir, 'pose', '1.txt'), reason: 'non-finite pose (tracking lost)' },
      { frame: 2, file, reason: 'depth has no valid pixel (all zero); plaf run (backproject) skips it' },
    ])
  })
})

describe('inspectDataset quick', () => {
  it('agrees with the full read on frames, usable and skipped, and says what it did not check', async () => {
    const full = await inspectDataset(scene)
    const quick = await inspectDataset(scene, 'auto', undefined, { quick: true })
    const { not_checked, labels, ...rest } = quick
    const { labels: fullLabels, ...fullRest } = full
    expect(rest).toEqual(fullRest)
    expect(full.not_checked).toBeUndefined()
    expect([quick.usable, quick.skipped.map((s) => s.frame)]).toEqual([3, [1]])
    expect(not_checked).toEqual([
      'the images of 2 of the 3 usable frames (only the first was decoded): a truncated or corrupt image, a depth image of the wrong bit depth, or a size change in them would stop a run',
      'the label ids of those 2 frames (labels.found and labels.unknown cover the first frame only)',
    ])
    expect(labels!.mesh).toEqual(fullLabels!.mesh)
    expect(fullLabels!.found).toEqual(expect.arrayContaining(labels!.found))
  })

  it('does not decode a later frame: a truncated JPEG there stops the full read, not the quick one', async () => {
    const dir = join(tmp.root, 'cut', 'scene0003_00')
    cpSync(scene, dir, { recursive: true })
    const jpg = join(dir, 'color', '3.jpg')
    writeFileSync(jpg, readFileSync(jpg).subarray(0, 300))
    const { cause: _c, ...d } = (await diagnosticOf(() => inspectDataset(dir)))!
    expect(d).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: jpg, frame: '000003',
      message: `frame 000003: ${jpg}: truncated JPEG (300 bytes without the end-of-image marker FFD9)`,
      expected: 'a complete JPEG or PNG colour image', actual: '300 bytes without the end-of-image marker FFD9',
    })
    expect((await inspectDataset(dir, 'auto', undefined, { quick: true })).usable).toBe(3)
  })

  it('ADE20K: decodes the first image of each split and counts the rest as not checked', async () => {
    const root = join(tmp.root, 'ADEChallengeData2016')
    await writeAde20kSplit(root, 'training', 3, [32, 24], 1)
    await writeAde20kSplit(root, 'validation', 2, [32, 24], 2)
    let decoded = 0
    const r = await inspectDataset(root, 'auto', () => decoded++, { quick: true })
    expect([r.frames, r.usable, decoded]).toEqual([5, 5, 2])
    expect(r.not_checked![0]).toBe('3 of the 5 images and their annotations (only the first of each split was decoded; every image was checked to have an annotation file): a corrupt image, an annotation of the wrong size, or a label above 150 in them would stop a run')
  })
})
