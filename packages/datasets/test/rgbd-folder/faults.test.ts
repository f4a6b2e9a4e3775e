import { cpSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodePng } from '@plaf/core'
import { diagnosticOf, tempRoot } from '../fixtures.js'
import { openFolder, readAll, roomFrames, writeFolder } from './helpers.js'

const tmp = tempRoot('rgbd-faults')
const pristine = join(tmp.root, 'pristine')
let n = 0
beforeAll(async () => {
  await writeFolder(pristine, await roomFrames(), { color_format: 'jpg' })
})
afterAll(() => tmp.cleanup())

/** A fresh copy of the pristine folder to damage. */
function damaged(): string {
  const dir = join(tmp.root, `case-${n++}`)
  cpSync(pristine, dir, { recursive: true })
  return dir
}

/** The first diagnostic of what opening and reading every frame throws, without `cause`. */
async function fault(folder: string): Promise<Record<string, unknown>> {
  const d = await diagnosticOf(async () => readAll((await openFolder({ folder })).src))
  expect(d).toBeDefined()
  const { cause: _c, ...rest } = d!
  return rest
}

describe('rgbd-folder: every fault is a clear error or a counted skip', () => {
  it('a truncated JPEG: error naming the frame and file', async () => {
    const dir = damaged()
    const file = join(dir, 'color', '3.jpg')
    const size = Math.floor(statSync(file).size / 2)
    truncateSync(file, size)
    expect(await fault(dir)).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000003',
      message: `frame 000003: ${file}: truncated JPEG (${size} bytes without the end-of-image marker FFD9)`,
      expected: 'a complete JPEG or PNG colour image', actual: `${size} bytes without the end-of-image marker FFD9`,
    })
  })

  it('a colour "image" that is not an image', async () => {
    const dir = damaged()
    const file = join(dir, 'color', '1.jpg')
    writeFileSync(file, 'this is a text file, not a JPEG\n')
    expect(await fault(dir)).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000001',
      message: `frame 000001: ${file}: not an image (no known image format)`,
      expected: 'a JPEG or PNG colour image', actual: 'Input buffer contains unsupported image format',
    })
  })

  it('a depth PNG of the wrong size', async () => {
    const dir = damaged()
    const file = join(dir, 'depth', '4.png')
    writeFileSync(file, encodePng({ data: new Uint16Array(40 * 30).fill(1500), width: 40, height: 30, channels: 1, depth: 16 }))
    expect(await fault(dir)).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000004', expected: '80×60', actual: '40×30',
      message: `frame 000004: ${file}: depth image is 40×30, expected 80×60 as ${join(dir, 'intrinsics.json')} (depth) says`,
    })
  })

  it('an 8-bit depth PNG', async () => {
    const dir = damaged()
    const file = join(dir, 'depth', '0.png')
    writeFileSync(file, encodePng({ data: new Uint8Array(80 * 60).fill(200), width: 80, height: 60, channels: 1 }))
    expect(await fault(dir)).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000000', expected: 'a single-channel 16-bit PNG', actual: '1 channel(s) at 8 bits',
      message: `frame 000000: ${file}: depth must be a single-channel 16-bit PNG, found 1 channel(s) at 8 bits`,
    })
  })

  it('colour images whose size changes mid-sequence', async () => {
    const dir = damaged()
    const file = join(dir, 'color', '3.jpg')
    writeFileSync(file, await sharp({ create: { width: 80, height: 60, channels: 3, background: '#808080' } }).jpeg().toBuffer())
    expect(await fault(dir)).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000003', expected: '160×120', actual: '80×60',
      message: `frame 000003: ${file}: colour image is 80×60, expected 160×120 as ${join(dir, 'intrinsics.json')} (color) says`,
    })
  })

  it('poses with NaN or ±inf: skipped and counted, one warning each, the rest read', async () => {
    const dir = damaged()
    writeFileSync(join(dir, 'pose', '1.txt'), '1 0 0 nan\n0 1 0 0\n0 0 1 0\n0 0 0 1\n')
    writeFileSync(join(dir, 'pose', '3.txt'), '1 0 0 0\n0 1 0 inf\n0 0 1 0\n0 0 0 1\n')
    const { src, notes } = await openFolder({ folder: dir })
    const reason = 'non-finite pose (tracking lost)'
    expect(src.skips).toEqual([1, 2, 3].map((frame) => ({ frame, file: join(dir, 'pose', `${frame}.txt`), reason })))
    expect(notes.map((x) => x.message)).toEqual([1, 2, 3].map((i) => `frame 00000${i}: ${join(dir, 'pose', `${i}.txt`)}: ${reason}; frame skipped`))
    expect((await readAll(src)).map((f) => f.index)).toEqual([0, 4])
    for (const f of await readAll(src)) expect(f.pose!.every(Number.isFinite)).toBe(true)
  })

  it('a pose that is not a rigid transform: skipped, with the measured deviation', async () => {
    const dir = damaged()
    const file = join(dir, 'pose', '4.txt')
    writeFileSync(file, '1.2 0 0 1\n0 1 0 2\n0 0 1 1.5\n0 0 0 1\n')
    const sheared = join(dir, 'pose', '0.txt')
    writeFileSync(sheared, '1 0 0 1\n0 1 0 2\n0 0 1 1.5\n0.5 0 0 1\n')
    const { src } = await openFolder({ folder: dir })
    expect(src.skips).toEqual([
      { frame: 0, file: sheared, reason: 'not a rigid transform: last row is [0.5 0 0 1], expected [0 0 0 1]' },
      { frame: 2, file: join(dir, 'pose', '2.txt'), reason: 'non-finite pose (tracking lost)' },
      { frame: 4, file, reason: 'not a rigid transform: max |RᵀR − I| = 0.44, det R = 1.2 (tolerance 0.001)' },
    ])
    expect(src.frameCount).toBe(2)
  })

  it('a pose file with the wrong number of rows, or values that are not numbers', async () => {
    const dir = damaged()
    const file = join(dir, 'pose', '1.txt')
    writeFileSync(file, '1 0 0 0\n0 1 0 0\n0 0 1 0\n')
    expect(await fault(dir)).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000001', expected: '4 rows of 4 numbers', actual: '3 row(s) with 4, 4, 4 value(s)',
      message: `frame 000001: ${file}: expected 4 rows of 4 numbers (a 4×4 pose), found 3 row(s) with 4, 4, 4 value(s)`,
    })
    writeFileSync(file, '1 0 0 0\n0 1 0\n0 0 1 0 0\n0 0 0 1\n')
    expect((await fault(dir)).actual).toBe('4 row(s) with 4, 3, 5, 4 value(s)')
    writeFileSync(file, '1 0 0 0\n0 1 0 0\n0 0 1 x0.5\n0 0 0 1\n')
    expect(await fault(dir)).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000001', expected: 'a number', actual: 'x0.5',
      message: `frame 000001: ${file}: "x0.5" is not a number (row 3, column 4)`,
    })
  })

  it('a missing pose file', async () => {
    const dir = damaged()
    const file = join(dir, 'pose', '3.txt')
    rmSync(file)
    expect(await fault(dir)).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000003', expected: 'a 4×4 pose text file for every colour image', actual: 'no such file',
      message: `frame 000003: ${file}: pose file is missing`,
    })
  })

  it('a missing colour image: an error naming it and the frame, as a missing pose is; the frame is not dropped', async () => {
    const dir = damaged()
    const file = join(dir, 'color', '3.jpg')
    rmSync(file)
    expect(await fault(dir)).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000003', expected: 'a colour image for every frame that has a depth image or pose file', actual: 'no such file',
      message: `frame 000003: ${file}: colour image is missing; depth/3.png and pose/3.txt are there`,
    })
    // a frame frame_step does not select does not matter, as with a missing pose
    expect((await readAll((await openFolder({ folder: dir, frame_step: 2 })).src)).map((f) => f.index)).toEqual([0, 4])
  })

  it('a depth image with neither colour nor pose is named too, also by the plugin check (plaf validate)', async () => {
    const dir = damaged()
    cpSync(join(dir, 'depth', '4.png'), join(dir, 'depth', '9.png'))
    expect(await fault(dir)).toMatchObject({ file: join(dir, 'color', '9.jpg'), frame: '000009', message: `frame 000009: ${join(dir, 'color', '9.jpg')}: colour image is missing; depth/9.png is there` })
    // the plugin check (plaf validate) opens the folder the same way
    const { rgbdFolderInput } = await import('../../src/plugins/rgbd-folder.js')
    const notes = await rgbdFolderInput.check!({ folder: dir, frame_step: 1, frame_range: null, max_frames: null, pose_axes: 'opencv', pose_direction: 'camera-to-world', max_time_diff: 0.02 }, { baseDir: tmp.root })
    expect(notes).toMatchObject([{ code: 'PLAF_INPUT_INVALID', path: 'folder', file: join(dir, 'color', '9.jpg'), frame: '000009' }])
  })

  it('missing intrinsics, and intrinsics with a bad value', async () => {
    const dir = damaged()
    const file = join(dir, 'intrinsics.json')
    const text = readFileSync(file, 'utf8')
    rmSync(file)
    expect(await fault(dir)).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file,
      message: `${file} is missing: an rgbd-folder states its camera intrinsics there`,
      expected: 'intrinsics.json with color {width, height, fx, fy, cx, cy} and depth_scale', actual: 'no such file',
      hint: 'e.g. {"color": {"width": 640, "height": 480, "fx": 525, "fy": 525, "cx": 319.5, "cy": 239.5}, "depth_scale": 1000}',
    })
    const json = JSON.parse(text)
    json.color.fx = -3
    writeFileSync(file, JSON.stringify(json))
    expect(await fault(dir)).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, path: 'color.fx', expected: 'a positive number (pixels)', actual: '-3',
      message: `${file}: color.fx is -3; expected a positive number (pixels)`,
    })
    delete json.depth_scale
    json.color.fx = 200
    writeFileSync(file, JSON.stringify(json))
    expect(await fault(dir)).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, path: 'depth_scale', expected: 'depth_scale: depth PNG units per metre (1000 for millimetres)', actual: 'missing',
      message: `${file}: depth images are 16-bit PNGs (${join(dir, 'depth', '0.png')}) but depth_scale is not stated`,
    })
  })

  it('an empty directory, and one with no poses', async () => {
    const dir = join(tmp.root, 'empty')
    mkdirSync(dir)
    expect(await fault(dir)).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: dir, expected: 'intrinsics.json, color/, depth/, and pose/ or trajectory.txt', actual: 'an empty directory',
      message: `${dir} is empty; expected an rgbd-folder (intrinsics.json, color/, depth/, and pose/ or trajectory.txt)`,
    })
    const noPoses = damaged()
    rmSync(join(noPoses, 'pose'), { recursive: true })
    expect(await fault(noPoses)).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: noPoses, expected: 'pose/<stem>.txt per frame, or trajectory.txt', actual: 'no poses',
      message: `${noPoses} has neither a pose/ folder nor a trajectory.txt`,
    })
  })

  it('the plugin check reports the same fault at the folder option, before any frame is read', async () => {
    const { rgbdFolderInput } = await import('../../src/plugins/rgbd-folder.js')
    const dir = join(tmp.root, 'nowhere')
    const notes = await rgbdFolderInput.check!({ folder: dir, frame_step: 1, frame_range: null, max_frames: null, pose_axes: 'opencv', pose_direction: 'camera-to-world', max_time_diff: 0.02 }, { baseDir: tmp.root })
    expect(notes).toEqual([{
      code: 'PLAF_FILE_NOT_FOUND', file: dir, path: 'folder', message: `rgbd-folder ${dir} does not exist`,
      expected: 'a directory holding intrinsics.json, color/, depth/, and pose/ or trajectory.txt',
    }])
  })
})
