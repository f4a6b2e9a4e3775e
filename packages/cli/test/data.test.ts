import { appendFileSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { encodePng, validateOptions, type Frame } from '@plaf/core'
import { createTestContext } from '@plaf/core/testing'
import { indexSens, openDataset, syntheticRoomInput, writeAde20kSplit, writeReplicaSequence, writeRgbdFolder, writeScene, writeTumSequence, type DatasetFormat, type InspectReport, type SyntheticOptions } from '@plaf/datasets'
import { formatInspectReport } from '../src/commands/data.js'
import { cli, tempDir } from './helpers.js'

const ROOM = { frames: 5, color_width: 160, color_height: 120, depth_width: 80, depth_height: 60, seed: 3, invalid_pose_frames: [1] }

async function* room(): AsyncIterable<Frame> {
  const src = await syntheticRoomInput.create(validateOptions(syntheticRoomInput, ROOM).value as unknown as SyntheticOptions, createTestContext())
  yield* src.frames()
}

/** A recording with frame 1 lost (-inf pose) and frame 3 given a scaled, non-rigid pose. */
async function recording(): Promise<string> {
  const dir = tempDir()
  const rec = join(dir, 'rec')
  await writeRgbdFolder(rec, room())
  writeFileSync(join(rec, 'pose', '3.txt'), '1.5 0 0 2\n0 1 0 2\n0 0 1 1.5\n0 0 0 1\n')
  return rec
}

const pipeline = `name: data
input: { use: rgbd-folder, with: { folder: ./rec } }
stages:
  backbone: { use: color-lexicon, with: { resolution: 64 } }
  masker: { use: grid, with: { cell_size: 40 } }
  aggregator: { use: mask-mean }
  storage2d: { use: mask-indexed }
`

describe('plaf data inspect', () => {
  it('--json prints exactly the documented fields, every skip with its file and reason', async () => {
    const rec = await recording()
    const r = await cli('data', 'inspect', rec, '--json')
    expect(r.code).toBe(0)
    const k = JSON.parse(readFileSync(join(rec, 'intrinsics.json'), 'utf8'))
    const { width: _w, height: _h, ...color } = k.color
    const { width: _dw, height: _dh, ...depth } = k.depth
    expect(JSON.parse(r.out)).toEqual({
      format: 'rgbd-folder', frames: 5, usable: 3,
      skipped: [
        { frame: 1, file: join(rec, 'pose', '1.txt'), reason: 'non-finite pose (tracking lost)' },
        { frame: 3, file: join(rec, 'pose', '3.txt'), reason: 'not a rigid transform: max |RᵀR − I| = 1.25, det R = 1.5 (tolerance 0.001)' },
      ],
      color: { width: 160, height: 120 }, depth: { width: 80, height: 60 },
      intrinsics: { color, depth, depth_scale: 1000 },
      labels: null,
    })
  })

  it('agrees with plaf run on the usable frames; the run completes and its report lists every skip', async () => {
    const rec = await recording()
    const dir = join(rec, '..')
    writeFileSync(join(dir, 'p.yaml'), pipeline)
    const inspect = JSON.parse((await cli('data', 'inspect', rec, '--json')).out)
    const run = await cli('run', join(dir, 'p.yaml'), '--out', join(dir, 'out'), '--progress', 'none', '--set', `runtime.cache_dir=${join(dir, 'cache')}`)
    expect(run.code).toBe(0)
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8'))
    expect(report.frames.processed).toBe(inspect.usable)
    const skips = report.notes.filter((n: { code: string }) => n.code === 'PLAF_FRAME_SKIPPED')
    expect(skips.map((n: { frame: string; file: string }) => [Number(n.frame), n.file])).toEqual(inspect.skipped.map((s: { frame: number; file: string }) => [s.frame, s.file]))
    for (const [n, s] of skips.map((n: { message: string }, i: number) => [n, inspect.skipped[i]])) expect(n.message).toContain(s.reason)
  })

  it('--quick decodes one frame, agrees on usable and skipped frames, and says what it did not check', async () => {
    const rec = await recording()
    const full = JSON.parse((await cli('data', 'inspect', rec, '--json')).out)
    const quick = JSON.parse((await cli('data', 'inspect', rec, '--json', '--quick')).out)
    const { not_checked: notChecked, ...rest } = quick
    expect(rest).toEqual(full)
    expect(notChecked).toEqual(['the images of 2 of the 3 usable frames (only the first was decoded): a truncated or corrupt image, a depth image of the wrong bit depth, or a size change in them would stop a run'])
    expect((await cli('data', 'inspect', rec, '--quick')).out).toContain(`not checked (--quick):\n  ${notChecked[0]}`)
  })

  it('text output names the format, sizes and each skipped frame', async () => {
    const rec = await recording()
    const r = await cli('data', 'inspect', rec)
    expect(r.code).toBe(0)
    expect(r.out).toContain('format       rgbd-folder')
    expect(r.out).toContain('frames       5 (3 usable, 2 skipped)')
    expect(r.out).toContain(`frame 1  ${join(rec, 'pose', '1.txt')}: non-finite pose (tracking lost)`)
  })

  it('reads a ScanNet export with its labels, and names label ids the TSV does not know', async () => {
    const scene = join(tempDir(), 'scene0001_00')
    await writeScene(scene, { ...ROOM, mesh_spacing: 0.2 })
    const tsv = join(scene, 'scannetv2-labels.combined.tsv')
    const rows = readFileSync(tsv, 'utf8').trimEnd().split('\n')
    const dropped = Number(rows[1].split('\t')[0])
    writeFileSync(tsv, [rows[0], ...rows.slice(2)].join('\n') + '\n')
    const r = JSON.parse((await cli('data', 'inspect', scene, '--json')).out)
    expect([r.format, r.frames, r.usable, r.skipped.map((s: { frame: number }) => s.frame)]).toEqual(['scannet', 5, 4, [1]])
    expect(r.labels.found.length).toBeGreaterThan(3)
    expect(r.labels.found).toContain(dropped)
    expect(r.labels.unknown).toEqual([dropped])
    expect(r.labels.mesh.file).toBe(join(scene, 'scene0001_00_vh_clean_2.labels.ply'))
    expect(r.labels.mesh.found.length).toBeGreaterThan(3)
    expect(r.intrinsics.depth_scale).toBe(1000)
    const text = (await cli('data', 'inspect', scene)).out
    expect(text).toContain(`mesh labels  ${r.labels.mesh.found.length} NYU40 ids on ${r.labels.mesh.vertices} vertices (${r.labels.mesh.file}); unknown: ${r.labels.mesh.unknown.join(', ') || 'none'}`)
  })

  it('reads the .sens that plaf make-scene --sens writes, agreeing with the export layout it writes beside it', async () => {
    const scene = join(tempDir(), 'scene0002_00')
    const made = await cli('make-scene', scene, '--sens', '--frames', '4', '--set', 'color_width=160', '--set', 'color_height=120',
      '--set', 'depth_width=80', '--set', 'depth_height=60', '--set', 'invalid_pose_frames=[3]', '--set', 'mesh_spacing=0.3')
    expect(made.code).toBe(0)
    expect(made.out).toContain('(with scene0002_00.sens)')
    const sens = join(scene, 'scene0002_00.sens')
    const fromSens = JSON.parse((await cli('data', 'inspect', sens, '--json')).out)
    const fromExport = JSON.parse((await cli('data', 'inspect', scene, '--json')).out)
    expect(fromSens.format).toBe('sens')
    expect(fromSens.skipped).toEqual([{ frame: 3, file: sens, reason: 'non-finite pose (tracking lost)' }])
    for (const key of ['frames', 'usable', 'color', 'depth', 'labels'] as const) expect(fromSens[key]).toEqual(fromExport[key])
    // Cut inside frame 2's colour image: frames 0 and 1 are read and the cut listed as skipped;
    // --no-skip-damaged makes it exit 1 naming the file, frame, offset and what is missing.
    const cutAt = indexSens(sens).frames[2].offset + 40
    truncateSync(sens, cutAt)
    const cut = await cli('data', 'inspect', sens, '--no-skip-damaged')
    expect(cut.code).toBe(1)
    expect(cut.err).toContain(`frame 000002: ${sens}: truncated mid-frame 2:`)
    expect(cut.err).toContain(`the file ends at byte ${cutAt}; missing: `)
    expect(cut.err).toContain('plaf data inspect without --no-skip-damaged')
    const lenient = await cli('data', 'inspect', sens, '--json')
    expect(lenient.code).toBe(0)
    const r = JSON.parse(lenient.out)
    // counted against the header's 4 frames: frame 2 is cut, frame 3 is not in the file at all
    expect([r.frames, r.usable, r.skipped.map((s: { frame: number }) => s.frame)]).toEqual([4, 2, [2, 3]])
    expect(r.skipped[1].reason).toBe(`not in the file: it ends at byte ${cutAt}, in frame 2 of the 4 its header claims`)
    expect((await cli('data', 'inspect', sens)).out).toContain('frames       4 (2 usable, 2 skipped)')
    // 110 kB of trailing garbage after a complete file: a note, not silence
    const whole = join(tempDir(), 'scene0005_00')
    expect((await cli('make-scene', whole, '--sens', '--frames', '2', '--set', 'color_width=160', '--set', 'color_height=120', '--set', 'depth_width=80', '--set', 'depth_height=60')).code).toBe(0)
    const padded = join(whole, 'scene0005_00.sens')
    const size = statSync(padded).size
    expect(JSON.parse((await cli('data', 'inspect', padded, '--json')).out).notes).toBeUndefined() // a clean file: no note
    appendFileSync(padded, Buffer.alloc(110_000, 7))
    const noted = await cli('data', 'inspect', padded)
    expect(noted.code).toBe(0)
    expect(noted.out).toContain(`note         ${padded} has 110000 bytes after its 2 frames and IMU block (0 records) (bytes ${size} to ${size + 110_000}): not read`)
    expect(JSON.parse((await cli('data', 'inspect', padded, '--json')).out).notes).toHaveLength(1)
  })

  it('plaf make-scene --format rgbd-folder and --format replica write sequences that inspect reads back', async () => {
    const root = tempDir()
    const size = ['--frames', '3', '--set', 'color_width=160', '--set', 'color_height=120', '--set', 'invalid_pose_frames=[1]']
    const folder = join(root, 'my-room')
    const a = await cli('make-scene', folder, '--format', 'rgbd-folder', ...size, '--set', 'depth_width=80', '--set', 'depth_height=60')
    expect(a.code).toBe(0)
    expect(a.out).toContain(`rgbd-folder sequence written to ${folder}: 3 frames (invalid poses: 1)`)
    const ra = JSON.parse((await cli('data', 'inspect', folder, '--json')).out)
    expect([ra.format, ra.frames, ra.usable, ra.color, ra.depth, ra.intrinsics.depth_scale]).toEqual(['rgbd-folder', 3, 2, { width: 160, height: 120 }, { width: 80, height: 60 }, 1000])
    const replica = join(root, 'Replica', 'room0')
    const made = await cli('make-scene', replica, '--format', 'replica', ...size)
    expect(made.code).toBe(0)
    expect(made.out).toContain(`shared camera written to ${join(root, 'Replica', 'cam_params.json')}`)
    const rr = JSON.parse((await cli('data', 'inspect', replica, '--json')).out)
    expect([rr.format, rr.frames, rr.usable, rr.depth, rr.intrinsics.depth_scale]).toEqual(['replica', 3, 2, { width: 160, height: 120 }, 6553.5])
    const bad = await cli('make-scene', join(root, 'x'), '--format', 'replica', '--sens')
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('--sens writes a ScanNet .sens; it does not go with --format replica')
    const mixed = await cli('make-scene', join(root, 'y'), '--format', 'replica', '--set', 'depth_width=80')
    expect(mixed.code).toBe(1)
    expect(mixed.err).toContain('a Replica sequence has depth at the colour size; got colour 1296×968, depth 80×968')
    const tum = join(root, 'rgbd_dataset_freiburg3_synthetic')
    expect((await cli('make-scene', tum, '--format', 'tum', '--frames', '3', '--set', 'invalid_pose_frames=[1]')).out).toContain(`tum sequence written to ${tum}: 3 frames (invalid poses: 1)`)
    // another folder name is refused with why and the name to use; --help says so first
    const r2 = await cli('make-scene', join(root, 'r2', 'tum'), '--format', 'tum', '--frames', '2')
    expect(r2.code).toBe(1)
    expect(r2.err).toContain('the tum reader takes the camera from the folder name')
    expect(r2.err).toContain(`write it as ${join(root, 'r2', 'rgbd_dataset_freiburg3_tum')}`)
    expect((await cli('make-scene', '--help')).out.replace(/\s+/g, ' ')).toContain('so <dir> must contain freiburg3, e.g. rgbd_dataset_freiburg3_room')
    const rt = JSON.parse((await cli('data', 'inspect', tum, '--json')).out)
    expect([rt.format, rt.frames, rt.usable, rt.color, rt.intrinsics.color, rt.intrinsics.depth_scale, rt.intrinsics.distortion]).toEqual(['tum', 3, 2, { width: 640, height: 480 }, { fx: 535.4, fy: 539.2, cx: 320.1, cy: 247.6 }, 5000, undefined])
  })

  it('a ScanNet export missing a colour image, or with depth cropped against <scene>.txt, is exit 1 naming the file and frame, no stack trace', async () => {
    const scene = join(tempDir(), 'scene0002_00')
    await writeScene(scene, { ...ROOM, mesh_spacing: 0.2 })
    rmSync(join(scene, 'color', '2.jpg'))
    const missing = await cli('data', 'inspect', scene)
    expect(missing.code).toBe(1)
    expect(missing.err).toContain(`frame 000002: ${join(scene, 'color', '2.jpg')} is missing; depth/2.png and pose/2.txt are there`)
    expect(missing.err).not.toMatch(/\n\s+at /)
    writeFileSync(join(scene, 'color', '2.jpg'), readFileSync(join(scene, 'color', '3.jpg')))
    for (let i = 0; i < 5; i++) writeFileSync(join(scene, 'depth', `${i}.png`), encodePng({ width: 160, height: 100, channels: 1, depth: 16, data: new Uint16Array(160 * 100).fill(1000) }))
    const cropped = await cli('data', 'inspect', scene, '--quick')
    expect(cropped.code).toBe(1)
    expect(cropped.err).toContain(`frame 000000: ${join(scene, 'depth', '0.png')}: depth image is 160×100, but ${join(scene, 'scene0002_00.txt')} says depthWidth = 80, depthHeight = 60`)
    expect(cropped.err).toContain('160×100 has another aspect ratio than 80×60')
  })

  it('a ScanNet export resized with its intrinsics scaled (plainly or about pixel centres) is read, exit 0 with a note; left unscaled (SensorData.py) read with them scaled, exit 0 with a note; 10 % off at <scene>.txt\'s size, exit 1 naming the file', async () => {
    // 80×60 colour rendered through intrinsic_color.txt; <scene>.txt then states a 160×120 sensor
    // whose camera, scaled by 0.5, is that file's: the export of a preprocessing that halved it
    const scene = join(tempDir(), 'scene0003_00')
    await writeScene(scene, { ...ROOM, color_width: 80, color_height: 60, mesh_spacing: 0.2 })
    const txt = join(scene, 'scene0003_00.txt'), kFile = join(scene, 'intrinsic', 'intrinsic_color.txt')
    const original = readFileSync(txt, 'utf8'), kText = readFileSync(kFile, 'utf8')
    const [fx, , cx, , , fy, cy] = kText.trim().split(/\s+/).map(Number)
    const sensor = (centres: boolean) => {
      const up = (c: number) => (centres ? (c + 0.5) * 2 - 0.5 : c * 2)
      return { colorWidth: 160, colorHeight: 120, fx_color: (fx * 2).toFixed(6), fy_color: (fy * 2).toFixed(6), mx_color: up(cx).toFixed(6), my_color: up(cy).toFixed(6) }
    }
    const withFields = (fields: Record<string, string | number>) => Object.entries(fields).reduce((t, [k, v]) => t.replace(new RegExp(`^${k} = .*$`, 'm'), `${k} = ${v}`), original)
    for (const centres of [false, true]) {
      writeFileSync(txt, withFields(sensor(centres)))
      const r = await cli('data', 'inspect', scene)
      expect([r.code, r.err]).toEqual([0, ''])
      const note = `${kFile}: colour images are 80×60 (scene0003_00.txt states the sensor's 160×120) and these intrinsics are the .txt's scaled by 0.5 × 0.5 to match: read as an export resized with its intrinsics`
      expect(r.out).toContain(`note         ${note}`)
      const json = JSON.parse((await cli('data', 'inspect', scene, '--json', '--quick')).out) as InspectReport
      expect([json.color, json.intrinsics!.color.fx, json.notes]).toEqual([{ width: 80, height: 60 }, fx, [note]])
    }
    // the images resized but intrinsic_color.txt left at the sensor's camera (SensorData.py's export): read with it scaled back to 80×60
    const s = sensor(true) // as <scene>.txt now states
    writeFileSync(kFile, `${s.fx_color} 0 ${s.mx_color} 0\n0 ${s.fy_color} ${s.my_color} 0\n0 0 1 0\n0 0 0 1\n`)
    const kept = await cli('data', 'inspect', scene, '--json', '--quick')
    expect([kept.code, kept.err]).toEqual([0, ''])
    const keptJson = JSON.parse(kept.out) as InspectReport
    expect(keptJson.intrinsics!.color.fx).toBeCloseTo(fx, 5)
    expect(keptJson.intrinsics!.color.cx).toBeCloseTo(cx, 5)
    expect(keptJson.notes).toEqual([expect.stringContaining(`${kFile}: colour images are 80×60 and this file holds the intrinsics scene0003_00.txt states for the sensor's 160×120, as ScanNet's SensorData.py writes them when it exports resized images: read with them scaled to 80×60 (by 0.5 × 0.5, about pixel centres: `)])
    // a run records it once, as an info note in report.json (not among its warnings) and report.md
    writeFileSync(join(scene, '..', 'p.yaml'), pipeline.replace('use: rgbd-folder, with: { folder: ./rec }', `use: scannet, with: { scene: ./${basename(scene)} }`))
    const out = join(scene, '..', 'out')
    const run = await cli('run', join(scene, '..', 'p.yaml'), '--out', out, '--progress', 'none', '--set', `runtime.cache_dir=${join(scene, '..', 'cache')}`)
    expect(run.code, run.err).toBe(0)
    expect(run.err.match(/PLAF_INTRINSICS_SCALED/g)).toHaveLength(1)
    expect(run.err).toContain(' info ')
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { warnings: Record<string, number>; notes: { code: string; severity: string; file?: string }[] }
    expect(report.notes.filter((n) => n.code === 'PLAF_INTRINSICS_SCALED')).toEqual([expect.objectContaining({ severity: 'info', file: kFile, stage: 'input', plugin: 'scannet' })])
    expect(report.warnings.PLAF_INTRINSICS_SCALED).toBeUndefined()
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(`- note: ${kFile}: colour images are 80×60 and this file holds the intrinsics`)
    // not resized, intrinsic_color.txt 10 % off <scene>.txt's fx_color
    writeFileSync(txt, original)
    writeFileSync(kFile, kText.replace(/^\S+/, (fx * 1.1).toFixed(6)))
    const off = await cli('data', 'inspect', scene, '--quick')
    expect(off.code).toBe(1)
    expect(off.err).toContain(`${kFile}: fx is ${Number((fx * 1.1).toFixed(6))}, but ${txt} says fx_color = `)
  })

  it('an unreadable scene is exit 1 with the error naming the file; an empty one too', async () => {
    const rec = await recording()
    rmSync(join(rec, 'intrinsics.json'))
    writeFileSync(join(rec, 'intrinsics.json'), '{"color": {"width": 160}}')
    const r = await cli('data', 'inspect', rec, '--format', 'rgbd-folder')
    expect(r.code).toBe(1)
    expect(r.err).toContain(`${join(rec, 'intrinsics.json')}: color.height is missing`)
    rmSync(join(rec, 'intrinsics.json'))
    const missing = await cli('data', 'inspect', rec)
    expect(missing.code).toBe(1)
    expect(missing.err).toContain(`${join(rec, 'intrinsics.json')} is missing: an rgbd-folder states its camera intrinsics there`)
    const empty = tempDir()
    const e = await cli('data', 'inspect', empty)
    expect(e.code).toBe(1)
    expect(e.err).toContain(`${empty} is empty; no dataset to inspect`)
  })

  it('inspects ADE20K (both splits, label ids found), refuses to convert it, and names an unknown --format', async () => {
    const root = join(tempDir(), 'ADEChallengeData2016')
    await writeAde20kSplit(root, 'training', 2, [32, 24], 1)
    await writeAde20kSplit(root, 'validation', 1, [32, 24], 2)
    const r = JSON.parse((await cli('data', 'inspect', root, '--json')).out)
    expect(r).toMatchObject({ format: 'ade20k', frames: 3, usable: 3, skipped: [], color: { width: 32, height: 24 }, depth: null, intrinsics: null })
    expect(r.labels.found.every((id: number) => id >= 1 && id <= 150)).toBe(true)
    expect(r.labels.unknown).toEqual([])
    const c = await cli('data', 'convert', root, '--to', 'rgbd-folder', join(root, '..', 'out'))
    expect(c.code).toBe(1)
    expect(c.err).toContain('ADE20K holds images and annotations, not RGB-D frames')
    const bad = await cli('data', 'inspect', root, '--format', 'tumm')
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('error unknown data format "tumm"  PLAF_INVALID_OPTION')
    expect(bad.err).toContain('did you mean "tum"?; formats with a reader so far: scannet, sens, rgbd-folder, tum, replica, ade20k')
  })
})

async function readAll(path: string, format: DatasetFormat): Promise<Frame[]> {
  const out: Frame[] = []
  for await (const f of openDataset(path, format).frames()) out.push(f)
  return out
}

/** Every frame of `b` equals the same frame of `a`: colour bytes, depth values, pose and intrinsics. */
function expectSameFrames(a: Frame[], b: Frame[]): void {
  expect(b.map((f) => f.index)).toEqual(a.map((f) => f.index))
  a.forEach((f, k) => {
    const g = b[k]
    expect(Buffer.compare(Buffer.from(g.rgb.data), Buffer.from(f.rgb.data))).toBe(0)
    let diff = 0
    for (let i = 0; i < f.depth!.data.length; i++) if (g.depth!.data[i] !== f.depth!.data[i]) diff++
    expect(diff).toBe(0)
    expect(Array.from(g.pose!)).toEqual(Array.from(f.pose!))
    expect(g.colorIntrinsics).toEqual(f.colorIntrinsics)
    expect(g.depthIntrinsics).toEqual(f.depthIntrinsics)
  })
}

describe('plaf data convert', () => {
  const square = { ...ROOM, color_width: 640, color_height: 480, depth_width: 640, depth_height: 480, frames: 3 }
  async function* frames(options: object): AsyncIterable<Frame> {
    const src = await syntheticRoomInput.create(validateOptions(syntheticRoomInput, options).value as unknown as SyntheticOptions, createTestContext())
    yield* src.frames()
  }

  it('a TUM sequence to an rgbd-folder: every pixel, depth value and pose reads back the same', async () => {
    const tum = join(tempDir(), 'rgbd_dataset_freiburg3_synthetic')
    await writeTumSequence(tum, frames(square))
    const out = join(tum, '..', 'converted')
    const r = await cli('data', 'convert', tum, '--to', 'rgbd-folder', out)
    expect(r.code).toBe(0)
    expect(r.out).toBe(`tum ${tum} → rgbd-folder ${out}: 2 frames written, 1 skipped as plaf run would (plaf data inspect ${tum} lists why)\n`)
    expect(JSON.parse(readFileSync(join(out, 'intrinsics.json'), 'utf8')).depth_scale).toBe(5000)
    expectSameFrames(await readAll(tum, 'tum'), await readAll(out, 'rgbd-folder'))
  })

  it('a freiburg1 sequence: inspect and convert say its lens distortion is corrected, and convert writes the undistorted frames', async () => {
    const tum = join(tempDir(), 'rgbd_dataset_freiburg1_synthetic')
    await writeTumSequence(tum, frames(square))
    const r = JSON.parse((await cli('data', 'inspect', tum, '--json')).out)
    expect(r.intrinsics.distortion).toEqual({ model: 'opencv', coefficients: [0.2624, -0.9531, -0.0054, 0.0026, 1.1633], corrected: true, max_shift_px: 36.8 })
    expect((await cli('data', 'inspect', tum)).out).toContain('distortion   k1 k2 p1 p2 k3 = 0.2624 -0.9531 -0.0054 0.0026 1.1633, corrected: frames are undistorted (border pixels moved up to 36.8 px)')
    const out = join(tum, '..', 'converted')
    expect((await cli('data', 'convert', tum, '--to', 'rgbd-folder', out)).out).toContain("; the source's lens distortion (k1 k2 p1 p2 k3 = 0.2624 -0.9531 -0.0054 0.0026 1.1633, up to 36.8 px at the border) is corrected: the frames written are undistorted")
    expectSameFrames(await readAll(tum, 'tum'), await readAll(out, 'rgbd-folder'))
  })

  it('a Replica sequence to an rgbd-folder, likewise', async () => {
    const replica = join(tempDir(), 'Replica', 'room0')
    await writeReplicaSequence(replica, frames({ ...square, color_width: 240, color_height: 160, depth_width: 240, depth_height: 160 }))
    const out = join(replica, '..', '..', 'room0-folder')
    const r = await cli('data', 'convert', replica, '--to', 'rgbd-folder', out, '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ from: 'replica', frames: 2, invalidPoses: 0, depthOutOfRange: 0, skipped: [{ frame: 1, reason: 'non-finite pose (tracking lost)' }] })
    expectSameFrames(await readAll(replica, 'replica'), await readAll(out, 'rgbd-folder'))
  })

  it('a ScanNet .sens to an rgbd-folder, likewise', async () => {
    const scene = join(tempDir(), 'scene0004_00')
    await writeScene(scene, { ...ROOM, frames: 3, mesh_spacing: 0.3, sens: true })
    const sens = join(scene, 'scene0004_00.sens')
    const out = join(scene, '..', 'from-sens')
    expect((await cli('data', 'convert', sens, '--to', 'rgbd-folder', out)).code).toBe(0)
    expectSameFrames(await readAll(sens, 'sens'), await readAll(out, 'rgbd-folder'))
  })

  it('refuses an unknown --to and a non-empty target', async () => {
    const bad = await cli('data', 'convert', 'x', '--to', 'rgbd', 'y')
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('unknown output format "rgbd"')
    const rec = await recording()
    const r = await cli('data', 'convert', rec, '--to', 'rgbd-folder', rec)
    expect(r.code).toBe(1)
    expect(r.err).toContain(`${rec} exists and is not empty; refusing to write an rgbd-folder over it`)
  })
})

describe('plaf data inspect: the text report', () => {
  it('prints intrinsics and distortion without float noise (cx 318.90495999999996 reads 318.90496)', () => {
    const text = formatInspectReport({
      format: 'rgbd-folder', frames: 2, usable: 2, skipped: [], color: { width: 640, height: 480 }, depth: { width: 640, height: 480 }, labels: null,
      intrinsics: {
        color: { fx: 517.3, fy: 516.5, cx: 318.90495999999996, cy: 255.29999999999998 }, depth: null, depth_scale: 1000,
        distortion: { coefficients: [0.26240000000000002, -0.9531, -0.0054, 0.0026, 1.1633], corrected: true, max_shift_px: 12.5 },
      },
    } as unknown as InspectReport)
    expect(text).toBe([
      'format       rgbd-folder',
      'frames       2 (2 usable, 0 skipped)',
      'colour       640×480',
      'depth        640×480, 1000 units per metre',
      'intrinsics   colour fx 517.3 fy 516.5 cx 318.90496 cy 255.3',
      'distortion   k1 k2 p1 p2 k3 = 0.2624 -0.9531 -0.0054 0.0026 1.1633, corrected: frames are undistorted (border pixels moved up to 12.5 px)',
      'labels       none',
    ].join('\n'))
  })
})
