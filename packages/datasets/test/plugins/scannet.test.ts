import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePng, encodePng, validateOptions, type Frame, type Intrinsics } from '@plaf/core'
import { createTestContext, describeInputPlugin } from '@plaf/core/testing'
import { scannetInput, type ScannetOptions } from '../../src/plugins/scannet.js'
import { syntheticRoomInput } from '../../src/plugins/synthetic-room.js'
import type { ScannetSource } from '../../src/scannet/reader.js'
import { backProject, projectPoint } from '../../src/synthetic/camera.js'
import type { SyntheticOptions } from '../../src/synthetic/options.js'
import { writeScene } from '../../src/write-scene.js'
import { SMALL, diagnosticOf, tempRoot } from '../fixtures.js'

const tmp = tempRoot()
const dir = join(tmp.root, 'scene0042_00')
const generator = { ...SMALL, invalid_pose_frames: [2] }
beforeAll(async () => {
  await writeScene(dir, generator)
})
afterAll(() => tmp.cleanup())

describeInputPlugin(scannetInput, [
  { name: 'written synthetic scene', options: { scene: dir }, frames: 3 },
  { name: 'every 2nd frame, no labels', options: { scene: dir, frame_step: 2, load_labels: false } },
])

async function open(options: Partial<ScannetOptions>, baseDir?: string) {
  const r = validateOptions(scannetInput, options)
  expect(r.errors).toEqual([])
  const ctx = createTestContext({ baseDir })
  const src = (await scannetInput.create(r.value as unknown as ScannetOptions, ctx)) as ScannetSource
  return { src, notes: ctx.notes }
}

async function collect(src: ScannetSource, from?: number): Promise<Frame[]> {
  const out: Frame[] = []
  for await (const f of src.frames(from)) out.push(f)
  return out
}

/** A copy of the written scene to damage. */
function copyScene(name: string): string {
  const copy = join(tmp.root, name)
  cpSync(dir, copy, { recursive: true })
  return copy
}

describe('scannet: round trip of a written scene', () => {
  it('skips the -inf pose frame with one PLAF_FRAME_SKIPPED warning and counts it', async () => {
    const { src, notes } = await open({ scene: dir })
    expect(src.frameCount).toBe(5)
    expect(src.skipped).toBe(1)
    expect(src.skippedFrames).toEqual(['000002'])
    expect(src.skips).toEqual([{ frame: 2, file: join(dir, 'pose', '2.txt'), reason: 'non-finite pose (tracking lost)' }])
    expect([src.format, src.found, src.depthScale]).toEqual(['scannet', 6, 1000])
    expect(notes).toEqual([{
      code: 'PLAF_FRAME_SKIPPED', severity: 'warning', frame: '000002', file: join(dir, 'pose', '2.txt'),
      message: `frame 000002: ${join(dir, 'pose', '2.txt')}: non-finite pose (tracking lost); frame skipped`,
    }])
    const frames = await collect(src)
    expect(frames.map((f) => f.id)).toEqual(['000000', '000001', '000003', '000004', '000005'])
    expect(frames.map((f) => f.index)).toEqual([0, 1, 3, 4, 5])
    // Iterating again warns no more.
    await collect(src)
    expect(notes).toHaveLength(1)
  })

  it('reads back what synthetic-room renders: depth exact in mm, labels exact, poses to 1e-6, JPEG close', async () => {
    const { src } = await open({ scene: dir })
    const { mesh_spacing: _m, ...synth } = generator
    const gen = await syntheticRoomInput.create(validateOptions(syntheticRoomInput, synth).value as unknown as SyntheticOptions, createTestContext())
    const byIndex = new Map<number, Frame>()
    for await (const f of gen.frames()) byIndex.set(f.index, f)
    for (const f of await collect(src)) {
      const g = byIndex.get(f.index)!
      expect(f.depth!.shape).toEqual(g.depth!.shape)
      let depthDiff = 0
      for (let i = 0; i < f.depth!.data.length; i++) depthDiff = Math.max(depthDiff, Math.abs(Math.round(f.depth!.data[i] * 1000) - Math.round(g.depth!.data[i] * 1000)))
      expect(depthDiff).toBe(0)
      let labelDiff = 0
      for (let i = 0; i < f.labels!.data.length; i++) if (f.labels!.data[i] !== g.labels!.data[i]) labelDiff++
      expect(labelDiff).toBe(0)
      expect(f.labels!.data.length).toBe(320 * 240)
      for (let k = 0; k < 16; k++) expect(Math.abs(f.pose![k] - g.pose![k])).toBeLessThanOrEqual(1e-6)
      for (const key of ['fx', 'fy', 'cx', 'cy', 'width', 'height'] as const) {
        expect(Math.abs(f.colorIntrinsics![key] - g.colorIntrinsics![key])).toBeLessThanOrEqual(1e-6)
        expect(Math.abs(f.depthIntrinsics![key] - g.depthIntrinsics![key])).toBeLessThanOrEqual(1e-6)
      }
      let abs = 0
      for (let i = 0; i < f.rgb.data.length; i++) abs += Math.abs(f.rgb.data[i] - g.rgb.data[i])
      expect(abs / f.rgb.data.length).toBeLessThan(3) // JPEG quality 90
    }
  })

  it('honours frame_step, max_frames and frames(from)', async () => {
    const step = (await open({ scene: dir, frame_step: 2 })).src
    expect(step.files.map((f) => f.index)).toEqual([0, 4]) // 2 is stepped on but skipped
    expect(step.skipped).toBe(1)
    const limited = (await open({ scene: dir, max_frames: 3 })).src
    expect(limited.frameCount).toBe(3)
    expect((await collect(limited)).map((f) => f.id)).toEqual(['000000', '000001', '000003'])
    expect((await collect(limited, 1)).map((f) => f.id)).toEqual(['000001', '000003'])
    expect(await collect(limited, 3)).toEqual([])
  })

  it('resolves a relative scene path against the pipeline directory', async () => {
    const { src } = await open({ scene: relative(tmp.root, dir) }, tmp.root)
    expect(src.dir).toBe(dir)
  })

  it('sorts frames numerically and finds labels in an unzipped <scene>_2d-label-filt folder', async () => {
    const copy = copyScene('scene0042_01')
    // Rename frame 5 to 10: as text, "10" would sort before "3".
    for (const [from, to] of [['color', 'jpg'], ['depth', 'png'], ['pose', 'txt'], ['label-filt', 'png']]) renameSync(join(copy, from, `5.${to}`), join(copy, from, `10.${to}`))
    // Frame 5 is gone, so the scan's metadata no longer counts its frames: a hand-made scene without numColorFrames/numDepthFrames.
    const txt = join(copy, 'scene0042_00.txt')
    writeFileSync(txt, readFileSync(txt, 'utf8').replace(/^num(Color|Depth)Frames = .*\n/gm, ''))
    mkdirSync(join(copy, 'scene0042_01_2d-label-filt'))
    renameSync(join(copy, 'label-filt'), join(copy, 'scene0042_01_2d-label-filt', 'label-filt'))
    const { src } = await open({ scene: copy })
    expect(src.files.map((f) => f.index)).toEqual([0, 1, 3, 4, 10])
    expect(src.labelDir).toBe(join(copy, 'scene0042_01_2d-label-filt', 'label-filt'))
    expect((await collect(src)).at(-1)!.labels).toBeDefined()
  })

  it('resizes a label image of another size to colour resolution (nearest)', async () => {
    const copy = copyScene('scene0042_02')
    writeFileSync(join(copy, 'label-filt', '0.png'), encodePng({ width: 2, height: 2, channels: 1, data: Uint16Array.from([1, 2, 3, 4]) }))
    const [f] = await collect((await open({ scene: copy, max_frames: 1 })).src)
    expect(f.labels!.shape).toEqual([240, 320])
    expect([f.labels!.data[0], f.labels!.data[319], f.labels!.data[320 * 239], f.labels!.data[320 * 240 - 1]]).toEqual([1, 2, 3, 4])
  })

  it('reads an 8-bit label image value for value (not as sRGB)', async () => {
    const copy = copyScene('scene0042_04')
    const ids = new Uint8Array(320 * 240)
    for (let i = 0; i < ids.length; i++) ids[i] = i % 251
    writeFileSync(join(copy, 'label-filt', '0.png'), encodePng({ width: 320, height: 240, channels: 1, data: ids, depth: 8 }))
    const [f] = await collect((await open({ scene: copy, max_frames: 1 })).src)
    expect(Array.from(f.labels!.data)).toEqual(Array.from(ids))
  })

  it('resize: color-to-depth gives colour and labels at the depth size with the colour intrinsics scaled to it', async () => {
    const [plain] = await collect((await open({ scene: dir, max_frames: 1 })).src)
    const { src } = await open({ scene: dir, max_frames: 1, resize: 'color-to-depth' })
    expect(src.identity).not.toBe((await open({ scene: dir, max_frames: 1 })).src.identity)
    const [f] = await collect(src)
    expect([f.rgb.shape, f.labels!.shape, f.depth!.shape]).toEqual([[120, 160, 3], [120, 160], [120, 160]])
    for (const key of ['fx', 'fy', 'cx', 'cy', 'width', 'height'] as const) expect(Math.abs(f.colorIntrinsics![key] - f.depthIntrinsics![key])).toBeLessThan(1e-5)
    expect(f.labels!.data[0]).toBe(plain.labels!.data[0])
    expect(Array.from(f.depth!.data)).toEqual(Array.from(plain.depth!.data))
  })

  it('changes identity when a frame file changes', async () => {
    const copy = copyScene('scene0042_03')
    const before = (await open({ scene: copy })).src.identity
    expect((await open({ scene: copy })).src.identity).toBe(before)
    const pose = join(copy, 'pose', '1.txt')
    writeFileSync(pose, readFileSync(pose, 'utf8').replace(/^(\S+)/, '0.500000'))
    expect((await open({ scene: copy })).src.identity).not.toBe(before)
  })
})

describe('scannet: bad inputs', () => {
  it('a missing scene directory is PLAF_FILE_NOT_FOUND', async () => {
    const missing = join(tmp.root, 'nope')
    expect(await diagnosticOf(() => open({ scene: missing }))).toEqual({
      code: 'PLAF_FILE_NOT_FOUND', severity: 'error', message: `scene directory ${missing} does not exist`, file: missing,
    })
  })

  it('a missing pose file is PLAF_INPUT_INVALID naming the file and frame', async () => {
    const copy = copyScene('missing-pose')
    rmSync(join(copy, 'pose', '3.txt'))
    const d = await diagnosticOf(() => open({ scene: copy }))
    expect(d).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: join(copy, 'pose', '3.txt'), frame: '000003' })
    expect(d?.message).toBe(`${join(copy, 'pose', '3.txt')}: the pose is missing (frame 000003)`)
  })

  it('a missing depth file is reported when the scene is opened', async () => {
    const copy = copyScene('missing-depth')
    rmSync(join(copy, 'depth', '4.png'))
    expect(await diagnosticOf(() => open({ scene: copy }))).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: join(copy, 'depth', '4.png'), frame: '000004' })
  })

  it('a corrupt depth PNG is PLAF_INPUT_INVALID when its frame is read', async () => {
    const copy = copyScene('corrupt-png')
    const file = join(copy, 'depth', '1.png')
    writeFileSync(file, readFileSync(file).subarray(0, 100))
    const { src } = await open({ scene: copy })
    const d = await diagnosticOf(() => collect(src))
    expect(d).toMatchObject({ code: 'PLAF_INPUT_INVALID', file, frame: '000001' })
    expect(d?.message).toMatch(/^frame 000001: .*depth\/1\.png: not a readable PNG/)
  })

  it('an 8-bit or RGB depth PNG is rejected with what was found', async () => {
    const copy = copyScene('rgb-depth')
    const file = join(copy, 'depth', '0.png')
    writeFileSync(file, encodePng({ width: 160, height: 120, channels: 3, data: new Uint8Array(160 * 120 * 3) }))
    const d = await diagnosticOf(async () => collect((await open({ scene: copy })).src))
    expect(d).toMatchObject({ code: 'PLAF_INPUT_INVALID', file, frame: '000000' })
    expect(d?.message).toMatch(/depth must be a single-channel 16-bit PNG, found 3 channel\(s\) at 8 bits/)
  })

  it('a corrupt JPEG is PLAF_INPUT_INVALID with its file and frame', async () => {
    const copy = copyScene('corrupt-jpg')
    const file = join(copy, 'color', '4.jpg')
    writeFileSync(file, 'not a jpeg')
    const d = await diagnosticOf(async () => collect((await open({ scene: copy })).src))
    expect(d).toMatchObject({ code: 'PLAF_INPUT_INVALID', file, frame: '000004' })
  })

  it('colour images whose size changes mid-sequence: an error naming both frames (no <scene>.txt to check sizes against)', async () => {
    const copy = copyScene('size-change')
    rmSync(join(copy, 'scene0042_00.txt'))
    const file = join(copy, 'color', '3.jpg')
    writeFileSync(file, await sharp({ create: { width: 80, height: 60, channels: 3, background: '#808080' } }).jpeg().toBuffer())
    const d = await diagnosticOf(async () => collect((await open({ scene: copy })).src))
    const { cause: _c, ...rest } = d!
    expect(rest).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000003', expected: '320×240', actual: '80×60',
      message: `frame 000003: ${file}: colour image is 80×60, but frame 000000 was 320×240; colour size changes mid-sequence`,
    })
  })

  it('a 1×1 colour image is an error, even as the only frame read', async () => {
    const copy = copyScene('one-pixel')
    const file = join(copy, 'color', '0.jpg')
    writeFileSync(file, await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } }).jpeg().toBuffer())
    const d = await diagnosticOf(async () => collect((await open({ scene: copy, max_frames: 1 })).src))
    const { cause: _c, ...rest } = d!
    expect(rest).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000000', expected: 'at least 2×2 pixels', actual: '1×1',
      message: `frame 000000: ${file}: colour image is 1×1; a camera frame has at least 2×2 pixels`,
    })
  })

  it('colour images resized while their intrinsics stayed: an error naming the principal point, not a silent resize back (no <scene>.txt)', async () => {
    const copy = copyScene('shrunk-colour')
    rmSync(join(copy, 'scene0042_00.txt'))
    for (const i of [0, 1, 3, 4, 5]) {
      const file = join(copy, 'color', `${i}.jpg`)
      writeFileSync(file, await sharp(readFileSync(file)).resize(64, 48).jpeg().toBuffer())
    }
    const file = join(copy, 'color', '0.jpg')
    const k = readFileSync(join(copy, 'intrinsic', 'intrinsic_color.txt'), 'utf8').trim().split(/\s+/).map(Number)
    const d = await diagnosticOf(async () => collect((await open({ scene: copy })).src))
    const { cause: _c, ...rest } = d!
    expect(rest).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000000',
      expected: 'a principal point within the 64×48 image (−0.5 ≤ cx ≤ 63.5, −0.5 ≤ cy ≤ 47.5)', actual: `cx ${k[2]}, cy ${k[6]}`,
      message: `frame 000000: ${file}: colour image is 64×48 but its intrinsics' principal point (cx ${k[2]}, cy ${k[6]}) lies off it; the image was resized or its intrinsics are another camera's`,
    })
  })

  it('a pose that is not rigid is skipped with its deviation, like a non-finite one', async () => {
    const copy = copyScene('non-rigid')
    const file = join(copy, 'pose', '4.txt')
    writeFileSync(file, '2 0 0 1\n0 1 0 1\n0 0 1 1\n0 0 0 1\n')
    const { src } = await open({ scene: copy })
    expect(src.skips.at(-1)).toEqual({ frame: 4, file, reason: 'not a rigid transform: max |RᵀR − I| = 3, det R = 2 (tolerance 0.001)' })
    expect(src.files.map((f) => f.index)).toEqual([0, 1, 3, 5])
  })

  it('label ids absent from the TSV: one warning per id, naming the first frame and file, and the frames still read', async () => {
    const copy = copyScene('unknown-labels')
    const file = join(copy, 'label-filt', '3.png')
    const ids = new Uint16Array(320 * 240).fill(4242)
    ids.fill(4243, 0, 10)
    writeFileSync(file, encodePng({ width: 320, height: 240, channels: 1, data: ids }))
    writeFileSync(join(copy, 'label-filt', '4.png'), encodePng({ width: 320, height: 240, channels: 1, data: ids }))
    const { src, notes } = await open({ scene: copy })
    expect((await collect(src)).map((f) => f.index)).toEqual([0, 1, 3, 4, 5])
    const tsv = join(copy, 'scannetv2-labels.combined.tsv')
    expect(notes.filter((n) => n.code === 'PLAF_INPUT_INVALID')).toEqual([4243, 4242].map((id) => ({ // in pixel order
      code: 'PLAF_INPUT_INVALID', severity: 'warning', file, frame: '000003', expected: `a raw id listed in ${tsv}`, actual: String(id),
      message: `frame 000003: ${file}: label id ${id} is not in ${tsv}; its pixels map to no class`,
    })))
  })

  it('a pose with a non-number token is PLAF_INPUT_INVALID, not a skip', async () => {
    const copy = copyScene('bad-pose')
    const file = join(copy, 'pose', '0.txt')
    writeFileSync(file, '1 0 0 0\n0 1 0 0\n0 0 1 x\n0 0 0 1\n')
    expect(await diagnosticOf(() => open({ scene: copy }))).toMatchObject({ code: 'PLAF_INPUT_INVALID', file, frame: '000000', actual: 'x' })
  })

  it('missing intrinsics, missing color/ and labels demanded but absent are PLAF_INPUT_INVALID', async () => {
    const noK = copyScene('no-intrinsics')
    rmSync(join(noK, 'intrinsic', 'intrinsic_depth.txt'))
    expect(await diagnosticOf(() => open({ scene: noK }))).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: join(noK, 'intrinsic', 'intrinsic_depth.txt') })
    const noLabels = copyScene('no-labels')
    rmSync(join(noLabels, 'label-filt'), { recursive: true })
    expect(await diagnosticOf(() => open({ scene: noLabels, load_labels: true }))).toMatchObject({ code: 'PLAF_INPUT_INVALID' })
    const auto = await open({ scene: noLabels })
    expect((await collect(auto.src))[0].labels).toBeUndefined()
    const empty = join(tmp.root, 'empty')
    mkdirSync(empty)
    expect(await diagnosticOf(() => open({ scene: empty }))).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: join(empty, 'color') })
  })

  it('a scene whose every pose is invalid is an error, after one warning per frame', async () => {
    const copy = copyScene('all-invalid')
    for (const i of [0, 1, 3, 4, 5]) writeFileSync(join(copy, 'pose', `${i}.txt`), '-inf -inf -inf -inf\n'.repeat(4))
    const ctx = createTestContext()
    const opts = validateOptions(scannetInput, { scene: copy }).value as unknown as ScannetOptions
    expect(await diagnosticOf(() => scannetInput.create(opts, ctx))).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: copy })
    expect(ctx.notes.map((n) => n.frame)).toEqual(['000000', '000001', '000002', '000003', '000004', '000005'])
  })
})

/** The first diagnostic `open` throws, without `cause`. */
async function openFault(options: Partial<ScannetOptions>): Promise<Record<string, unknown>> {
  const d = await diagnosticOf(() => open(options))
  expect(d).toBeDefined()
  const { cause: _c, ...rest } = d!
  return rest
}

/** `<scene>.txt` of a copy, with `edit` applied to its text. */
function editSceneTxt(copy: string, edit: (text: string) => string): string {
  const txt = join(copy, 'scene0042_00.txt')
  writeFileSync(txt, edit(readFileSync(txt, 'utf8')))
  return txt
}

describe('scannet: every frame is accounted for', () => {
  it('a missing colour image is an error naming it and the frame, like a missing depth or pose file; the frame is not dropped', async () => {
    const copy = copyScene('missing-colour')
    const file = join(copy, 'color', '3.jpg')
    rmSync(file)
    expect(await openFault({ scene: copy })).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000003',
      message: `frame 000003: ${file} is missing; depth/3.png and pose/3.txt are there`,
      expected: 'color/<i>.jpg, depth/<i>.png and pose/<i>.txt for every frame', actual: 'no color/3.jpg',
    })
    // as with a missing pose, a frame that frame_step does not select does not matter
    const { src } = await open({ scene: copy, frame_step: 2 })
    expect(src.files.map((f) => f.index)).toEqual([0, 4])
  })

  it('a colour image whose depth and pose are missing too, and a depth image alone', async () => {
    const copy = copyScene('missing-colour-pose')
    rmSync(join(copy, 'color', '4.jpg'))
    rmSync(join(copy, 'pose', '4.txt'))
    expect(await openFault({ scene: copy })).toMatchObject({ file: join(copy, 'color', '4.jpg'), message: `frame 000004: ${join(copy, 'color', '4.jpg')} is missing (so is pose/4.txt); depth/4.png is there` })
    const orphan = copyScene('orphan-depth')
    cpSync(join(orphan, 'depth', '5.png'), join(orphan, 'depth', '7.png'))
    expect(await openFault({ scene: orphan })).toMatchObject({ file: join(orphan, 'color', '7.jpg'), frame: '000007', actual: 'no color/7.jpg, pose/7.txt' })
  })

  it('a frame with no file at all is noticed through <scene>.txt\'s numColorFrames, on the grid the export used', async () => {
    const copy = copyScene('gone-frame')
    for (const f of ['color/3.jpg', 'depth/3.png', 'pose/3.txt', 'label-filt/3.png']) rmSync(join(copy, f))
    const file = join(copy, 'color', '3.jpg')
    expect(await openFault({ scene: copy })).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000003',
      message: `frame 000003: ${file} is missing (so are depth/3.png and pose/3.txt); scene0042_00.txt says numColorFrames = 6, so frames 0 to 5`,
      expected: 'color/<i>.jpg, depth/<i>.png and pose/<i>.txt for every frame', actual: 'no color/3.jpg, depth/3.png, pose/3.txt',
    })
    // exported every 2nd frame (SensReader's frame_skip 2): frames 0, 2, 4 are all there is
    const stepped = copyScene('every-second')
    for (const i of [1, 3, 5]) for (const f of [`color/${i}.jpg`, `depth/${i}.png`, `pose/${i}.txt`, `label-filt/${i}.png`]) rmSync(join(stepped, f))
    const { src } = await open({ scene: stepped })
    expect([src.found, src.files.map((f) => f.index)]).toEqual([3, [0, 4]]) // frame 2's pose is -inf
    for (const f of ['color/4.jpg', 'depth/4.png', 'pose/4.txt']) rmSync(join(stepped, f))
    expect(await openFault({ scene: stepped })).toMatchObject({ frame: '000004', message: expect.stringMatching(/says numColorFrames = 6, so frames 0 to 4, every 2th \(the stems' step\)$/) })
  })

  it('the frame count is the larger of numColorFrames and numDepthFrames; without either, a frame with no file is not known', async () => {
    const copy = copyScene('depth-count')
    editSceneTxt(copy, (t) => t.replace(/^numColorFrames = .*$/m, 'numColorFrames = 5').replace(/^numDepthFrames = .*$/m, 'numDepthFrames = 7'))
    expect(await openFault({ scene: copy })).toMatchObject({ frame: '000006', message: expect.stringMatching(/says numDepthFrames = 7, so frames 0 to 6$/) })
    editSceneTxt(copy, (t) => t.replace(/^num(Color|Depth)Frames = .*\n/gm, ''))
    expect((await open({ scene: copy })).src.found).toBe(6)
  })
})

describe('scannet: image sizes and intrinsics against <scene>.txt, checked when the scene is opened', () => {
  const depth16 = (w: number, h: number) => encodePng({ width: w, height: h, channels: 1, depth: 16, data: new Uint16Array(w * h).fill(1500) })

  it('depth images of another aspect ratio than depthWidth × depthHeight, intrinsic_depth.txt at the .txt\'s values: an error naming the file, the frame and both sizes, before any frame is decoded', async () => {
    const copy = copyScene('depth-size')
    // 160×100 (a crop, not a resize): the principal point of intrinsic_depth.txt still lies on it, so only the .txt tells
    for (const i of [0, 1, 2, 3, 4, 5]) writeFileSync(join(copy, 'depth', `${i}.png`), depth16(160, 100))
    const file = join(copy, 'depth', '0.png')
    const kFile = join(copy, 'intrinsic', 'intrinsic_depth.txt')
    const said = ['fx', 'fy', 'mx', 'my'].map((k) => `${k}_depth = ${new RegExp(`^${k}_depth = (.*)$`, 'm').exec(readFileSync(join(copy, 'scene0042_00.txt'), 'utf8'))![1]}`).join(', ')
    expect(await openFault({ scene: copy })).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000000', expected: '160×120 or a whole-image resize of it (aspect ratio within 2 %), or intrinsic_depth.txt for 160×100', actual: '160×100',
      message: `frame 000000: ${file}: depth image is 160×100, but ${join(copy, 'scene0042_00.txt')} says depthWidth = 160, depthHeight = 120, and ${kFile} holds the intrinsics it states for 160×120 (${said}); 160×100 has another aspect ratio than 160×120 (width/height 1.6 against 1.333, 20 % apart, more than 2 %), so the images were cropped or belong to another scan, and scaling the intrinsics to them would not fit`,
    })
  })

  it('colour images of another aspect ratio than colorWidth × colorHeight (320×200 against 320×240), intrinsic_color.txt at the .txt\'s values: an error naming both sizes', async () => {
    const copy = copyScene('colour-size')
    for (const i of [0, 1, 2, 3, 4, 5]) {
      const f = join(copy, 'color', `${i}.jpg`)
      writeFileSync(f, await sharp(readFileSync(f)).resize(320, 200, { fit: 'fill' }).jpeg().toBuffer())
    }
    expect(await openFault({ scene: copy })).toMatchObject({
      file: join(copy, 'color', '0.jpg'), frame: '000000', expected: '320×240 or a whole-image resize of it (aspect ratio within 2 %), or intrinsic_color.txt for 320×200', actual: '320×200',
      message: expect.stringMatching(/colour image is 320×200, but .* says colorWidth = 320, colorHeight = 240, and .*intrinsic_color\.txt holds the intrinsics it states for 320×240 \(fx_color = .*\); 320×200 has another aspect ratio than 320×240 \(width\/height 1\.6 against 1\.333, 20 % apart, more than 2 %\)/),
    })
  })

  it('an intrinsic file that disagrees with fx/fy/mx/my_color or _depth; float formatting is no disagreement', async () => {
    const copy = copyScene('intrinsics-edited')
    const kFile = join(copy, 'intrinsic', 'intrinsic_color.txt')
    const k = readFileSync(kFile, 'utf8')
    const fx = k.trim().split(/\s+/)[0]
    writeFileSync(kFile, k.replace(fx, '600.000000'))
    const txt = join(copy, 'scene0042_00.txt')
    const said = /^fx_color = (.*)$/m.exec(readFileSync(txt, 'utf8'))![1]
    expect(await openFault({ scene: copy })).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: kFile, path: 'fx', expected: `fx_color = ${said}`, actual: 'fx 600',
      message: `${kFile}: fx is 600, but ${txt} says fx_color = ${said}; the intrinsics were edited or belong to another scan`,
    })
    writeFileSync(kFile, k)
    const dFile = join(copy, 'intrinsic', 'intrinsic_depth.txt')
    const cy = Number(readFileSync(dFile, 'utf8').trim().split(/\s+/)[6])
    const original = readFileSync(txt, 'utf8')
    editSceneTxt(copy, (t) => t.replace(/^my_depth = .*$/m, `my_depth = ${cy + 3}`))
    expect(await openFault({ scene: copy })).toMatchObject({ file: dFile, path: 'cy', actual: `cy ${cy}`, expected: `my_depth = ${cy + 3}` })
    writeFileSync(txt, original)
    // the .txt written with fewer digits (%g) than the intrinsic file (%f): the same camera
    editSceneTxt(copy, (t) => t.replace(/^(\w+_(color|depth)) = (.*)$/gm, (_l, key: string, _c, v: string) => `${key} = ${Number(Number(v).toPrecision(6))}`))
    expect((await open({ scene: copy })).src.files).toHaveLength(5)
  })

  it('a .txt field that is not a number is an error naming the key; a .txt without size or camera fields checks nothing against it', async () => {
    const copy = copyScene('bad-txt')
    const txt = editSceneTxt(copy, (t) => t.replace(/^depthWidth = .*$/m, 'depthWidth = 160px'))
    expect(await openFault({ scene: copy })).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: txt, path: 'depthWidth', expected: 'a non-negative integer', actual: '160px',
      message: `${txt}: depthWidth = 160px is not a non-negative integer`,
    })
    // only axisAlignment, as some hand-made scenes have: depth of another size is then only checked frame against frame
    editSceneTxt(copy, (t) => t.split('\n').filter((l) => l.startsWith('axisAlignment')).join('\n') + '\n')
    for (const i of [0, 1, 2, 3, 4, 5]) writeFileSync(join(copy, 'depth', `${i}.png`), depth16(320, 240))
    expect((await open({ scene: copy })).src.files).toHaveLength(5)
  })

  it('without <scene>.txt, one depth image of another size is an error when the scene is opened, naming the first frame', async () => {
    const copy = copyScene('depth-size-change')
    rmSync(join(copy, 'scene0042_00.txt'))
    const file = join(copy, 'depth', '4.png')
    writeFileSync(file, depth16(80, 60))
    expect(await openFault({ scene: copy })).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000004', expected: '160×120', actual: '80×60',
      message: `frame 000004: ${file}: depth image is 80×60, but frame 000000 was 160×120; depth size changes mid-sequence`,
    })
  })
})

describe('scannet: an export resized with its intrinsics scaled to match opens (the intrinsics must fit the images there; <scene>.txt is the reference)', () => {
  type K = { fx: number; fy: number; cx: number; cy: number }
  /** The 4×4 matrix ScanNet's exporter writes, %f-formatted. */
  const matrix = (k: K) => `${k.fx.toFixed(6)} 0.000000 ${k.cx.toFixed(6)} 0.000000\n0.000000 ${k.fy.toFixed(6)} ${k.cy.toFixed(6)} 0.000000\n0.000000 0.000000 1.000000 0.000000\n0.000000 0.000000 0.000000 1.000000\n`
  const readK = (file: string): K => {
    const m = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number)
    return { fx: m[0], fy: m[5], cx: m[2], cy: m[6] }
  }
  /** `k` (for a w0×h0 image) scaled to w×h: c·s, or about pixel centres (c + 0.5)·s − 0.5. */
  const scale = (k: K, w0: number, h0: number, w: number, h: number, centres: boolean): K => {
    const sx = w / w0, sy = h / h0
    const c = (v: number, s: number) => (centres ? (v + 0.5) * s - 0.5 : v * s)
    return { fx: k.fx * sx, fy: k.fy * sy, cx: c(k.cx, sx), cy: c(k.cy, sy) }
  }
  const ALL = [0, 1, 2, 3, 4, 5]
  async function resizeColour(copy: string, w: number, h: number): Promise<void> {
    for (const i of ALL) {
      const f = join(copy, 'color', `${i}.jpg`)
      writeFileSync(f, await sharp(readFileSync(f)).resize(w, h, { fit: 'fill' }).jpeg().toBuffer())
    }
  }
  const depth16 = (w: number, h: number) => encodePng({ width: w, height: h, channels: 1, depth: 16, data: new Uint16Array(w * h).fill(1500) })

  for (const centres of [false, true]) {
    it(`colour resized 320×240 → 158×120 (sx ≠ sy, as 1296×968 → 640×480) with intrinsic_color.txt scaled ${centres ? 'about pixel centres' : 'plainly'}: opens, reads every frame with the file's intrinsics, warns of nothing, notes the resize`, async () => {
      const copy = copyScene(`resized-colour-${centres ? 'centres' : 'plain'}`)
      const kFile = join(copy, 'intrinsic', 'intrinsic_color.txt')
      await resizeColour(copy, 158, 120)
      const k = scale(readK(kFile), 320, 240, 158, 120, centres)
      writeFileSync(kFile, matrix(k))
      const { src, notes } = await open({ scene: copy })
      expect(notes.map((n) => n.code)).toEqual(['PLAF_FRAME_SKIPPED']) // frame 2's -inf pose, as for the original scene
      expect(src.notes).toEqual([`${kFile}: colour images are 158×120 (scene0042_00.txt states the sensor's 320×240) and these intrinsics are the .txt's scaled by 0.494 × 0.5 to match: read as an export resized with its intrinsics`])
      const frames = await collect(src)
      expect(frames).toHaveLength(5)
      const c = frames[0].colorIntrinsics!
      expect([c.width, c.height, frames[0].rgb.shape, frames[0].labels!.shape]).toEqual([158, 120, [120, 158, 3], [120, 158]])
      for (const p of ['fx', 'fy', 'cx', 'cy'] as const) expect(c[p]).toBeCloseTo(k[p], 5)
      expect(frames[0].depthIntrinsics).toMatchObject({ width: 160, height: 120 })
    })
  }

  it('depth resized 160×120 → 320×240 with intrinsic_depth.txt scaled: opens and reads; scaled with cy 10 % off it is refused', async () => {
    const copy = copyScene('resized-depth')
    const kFile = join(copy, 'intrinsic', 'intrinsic_depth.txt')
    for (const i of ALL) writeFileSync(join(copy, 'depth', `${i}.png`), depth16(320, 240))
    const k = scale(readK(kFile), 160, 120, 320, 240, true)
    writeFileSync(kFile, matrix(k))
    const { src, notes } = await open({ scene: copy })
    expect(notes.map((n) => n.code)).toEqual(['PLAF_FRAME_SKIPPED'])
    expect(src.notes).toEqual([expect.stringMatching(/intrinsic_depth\.txt: depth images are 320×240 \(scene0042_00\.txt states the sensor's 160×120\) and these intrinsics are the \.txt's scaled by 2 × 2 to match/)])
    const frames = await collect(src)
    expect(frames[0].depthIntrinsics).toMatchObject({ width: 320, height: 240, fy: expect.closeTo(k.fy, 5) })
    writeFileSync(kFile, matrix({ ...k, cy: k.cy * 1.1 }))
    const txt = join(copy, 'scene0042_00.txt')
    const my = /^my_depth = (.*)$/m.exec(readFileSync(txt, 'utf8'))![1]
    const cy = Number((k.cy * 1.1).toFixed(6))
    const plain = Number((Number(my) * 2).toFixed(3)), centred = Number(((Number(my) + 0.5) * 2 - 0.5).toFixed(3))
    expect(await openFault({ scene: copy })).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: kFile, frame: '000000', path: 'cy', actual: `cy ${cy}`,
      expected: `my_depth = ${my} scaled to 320×240: ${plain}, or about pixel centres ${centred} (within 1 %, at least 1 px)`,
      message: `${kFile}: cy is ${cy}, but depth images are 320×240 (frame 000000 on) and ${txt} says my_depth = ${my} at 160×120: neither that nor it scaled to 320×240 (${plain}, or about pixel centres ${centred}); the intrinsics were edited or belong to another scan`,
    })
  })

  it('resized colour whose intrinsic file is scaled but fx 10 % off: an error naming the file, the value and the scaled one', async () => {
    const copy = copyScene('resized-colour-off')
    const kFile = join(copy, 'intrinsic', 'intrinsic_color.txt')
    await resizeColour(copy, 160, 120)
    const k = scale(readK(kFile), 320, 240, 160, 120, false)
    writeFileSync(kFile, matrix({ ...k, fx: k.fx * 1.1 }))
    expect(await openFault({ scene: copy })).toMatchObject({
      code: 'PLAF_INPUT_INVALID', file: kFile, frame: '000000', path: 'fx', actual: `fx ${Number((k.fx * 1.1).toFixed(6))}`,
      message: expect.stringMatching(/says fx_color = [\d.]+ at 320×240: neither that nor it scaled to 160×120 \([\d.]+\); the intrinsics were edited or belong to another scan$/),
    })
  })

  it('at the .txt\'s size, an intrinsic file 10 % off is an error (colour and depth), as any disagreement there', async () => {
    const copy = copyScene('off-ten-percent')
    const txt = join(copy, 'scene0042_00.txt')
    for (const cam of ['color', 'depth'] as const) {
      const kFile = join(copy, 'intrinsic', `intrinsic_${cam}.txt`)
      const original = readFileSync(kFile, 'utf8')
      const k = readK(kFile)
      writeFileSync(kFile, matrix({ ...k, fy: k.fy * 1.1 }))
      const said = new RegExp(`^fy_${cam} = (.*)$`, 'm').exec(readFileSync(txt, 'utf8'))![1]
      const fy = Number((k.fy * 1.1).toFixed(6))
      expect(await openFault({ scene: copy })).toEqual({
        code: 'PLAF_INPUT_INVALID', severity: 'error', file: kFile, path: 'fy', expected: `fy_${cam} = ${said}`, actual: `fy ${fy}`,
        message: `${kFile}: fy is ${fy}, but ${txt} says fy_${cam} = ${said}; the intrinsics were edited or belong to another scan`,
      })
      writeFileSync(kFile, original)
    }
  })

  it('a ScanNet header\'s camera (1296×968 colour, 640×480 depth) and intrinsic files written by the adjust_intrinsic of 3DMV/OpenScene preprocessing for 320×240 and 160×120 images: opens', async () => {
    const copy = copyScene('adjust-intrinsic')
    editSceneTxt(copy, (t) => t
      .replace(/^colorWidth = .*$/m, 'colorWidth = 1296').replace(/^colorHeight = .*$/m, 'colorHeight = 968')
      .replace(/^depthWidth = .*$/m, 'depthWidth = 640').replace(/^depthHeight = .*$/m, 'depthHeight = 480')
      .replace(/^fx_color = .*$/m, 'fx_color = 1170.187988').replace(/^fy_color = .*$/m, 'fy_color = 1170.187988')
      .replace(/^mx_color = .*$/m, 'mx_color = 647.750000').replace(/^my_color = .*$/m, 'my_color = 483.750000')
      .replace(/^fx_depth = .*$/m, 'fx_depth = 571.623718').replace(/^fy_depth = .*$/m, 'fy_depth = 571.623718')
      .replace(/^mx_depth = .*$/m, 'mx_depth = 319.500000').replace(/^my_depth = .*$/m, 'my_depth = 239.500000'))
    // adjust_intrinsic(intrinsic, intrinsic_image_dim, image_dim): fx by floor(h·W0/H0)/W0, fy by h/H0, cx by (w−1)/(W0−1), cy by (h−1)/(H0−1)
    const adjust = (k: K, w0: number, h0: number, w: number, h: number): K => ({
      fx: k.fx * Math.floor(h * w0 / h0) / w0, fy: k.fy * h / h0, cx: k.cx * (w - 1) / (w0 - 1), cy: k.cy * (h - 1) / (h0 - 1),
    })
    writeFileSync(join(copy, 'intrinsic', 'intrinsic_color.txt'), matrix(adjust({ fx: 1170.187988, fy: 1170.187988, cx: 647.75, cy: 483.75 }, 1296, 968, 320, 240)))
    writeFileSync(join(copy, 'intrinsic', 'intrinsic_depth.txt'), matrix(adjust({ fx: 571.623718, fy: 571.623718, cx: 319.5, cy: 239.5 }, 640, 480, 160, 120)))
    const { src } = await open({ scene: copy })
    expect(src.notes).toHaveLength(2)
    expect(src.files).toHaveLength(5)
    // the same header with intrinsic_color.txt left at its values (SensorData.py resized the images only): read with them scaled, 320/1296 × 240/968
    writeFileSync(join(copy, 'intrinsic', 'intrinsic_color.txt'), matrix({ fx: 1170.187988, fy: 1170.187988, cx: 647.75, cy: 483.75 }))
    const { src: kept } = await open({ scene: copy })
    expect(kept.scaledIntrinsics?.map((n) => n.file)).toEqual([join(copy, 'intrinsic', 'intrinsic_color.txt')])
    const c = (await collect(kept))[0].colorIntrinsics!
    const sx = 320 / 1296, sy = 240 / 968
    expect(c).toEqual({ fx: 1170.187988 * sx, fy: 1170.187988 * sy, cx: (647.75 + 0.5) * sx - 0.5, cy: (483.75 + 0.5) * sy - 0.5, width: 320, height: 240 })
  })

  it('a .txt that gives the sizes but not the intrinsics cannot tell a resized export from a stale intrinsic file: an error saying so', async () => {
    const copy = copyScene('sizes-only')
    const txt = editSceneTxt(copy, (t) => t.replace(/^(fx|fy|mx|my)_depth = .*\n/gm, ''))
    for (const i of ALL) writeFileSync(join(copy, 'depth', `${i}.png`), depth16(320, 240))
    const file = join(copy, 'depth', '0.png')
    expect(await openFault({ scene: copy })).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000000', actual: '320×240', expected: '160×120, or a scene0042_00.txt with fx_depth, fy_depth, mx_depth, my_depth',
      message: `frame 000000: ${file}: depth image is 320×240, but ${txt} says depthWidth = 160, depthHeight = 120, and gives no fx_depth, fy_depth, mx_depth, my_depth to tell whether ${join(copy, 'intrinsic', 'intrinsic_depth.txt')} was scaled to 320×240; the image was resized or belongs to another scan`,
    })
  })
})

describe('scannet: images resized with the intrinsic files left at <scene>.txt\'s values (SensorData.py export_color_images/export_depth_images with image_size): read with the intrinsics scaled', () => {
  type K = { fx: number; fy: number; cx: number; cy: number }
  const readK = (file: string): K => {
    const m = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number)
    return { fx: m[0], fy: m[5], cx: m[2], cy: m[6] }
  }
  /** An intrinsic matrix with every digit of the values (a by-hand scaling, nothing lost to %f). */
  const exact = (k: K) => `${k.fx} 0 ${k.cx} 0\n0 ${k.fy} ${k.cy} 0\n0 0 1 0\n0 0 0 1\n`
  /** `k` scaled by hand to an image resized by sx × sy, about pixel centres. */
  const byHand = (k: K, sx: number, sy: number): K => ({ fx: k.fx * sx, fy: k.fy * sy, cx: (k.cx + 0.5) * sx - 0.5, cy: (k.cy + 0.5) * sy - 0.5 })
  const ALL = [0, 1, 2, 3, 4, 5]
  const intrinsicsOf = (k: Intrinsics | undefined): K => ({ fx: k!.fx, fy: k!.fy, cx: k!.cx, cy: k!.cy })

  /** Every depth pixel of a frame back-projected to world coordinates with the frame's depth intrinsics. */
  function worldPoints(f: Frame): Float64Array {
    const [h, w] = f.depth!.shape
    const out = new Float64Array(3 * w * h), p = new Float64Array(3)
    for (let v = 0; v < h; v++) {
      for (let u = 0; u < w; u++) {
        backProject(f.depthIntrinsics!, f.pose!, u, v, f.depth!.data[v * w + u], p)
        out.set(p, 3 * (v * w + u))
      }
    }
    return out
  }
  /** Those points projected into the colour image with the frame's colour intrinsics (u, v each). */
  function colourPixels(f: Frame, points: Float64Array): Float64Array {
    const out = new Float64Array((points.length / 3) * 2), p = new Float64Array(3)
    for (let i = 0; i < points.length / 3; i++) {
      projectPoint(f.colorIntrinsics!, f.pose!, points[3 * i], points[3 * i + 1], points[3 * i + 2], p)
      out[2 * i] = p[0]
      out[2 * i + 1] = p[1]
    }
    return out
  }
  function expectClose(a: Float64Array, b: Float64Array, tol: number): void {
    expect(a.length).toBe(b.length)
    let worst = 0
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]))
    expect(worst).toBeLessThan(tol)
  }
  /** The copy `name` and a second copy whose intrinsic file `cam` holds `k`, written by hand. */
  function withByHandTwin(copy: string, cam: 'color' | 'depth', k: K): string {
    const twin = `${copy}-by-hand`
    cpSync(copy, twin, { recursive: true })
    writeFileSync(join(twin, 'intrinsic', `intrinsic_${cam}.txt`), exact(k))
    return twin
  }

  // 0.5 × 0.5, and 0.4938 × 0.4958 as ScanNet's 1296×968 → 640×480 (sx ≠ sy)
  for (const [w, h] of [[160, 120], [158, 119]] as const) {
    it(`colour 320×240 → ${w}×${h}: opens; the frames carry intrinsic_color.txt scaled about pixel centres; one info note (inspect and run); projections equal those of the scene with the file scaled by hand`, async () => {
      const copy = copyScene(`kept-colour-${w}x${h}`)
      const kFile = join(copy, 'intrinsic', 'intrinsic_color.txt')
      for (const i of ALL) {
        const f = join(copy, 'color', `${i}.jpg`)
        writeFileSync(f, await sharp(readFileSync(f)).resize(w, h, { fit: 'fill' }).jpeg().toBuffer())
      }
      const sx = w / 320, sy = h / 240
      const want = byHand(readK(kFile), sx, sy)
      const twin = withByHandTwin(copy, 'color', want)
      const { src, notes } = await open({ scene: copy })
      const values = `fx ${Number(want.fx.toFixed(3))}, fy ${Number(want.fy.toFixed(3))}, cx ${Number(want.cx.toFixed(3))}, cy ${Number(want.cy.toFixed(3))}`
      const message = `${kFile}: colour images are ${w}×${h} and this file holds the intrinsics scene0042_00.txt states for the sensor's 320×240, as ScanNet's SensorData.py writes them when it exports resized images: read with them scaled to ${w}×${h} (by ${Number(sx.toFixed(3))} × ${Number(sy.toFixed(3))}, about pixel centres: ${values})`
      expect(notes).toEqual([
        expect.objectContaining({ code: 'PLAF_FRAME_SKIPPED', frame: '000002' }),
        { code: 'PLAF_INTRINSICS_SCALED', severity: 'info', file: kFile, message, expected: `intrinsics for ${w}×${h}`, actual: 'intrinsic_color.txt for 320×240' },
      ])
      expect(src.notes).toEqual([message])
      const frames = await collect(src)
      const twinFrames = await collect((await open({ scene: twin })).src)
      expect(frames).toHaveLength(5)
      for (const [i, f] of frames.entries()) {
        expect(f.colorIntrinsics).toEqual({ ...want, width: w, height: h })
        expect(f.rgb.shape).toEqual([h, w, 3])
        expect(f.depthIntrinsics).toEqual(twinFrames[i].depthIntrinsics)
        const points = worldPoints(f)
        expectClose(points, worldPoints(twinFrames[i]), 1e-9)
        expectClose(colourPixels(f, points), colourPixels(twinFrames[i], points), 1e-9)
      }
      // scaled intrinsics are part of what the frames are: the identity is not the original scene's
      expect(src.identity).not.toBe((await open({ scene: dir })).src.identity)
    })
  }

  for (const [w, h] of [[80, 60], [79, 59]] as const) {
    it(`depth 160×120 → ${w}×${h} (nearest): opens; the frames carry intrinsic_depth.txt scaled; back-projected points equal those with the file scaled by hand`, async () => {
      const copy = copyScene(`kept-depth-${w}x${h}`)
      const kFile = join(copy, 'intrinsic', 'intrinsic_depth.txt')
      for (const i of ALL) {
        const f = join(copy, 'depth', `${i}.png`)
        const png = decodePng(readFileSync(f))
        const out = new Uint16Array(w * h)
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = png.data[Math.floor((y * png.height) / h) * png.width + Math.floor((x * png.width) / w)]
        writeFileSync(f, encodePng({ width: w, height: h, channels: 1, depth: 16, data: out }))
      }
      const want = byHand(readK(kFile), w / 160, h / 120)
      const twin = withByHandTwin(copy, 'depth', want)
      const { src, notes } = await open({ scene: copy })
      expect(notes.map((n) => [n.code, n.severity, n.file])).toEqual([['PLAF_FRAME_SKIPPED', 'warning', join(copy, 'pose', '2.txt')], ['PLAF_INTRINSICS_SCALED', 'info', kFile]])
      expect(src.notes).toEqual([expect.stringContaining(`${kFile}: depth images are ${w}×${h} and this file holds the intrinsics scene0042_00.txt states for the sensor's 160×120`)])
      const frames = await collect(src)
      const twinFrames = await collect((await open({ scene: twin })).src)
      for (const [i, f] of frames.entries()) {
        expect(intrinsicsOf(f.depthIntrinsics)).toEqual(want)
        expect([f.depthIntrinsics!.width, f.depthIntrinsics!.height, f.depth!.shape]).toEqual([w, h, [h, w]])
        const points = worldPoints(f)
        expect(points.some((v) => v !== 0)).toBe(true)
        expectClose(points, worldPoints(twinFrames[i]), 1e-9)
      }
    })
  }

  it('both cameras resized (SensorData.py exports colour and depth at image_size): two notes, both scaled', async () => {
    const copy = copyScene('kept-both')
    for (const i of ALL) {
      const f = join(copy, 'color', `${i}.jpg`)
      writeFileSync(f, await sharp(readFileSync(f)).resize(160, 120, { fit: 'fill' }).jpeg().toBuffer())
      writeFileSync(join(copy, 'depth', `${i}.png`), encodePng({ width: 80, height: 60, channels: 1, depth: 16, data: new Uint16Array(80 * 60).fill(1500) }))
    }
    const kc = readK(join(copy, 'intrinsic', 'intrinsic_color.txt')), kd = readK(join(copy, 'intrinsic', 'intrinsic_depth.txt'))
    const { src, notes } = await open({ scene: copy })
    expect(notes.filter((n) => n.code === 'PLAF_INTRINSICS_SCALED').map((n) => n.file)).toEqual([join(copy, 'intrinsic', 'intrinsic_color.txt'), join(copy, 'intrinsic', 'intrinsic_depth.txt')])
    const [f] = await collect(src)
    expect(intrinsicsOf(f.colorIntrinsics)).toEqual(byHand(kc, 0.5, 0.5))
    expect(intrinsicsOf(f.depthIntrinsics)).toEqual(byHand(kd, 0.5, 0.5))
  })

  it('an aspect ratio 2.5 % off (a crop) with intrinsic_color.txt at the .txt\'s values: refused naming both sizes; 1.7 % off is a resize', async () => {
    const copy = copyScene('kept-colour-crop')
    const resize = async (w: number, h: number) => {
      for (const i of ALL) {
        const f = join(copy, 'color', `${i}.jpg`)
        writeFileSync(f, await sharp(readFileSync(join(dir, 'color', `${i}.jpg`))).resize(w, h, { fit: 'fill' }).jpeg().toBuffer())
      }
    }
    await resize(164, 120) // sx / sy = 1.025
    expect(await openFault({ scene: copy })).toMatchObject({
      file: join(copy, 'color', '0.jpg'), frame: '000000', actual: '164×120',
      message: expect.stringContaining('164×120 has another aspect ratio than 320×240 (width/height 1.367 against 1.333, 2.5 % apart, more than 2 %)'),
    })
    await resize(163, 120) // 1.875 %
    expect((await open({ scene: copy })).src.scaledIntrinsics).toHaveLength(1)
  })
})
