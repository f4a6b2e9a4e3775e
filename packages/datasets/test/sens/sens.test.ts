import { appendFileSync, closeSync, cpSync, mkdirSync, openSync, readFileSync, renameSync, truncateSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateOptions, type Frame, type PluginNote } from '@plaf/core'
import { createTestContext, describeInputPlugin } from '@plaf/core/testing'
import { scannetInput, type ScannetOptions } from '../../src/plugins/scannet.js'
import type { DatasetSource } from '../../src/frames/source.js'
import { indexSens } from '../../src/sens/header.js'
import { decodeSensDepth, findSensFile } from '../../src/sens/reader.js'
import { inspectDataset } from '../../src/inspect.js'
import { writeScene } from '../../src/write-scene.js'
import { SMALL, diagnosticOf, tempRoot } from '../fixtures.js'
import { roomFrames } from '../rgbd-folder/helpers.js'

const tmp = tempRoot('sens')
const dir = join(tmp.root, 'scene0007_00')
const sens = join(dir, 'scene0007_00.sens')
const generator = { ...SMALL, invalid_pose_frames: [2] }
let truth: Frame[]
beforeAll(async () => {
  await writeScene(dir, { ...generator, sens: true })
  const { mesh_spacing: _m, ...synth } = generator
  truth = await roomFrames(synth)
})
afterAll(() => tmp.cleanup())

describeInputPlugin(scannetInput, [{ name: 'a .sens written by writeScene', options: { scene: sens }, frames: 2 }])

async function open(options: Partial<ScannetOptions>): Promise<{ src: DatasetSource; notes: PluginNote[] }> {
  const ctx = createTestContext()
  const src = (await scannetInput.create(validateOptions(scannetInput, options).value as unknown as ScannetOptions, ctx)) as DatasetSource
  return { src, notes: ctx.notes }
}

async function all(src: DatasetSource): Promise<Frame[]> {
  const out: Frame[] = []
  for await (const f of src.frames()) out.push(f)
  return out
}

/** A copy of the .sens to damage. */
function copy(name: string): string {
  const d = join(tmp.root, name)
  mkdirSync(d)
  cpSync(sens, join(d, 'x.sens'))
  return join(d, 'x.sens')
}

describe('sens: round trip of a .sens written by writeScene', () => {
  it('the header states what was written', () => {
    const { header, frames, cut, size } = indexSens(sens)
    expect(cut).toBeUndefined()
    expect(frames).toHaveLength(6)
    expect([header.version, header.colorCompression, header.depthCompression, header.depthShift, header.frameCount]).toEqual([4, 2, 1, 1000, 6])
    expect([header.colorWidth, header.colorHeight, header.depthWidth, header.depthHeight]).toEqual([320, 240, 160, 120])
    const last = frames.at(-1)!
    expect(last.offset + last.colorBytes + last.depthBytes + 8).toBe(size) // then the empty IMU section
  })

  it('every pose (float32), depth value, colour byte and label equals the generator and the export layout', async () => {
    const { src, notes } = await open({ scene: sens })
    expect([src.format, src.found, src.frameCount, src.depthScale]).toEqual(['sens', 6, 5, 1000])
    expect(src.skips).toEqual([{ frame: 2, file: sens, reason: 'non-finite pose (tracking lost)' }])
    expect(notes.map((n) => n.message)).toEqual([`frame 000002: ${sens}: non-finite pose (tracking lost); frame skipped`])
    const exported = await all((await open({ scene: dir })).src)
    const frames = await all(src)
    expect(frames.map((f) => f.index)).toEqual([0, 1, 3, 4, 5])
    frames.forEach((f, k) => {
      const want = truth[f.index]
      const exp = exported[k]
      expect(Array.from(f.pose!)).toEqual(Array.from(want.pose!, Math.fround))
      expect(f.depth!.shape).toEqual(want.depth!.shape)
      let depthDiff = 0
      for (let i = 0; i < want.depth!.data.length; i++) if (f.depth!.data[i] !== want.depth!.data[i]) depthDiff++
      expect(depthDiff).toBe(0)
      expect(Buffer.compare(Buffer.from(f.rgb.data), Buffer.from(exp.rgb.data))).toBe(0)
      expect(Buffer.compare(Buffer.from(f.labels!.data.buffer), Buffer.from(want.labels!.data.buffer))).toBe(0)
      for (const key of ['fx', 'fy', 'cx', 'cy'] as const) {
        expect(f.colorIntrinsics![key]).toBe(Math.fround(want.colorIntrinsics![key]))
        expect(f.depthIntrinsics![key]).toBe(Math.fround(want.depthIntrinsics![key]))
      }
    })
  })

  it('a directory holding only the .sens is read as the .sens', () => {
    const d = join(tmp.root, 'scene0007_01')
    mkdirSync(d)
    cpSync(sens, join(d, 'scene0007_01.sens'))
    expect(findSensFile(d)).toBe(join(d, 'scene0007_01.sens'))
    expect(findSensFile(dir)).toBeUndefined() // color/ is there: the export layout wins
  })

  it('frame_step, frame_range and max_frames select as on the export layout', async () => {
    expect((await all((await open({ scene: sens, frame_range: [1, 5], frame_step: 2 })).src)).map((f) => f.index)).toEqual([1, 3])
    expect((await all((await open({ scene: sens, max_frames: 2 })).src)).map((f) => f.index)).toEqual([0, 1])
  })
})

describe('sens: streaming', () => {
  // Reading the file whole would fail outright (Node refuses files over 2 GB) or cost 3 GB of memory.
  it('a 3 GB .sens is indexed and its first frames read without reading the file whole', async () => {
    const file = copy('huge')
    const { frames, header } = indexSens(file)
    // Keep frames 0 and 1, then a third frame claiming 3 GB of colour: a sparse file, cheap on disk.
    const keep = frames[1].offset + frames[1].colorBytes + frames[1].depthBytes
    truncateSync(file, keep)
    const head = Buffer.alloc(96)
    for (let i = 0; i < 16; i++) head.writeFloatLE(i % 5 === 0 ? 1 : 0, 4 * i)
    head.writeBigUInt64LE(3_000_000_000n, 80)
    head.writeBigUInt64LE(16n, 88)
    appendFileSync(file, head)
    truncateSync(file, keep + 96 + 3_000_000_016)
    const counted = Buffer.from(readFileSync(sens).subarray(0, header.framesOffset))
    counted.writeBigUInt64LE(3n, header.framesOffset - 8)
    const fd = openSync(file, 'r+')
    writeSync(fd, counted, 0, counted.length, 0)
    closeSync(fd)
    const rss = process.memoryUsage().rss
    const { src } = await open({ scene: file, max_frames: 2 })
    expect([src.found, src.frameCount]).toEqual([3, 2])
    expect((await all(src)).map((f) => f.index)).toEqual([0, 1])
    expect(process.memoryUsage().rss - rss).toBeLessThan(300e6)
  })
})

describe('sens: bad files', () => {
  const checkOptions = { frame_step: 1, frame_range: null, max_frames: null, load_labels: null, axis_align: false, resize: 'none', load_mesh: false, skip_damaged: false } as const

  /** The error a cut file gives through the plugin (plaf run), its check (plaf validate) and inspectDataset (plaf data inspect). */
  async function cutErrors(file: string): Promise<Record<string, unknown>[]> {
    const { cause: _a, ...created } = (await diagnosticOf(() => open({ scene: file, skip_damaged: false })))!
    const checked = await scannetInput.check!({ ...checkOptions, scene: file }, { baseDir: tmp.root })
    const { cause: _b, ...inspected } = (await diagnosticOf(() => inspectDataset(file, 'auto', undefined, { skipDamaged: false })))!
    expect(checked).toEqual([{ ...Object.fromEntries(Object.entries(created).filter(([k]) => k !== 'severity')), path: 'scene' }])
    expect(inspected).toEqual(created)
    return [created]
  }

  it('cut inside a frame\'s colour image: the frames before the cut are read, the cut reported with its byte offsets; skip_damaged: false makes it an error naming the frame, byte offsets and what is missing', async () => {
    const file = copy('cut-mid')
    const { frames } = indexSens(file)
    const cutAt = frames[4].offset + 100
    truncateSync(file, cutAt)
    const end = frames[4].offset + frames[4].colorBytes + frames[4].depthBytes
    const cut = `truncated mid-frame 4: its data runs from byte ${frames[4].offset - 96} to ${end}, the file ends at byte ${cutAt}`
    expect(await cutErrors(file)).toEqual([{
      code: 'PLAF_INPUT_INVALID', severity: 'error', file, frame: '000004',
      message: `frame 000004: ${file}: ${cut}; missing: ${frames[4].colorBytes - 100} of the ${frames[4].colorBytes} bytes of its colour image and all ${frames[4].depthBytes} of its depth and frame 5`,
      expected: '6 complete frames (the header\'s count)', actual: `4 complete frames, the file ends at byte ${cutAt}`,
      hint: 'the file is cut short (an interrupted download or copy?); to use the 4 complete frames before the cut, leave skip_damaged at its default (true) on the scannet input (plaf data inspect without --no-skip-damaged)',
    }])
    const { src, notes } = await open({ scene: file })
    const reason = `${cut}; frames from 4 on are not read`
    expect(src.skips).toEqual([{ frame: 2, file, reason: 'non-finite pose (tracking lost)' }, { frame: 4, file, reason }])
    expect(notes.at(-1)).toEqual({ code: 'PLAF_FRAME_SKIPPED', severity: 'warning', frame: '000004', file, message: `frame 000004: ${file}: ${reason}`, actual: `file ends at byte ${cutAt}` })
    expect((await all(src)).map((f) => f.index)).toEqual([0, 1, 3])
    const report = await inspectDataset(file)
    // counted against the header's 6 frames: frame 4 is cut, frame 5 is not in the file
    expect([report.frames, report.usable, report.skipped.slice(-2)]).toEqual([6, 3, [{ frame: 4, file, reason }, { frame: 5, file, reason: `not in the file: it ends at byte ${cutAt}, in frame 4 of the 6 its header claims` }]])
    expect(await scannetInput.check!({ ...checkOptions, scene: file, skip_damaged: true }, { baseDir: tmp.root })).toEqual([])
    expect(validateOptions(scannetInput, { scene: file }).value).toMatchObject({ skip_damaged: true })
  })

  it('cut between frames: the header claims more frames than the file holds', async () => {
    const file = copy('short')
    const { frames } = indexSens(file)
    const end = frames[3].offset + frames[3].colorBytes + frames[3].depthBytes
    truncateSync(file, end)
    const [d] = await cutErrors(file)
    expect(d).toMatchObject({ frame: '000004', message: `frame 000004: ${file}: the header claims 6 frames but the file ends at byte ${end} after 4; missing: frames 4 to 5`, actual: `4 complete frames, the file ends at byte ${end}` })
    const { src } = await open({ scene: file })
    expect(src.skips.at(-1)).toEqual({ frame: 4, file, reason: `the header claims 6 frames but the file ends at byte ${end} after 4; frames from 4 on are not read` })
    expect([src.found, src.frameCount]).toEqual([5, 3])
  })

  it('cut inside a frame header, and in the last frame\'s depth', async () => {
    const file = copy('cut-head')
    const { frames, size } = indexSens(file)
    truncateSync(file, frames[2].offset - 50)
    expect((await cutErrors(file))[0]).toMatchObject({ frame: '000002', message: `frame 000002: ${file}: truncated in the header of frame 2: it starts at byte ${frames[2].offset - 96}, the file ends at byte ${frames[2].offset - 50}; missing: 50 of the 96 bytes of frame 2's header and frames 3 to 5` })
    const last = copy('cut-last')
    const f5 = frames[5]
    truncateSync(last, size - 8 - 10) // the IMU count and 10 depth bytes
    expect((await cutErrors(last))[0]).toMatchObject({ frame: '000005', message: `frame 000005: ${last}: truncated mid-frame 5: its data runs from byte ${f5.offset - 96} to ${size - 8}, the file ends at byte ${size - 18}; missing: 10 of the ${f5.depthBytes} bytes of its depth`, actual: `5 complete frames, the file ends at byte ${size - 18}` })
  })

  it('cut inside the stream header, or before any frame: an error naming the file', async () => {
    const file = copy('cut-header')
    const { header } = indexSens(file)
    truncateSync(file, header.framesOffset - 30)
    expect(await diagnosticOf(() => open({ scene: file }))).toMatchObject({ code: 'PLAF_INPUT_INVALID', file, message: `${file}: header cut short: with its ${header.sensorName.length}-byte sensor name it runs to byte ${header.framesOffset}, the file ends at byte ${header.framesOffset - 30}; missing: 30 header bytes (cameras, sizes, frame count) and every frame` })
    truncateSync(file, 5)
    expect(await diagnosticOf(() => inspectDataset(file))).toMatchObject({ code: 'PLAF_INPUT_INVALID', file, message: `${file}: too short for a .sens header (5 bytes; the version and sensor-name length alone take 12)` })
    const empty = copy('no-frames')
    truncateSync(empty, header.framesOffset)
    const [d] = await cutErrors(empty)
    expect(d).toMatchObject({ frame: '000000', message: `frame 000000: ${empty}: the header claims 6 frames but the file ends at byte ${header.framesOffset} after 0; missing: frames 0 to 5`, hint: 'the file is cut short (an interrupted download or copy?) and holds no complete frame' })
  })

  it('a wrong version is an error naming the file and both versions', async () => {
    const file = copy('v3')
    const bytes = readFileSync(file)
    bytes.writeUInt32LE(3, 0)
    writeFileSync(file, bytes)
    const d = await diagnosticOf(() => open({ scene: file }))
    expect(d).toEqual({ code: 'PLAF_INPUT_INVALID', severity: 'error', file, message: `${file}: .sens version 3; only version 4 (ScanNet) is read`, expected: 'version 4', actual: 'version 3' })
  })

  it('frame headers giving sizes no image can have stop the index there: 100,000 empty frames index as none, not 100,000 entries', async () => {
    const file = copy('empty-frames')
    const { frames, header } = indexSens(file)
    const keep = frames[1].offset + frames[1].colorBytes + frames[1].depthBytes
    truncateSync(file, keep)
    // 100,000 frame headers of 0 colour and 0 depth bytes: 9.6 MB that would index as 100,000 frames of ~300 B each
    const empty = Buffer.alloc(96 * 100_000)
    for (let f = 0; f < 100_000; f++) for (let i = 0; i < 16; i += 5) empty.writeFloatLE(1, 96 * f + 4 * i)
    appendFileSync(file, empty)
    const counted = Buffer.from(readFileSync(sens).subarray(0, header.framesOffset))
    counted.writeBigUInt64LE(100_002n, header.framesOffset - 8)
    const fd = openSync(file, 'r+')
    writeSync(fd, counted, 0, counted.length, 0)
    closeSync(fd)
    const idx = indexSens(file)
    expect(idx.frames.map((f) => f.index)).toEqual([0, 1])
    expect(idx.cut).toEqual({
      frame: 2, offset: keep, damaged: true, missing: 'frames 2 to 100001',
      reason: `frame 2's header at byte ${keep} is damaged: it gives 0 bytes of colour, not at least 67 (the smallest PNG or JPEG) and 0 bytes of depth, not at least 44 (160×120 uint16 at zlib's best ratio)`,
    })
    // read up to the damage by default (a counted skip); an error with skip_damaged: false
    const { src, notes } = await open({ scene: file })
    expect((await all(src)).map((f) => f.index)).toEqual([0, 1])
    expect(notes.map((n) => [n.code, n.frame])).toEqual([['PLAF_FRAME_SKIPPED', '000002']])
    expect(await diagnosticOf(() => open({ scene: file, skip_damaged: false }))).toMatchObject({
      code: 'PLAF_INPUT_INVALID', frame: '000002', actual: `2 complete frames, then a damaged frame header at byte ${keep}`,
      hint: 'the file is damaged at frame 2; to use the 2 frames before it, leave skip_damaged at its default (true) on the scannet input',
    })
  })

  it('a depth blob that is not zlib is an error naming the frame', async () => {
    const file = copy('bad-zlib')
    const { frames } = indexSens(file)
    const bytes = readFileSync(file)
    bytes.fill(0x55, frames[1].offset + frames[1].colorBytes, frames[1].offset + frames[1].colorBytes + 16)
    writeFileSync(file, bytes)
    const { src } = await open({ scene: file })
    const d = await diagnosticOf(() => all(src))
    expect(d).toMatchObject({ code: 'PLAF_INPUT_INVALID', file, frame: '000001', expected: 'zlib-compressed uint16 depth' })
    expect(d!.message).toMatch(/^frame 000001: .*x\.sens: depth is not a valid zlib stream/)
  })

  it('a depth stream inflating past the header\'s depth size stops there: a 32 KB zlib blob of 32 MB is refused without inflating it', async () => {
    const { header } = indexSens(sens)
    const bomb = deflateSync(Buffer.alloc(32 * 1024 * 1024))
    expect(bomb.length).toBeLessThan(64 * 1024)
    const d = await diagnosticOf(() => decodeSensDepth(bomb, header, sens, '000003'))
    const want = 160 * 120 * 2
    expect(d).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: sens, frame: '000003', expected: `${want} bytes`, actual: `more than ${want} bytes` })
    expect(d!.message).toBe(`frame 000003: ${sens}: depth inflates to more than ${want} bytes (160×120 uint16); its ${bomb.length}-byte zlib stream was not inflated further`)
    // exactly the header's size still decodes
    const exact = await decodeSensDepth(deflateSync(Buffer.alloc(want, 1)), header, sens, '000003')
    expect(exact).toHaveLength(160 * 120)
  })

  it('the plugin check reads only the header and names a bad one at the scene option', async () => {
    const file = copy('check')
    const bytes = readFileSync(file)
    bytes.writeUInt32LE(5, 0)
    writeFileSync(file, bytes)
    const notes = await scannetInput.check!({ scene: file, frame_step: 1, frame_range: null, max_frames: null, load_labels: null, axis_align: false, resize: 'none', load_mesh: false, skip_damaged: false }, { baseDir: tmp.root })
    expect(notes).toEqual([{ code: 'PLAF_INPUT_INVALID', file, path: 'scene', message: `${file}: .sens version 5; only version 4 (ScanNet) is read`, expected: 'version 4', actual: 'version 5' }])
    renameSync(file, `${file}.moved`)
  })
})
