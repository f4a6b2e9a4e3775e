import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePly, decodePng, validateOptions, type Frame } from '@plaf/core'
import { createTestContext } from '@plaf/core/testing'
import { vertexInstances } from '../src/ground-truth.js'
import { scannetInput, type ScannetOptions } from '../src/plugins/scannet.js'
import { readSceneMeta, sceneObjects, type SceneMeta } from '../src/scene-meta.js'
import { parseLabelsTsv, parseMatrix, parseMetadata } from '../src/scannet/text.js'
import { backProject, projectPoint } from '../src/synthetic/camera.js'
import { castRays } from '../src/synthetic/raycast.js'
import { generateRoom, type SyntheticScene } from '../src/synthetic/room.js'
import { writeScene, type WriteSceneProgress, type WriteSceneSummary } from '../src/write-scene.js'
import { SMALL, diagnosticOf, tempRoot } from './fixtures.js'

const tmp = tempRoot()
const dir = join(tmp.root, 'scene0007_00')
let summary: WriteSceneSummary
let meta: SceneMeta
let scene: SyntheticScene
let frames: Frame[]
const progress: WriteSceneProgress[] = []

beforeAll(async () => {
  summary = await writeScene(dir, { ...SMALL, room_size: [6, 5, 2.8], objects: 6, invalid_pose_frames: [1] }, (p) => progress.push(p))
  meta = readSceneMeta(dir)
  scene = generateRoom(meta.options)
  const opts = validateOptions(scannetInput, { scene: dir }).value as unknown as ScannetOptions
  const src = await scannetInput.create(opts, createTestContext())
  frames = []
  for await (const f of src.frames()) frames.push(f)
})
afterAll(() => tmp.cleanup())

const png = (rel: string) => decodePng(readFileSync(join(dir, rel)))

describe('writeScene: the ScanNet export layout', () => {
  it('writes every file with unpadded frame names and returns a summary', () => {
    expect(summary).toMatchObject({ dir, scene: 'scene0007_00', frames: 6, invalidPoseFrames: [1] })
    expect(summary.objects).toHaveLength(6)
    for (const sub of ['color', 'depth', 'pose', 'label-filt', 'instance-filt']) {
      const ext = { color: 'jpg', pose: 'txt' }[sub] ?? 'png'
      expect(readdirSync(join(dir, sub)).sort(), sub).toEqual([0, 1, 2, 3, 4, 5].map((i) => `${i}.${ext}`).sort())
    }
    expect(readdirSync(join(dir, 'intrinsic')).sort()).toEqual(['extrinsic_color.txt', 'extrinsic_depth.txt', 'intrinsic_color.txt', 'intrinsic_depth.txt'])
    for (const f of ['scene0007_00_vh_clean_2.ply', 'scene0007_00_vh_clean_2.labels.ply', 'scannetv2-labels.combined.tsv', 'scene0007_00.txt', 'plaf-scene.json']) {
      expect(existsSync(join(dir, f)), f).toBe(true)
    }
    expect(readdirSync(tmp.root).filter((n) => n.startsWith('.'))).toEqual([]) // no temporary left behind
    expect(progress.at(-1)).toEqual({ phase: 'done', done: 1, total: 1 })
    expect(progress.filter((p) => p.phase === 'frames').map((p) => p.done)).toEqual([0, 1, 2, 3, 4, 5, 6])
  })

  it('writes 16-bit millimetre depth, 16-bit raw label ids at colour size and 8-bit instance ids', () => {
    const d = png('depth/0.png'), l = png('label-filt/0.png'), n = png('instance-filt/0.png')
    expect([d.width, d.height, d.channels, d.depth]).toEqual([160, 120, 1, 16])
    expect([l.width, l.height, l.channels, l.depth]).toEqual([320, 240, 1, 16])
    expect([n.width, n.height, n.channels, n.depth]).toEqual([320, 240, 1, 8])
    const used = new Set(meta.primitives.map((p) => p.labelId))
    for (const v of new Set(l.data)) expect(used.has(v), `label ${v}`).toBe(true)
    const depths = Array.from(d.data as Uint16Array)
    expect(Math.min(...depths)).toBeGreaterThan(300)
    expect(Math.max(...depths)).toBeLessThan(10000)
  })

  it('writes poses and intrinsics as 4×4 %f matrices, -inf rows for invalid frames', () => {
    expect(readFileSync(join(dir, 'pose/1.txt'), 'utf8')).toBe('-inf -inf -inf -inf\n'.repeat(4))
    const pose0 = readFileSync(join(dir, 'pose/0.txt'), 'utf8')
    expect(pose0).toMatch(/^(-?\d+\.\d{6} ){3}-?\d+\.\d{6}\n/)
    const p = parseMatrix(pose0, 'pose/0.txt')
    for (let k = 0; k < 16; k++) expect(Math.abs(p[k] - scene.poses[0][k])).toBeLessThanOrEqual(5e-7)
    const kc = parseMatrix(readFileSync(join(dir, 'intrinsic/intrinsic_color.txt'), 'utf8'), 'k')
    expect(kc[0]).toBeCloseTo((1169.621094 * 320) / 1296, 5)
    expect(readFileSync(join(dir, 'intrinsic/extrinsic_depth.txt'), 'utf8')).toBe('1.000000 0.000000 0.000000 0.000000\n0.000000 1.000000 0.000000 0.000000\n0.000000 0.000000 1.000000 0.000000\n0.000000 0.000000 0.000000 1.000000\n')
  })

  it('writes the TSV with the exact header and only the used rows, and ScanNet-style metadata', () => {
    const tsv = readFileSync(join(dir, 'scannetv2-labels.combined.tsv'), 'utf8')
    expect(tsv.split('\n')[0].split('\t')).toHaveLength(17)
    const rows = parseLabelsTsv(tsv)
    expect(rows.map((r) => r.id)).toEqual([...new Set(meta.primitives.map((p) => p.labelId))].sort((a, b) => a - b))
    for (const p of meta.primitives) expect(rows.find((r) => r.id === p.labelId)).toMatchObject({ rawCategory: p.rawCategory, nyu40id: p.nyu40id })
    const txt = parseMetadata(readFileSync(join(dir, 'scene0007_00.txt'), 'utf8'))
    expect(txt).toMatchObject({ colorWidth: '320', colorHeight: '240', depthWidth: '160', depthHeight: '120', numColorFrames: '6', numDepthFrames: '6' })
    expect(Number(txt.fx_depth)).toBeCloseTo(meta.depthIntrinsics.fx, 5)
    expect(Number(txt.mx_color)).toBeCloseTo(meta.colorIntrinsics.cx, 5)
  })

  it('writes the _vh_clean_2 meshes with ScanNet headers; labels.ply adds ushort label (NYU40)', () => {
    const header = (f: string) => {
      const b = readFileSync(join(dir, f))
      return b.subarray(0, b.indexOf('end_header\n') + 11).toString('latin1').split('\n').filter((l) => !l.startsWith('comment'))
    }
    const props = ['property float x', 'property float y', 'property float z', 'property uchar red', 'property uchar green', 'property uchar blue', 'property uchar alpha']
    const tail = [`element face ${summary.faces}`, 'property list uchar int vertex_indices', 'end_header', '']
    expect(header('scene0007_00_vh_clean_2.ply')).toEqual(['ply', 'format binary_little_endian 1.0', `element vertex ${summary.vertices}`, ...props, ...tail])
    expect(header('scene0007_00_vh_clean_2.labels.ply')).toEqual(['ply', 'format binary_little_endian 1.0', `element vertex ${summary.vertices}`, ...props, 'property ushort label', ...tail])
    const ply = decodePly(readFileSync(join(dir, 'scene0007_00_vh_clean_2.labels.ply')))
    expect(new Set(ply.properties.label)).toEqual(new Set(meta.primitives.map((p) => p.nyu40id)))
    expect(ply.faces!.length / 3).toBe(summary.faces)
  })

  it('records the objects in plaf-scene.json; per-vertex instance ids come back from the labels PLY', () => {
    const objects = sceneObjects(meta)
    expect(objects).toHaveLength(6)
    expect(sceneObjects(meta, { surfaces: true })).toHaveLength(12)
    expect(new Set(objects.map((o) => o.colour)).size).toBe(6)
    for (const o of objects) expect(o.name).toBe(`${o.colour} ${o.rawCategory}`)
    const ids = vertexInstances(dir, meta)
    const colours = decodePly(readFileSync(join(dir, 'scene0007_00_vh_clean_2.ply'))).properties
    for (const o of objects) {
      let count = 0, off = 0
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] !== o.instanceId) continue
        count++
        const rgb = [colours.red[i], colours.green[i], colours.blue[i]]
        if (!rgb.every((v, c) => v >= Math.floor(0.85 * o.rgb[c]) && v <= o.rgb[c])) off++
      }
      expect(count, o.name).toBeGreaterThan(20)
      expect(off, o.name).toBe(0)
    }
    expect(ids.every((v) => v > 0)).toBe(true)
  })
})

describe('writeScene: geometry and colour survive the files', () => {
  const stride = 5

  it('depth back-projected with depth intrinsics + pose lands on the same label in the colour frame', () => {
    let checked = 0, wrong = 0
    for (const f of frames) {
      const i = f.index
      const hits = castRays(scene.rays, scene.depthIntrinsics, scene.poses[i])
      const [H, W] = f.depth!.shape
      const lab = f.labels!.data, cw = f.colorIntrinsics!.width, ch = f.colorIntrinsics!.height
      for (let v = 0; v < H; v += stride) for (let u = 0; u < W; u += stride) {
        const z = f.depth!.data[v * W + u]
        const X = backProject(f.depthIntrinsics!, f.pose!, u, v, z)
        const uv = projectPoint(f.colorIntrinsics!, f.pose!, X[0], X[1], X[2])
        const uc = Math.round(uv[0]), vc = Math.round(uv[1])
        if (uc < 1 || vc < 1 || uc >= cw - 1 || vc >= ch - 1) continue
        const l = lab[vc * cw + uc]
        let uniform = true
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (lab[(vc + dy) * cw + uc + dx] !== l) uniform = false
        if (!uniform) continue
        checked++
        if (l !== scene.primitives[hits.prim[v * W + u]].category.labelId) wrong++
      }
    }
    expect(checked).toBeGreaterThan(1500)
    expect(wrong).toBe(0)
  })

  it('reprojection into another frame lands within 0.5 px of the ray-cast truth, on the same surface', () => {
    let maxErr = 0, visible = 0, seenThrough = 0, labelWrong = 0
    for (let a = 0; a < frames.length; a++) {
      const fi = frames[a], fj = frames[(a + 1) % frames.length]
      const i = fi.index, j = fj.index
      const hits = castRays(scene.rays, scene.depthIntrinsics, scene.poses[i])
      const [H, W] = fi.depth!.shape
      for (let v = 0; v < H; v += stride) for (let u = 0; u < W; u += stride) {
        const t = hits.depth[v * W + u]
        const truth = backProject(scene.depthIntrinsics, scene.poses[i], u, v, t)
        const X = backProject(fi.depthIntrinsics!, fi.pose!, u, v, fi.depth!.data[v * W + u])
        const got = projectPoint(fj.colorIntrinsics!, fj.pose!, X[0], X[1], X[2])
        const want = projectPoint(scene.colorIntrinsics, scene.poses[j], truth[0], truth[1], truth[2])
        const k = fj.colorIntrinsics!
        if (!(want[2] > 0.1) || want[0] < 0 || want[1] < 0 || want[0] > k.width - 1 || want[1] > k.height - 1) continue
        maxErr = Math.max(maxErr, Math.hypot(got[0] - want[0], got[1] - want[1]))
        // Frame j's ray through the true projection reaches the point unless something is in front.
        const one = { fx: k.fx, fy: k.fy, cx: k.cx - want[0], cy: k.cy - want[1], width: 1, height: 1 }
        const ray = castRays(scene.rays, one, scene.poses[j])
        if (ray.depth[0] > want[2] + 1e-3) seenThrough++
        if (Math.abs(ray.depth[0] - want[2]) > 1e-3) continue
        // Visible: the label file of frame j must show the point's label at the reprojected pixel.
        const uc = Math.round(got[0]), vc = Math.round(got[1]), lab = fj.labels!.data, cw = k.width
        if (uc < 1 || vc < 1 || uc >= cw - 1 || vc >= k.height - 1) continue
        let uniform = true
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (lab[(vc + dy) * cw + uc + dx] !== lab[vc * cw + uc]) uniform = false
        if (!uniform) continue
        visible++
        if (lab[vc * cw + uc] !== scene.primitives[hits.prim[v * W + u]].category.labelId) labelWrong++
      }
    }
    expect(maxErr).toBeLessThan(0.5)
    expect(visible).toBeGreaterThan(500)
    expect(seenThrough).toBe(0)
    expect(labelWrong).toBe(0)
  })

  it('keeps each object’s colour through JPEG: ≥ 99 % of its inner pixels lie in its own shading range', () => {
    // Objects take a drawn shade of their category, which may lie near another albedo (a pale pink
    // near the beige wall), so each pixel is checked against its own albedo: albedo × brightness in
    // [0.85, 1], ±2 noise, with up to 20 levels of JPEG error per channel (4:2:0 chroma on saturated shades).
    for (const f of frames) {
      const inst = png(`instance-filt/${f.index}.png`).data
      const [h, w] = [f.rgb.shape[0], f.rgb.shape[1]]
      for (const o of sceneObjects(meta)) {
        let n = 0, right = 0
        const mean = [0, 0, 0]
        for (let y = 2; y < h - 2; y++) for (let x = 2; x < w - 2; x++) {
          let inner = true
          for (let dy = -2; dy <= 2 && inner; dy++) for (let dx = -2; dx <= 2; dx++) if (inst[(y + dy) * w + x + dx] !== o.instanceId) { inner = false; break }
          if (!inner) continue
          const p = 3 * (y * w + x), px = [f.rgb.data[p], f.rgb.data[p + 1], f.rgb.data[p + 2]]
          n++
          for (let c = 0; c < 3; c++) mean[c] += px[c]
          if (px.every((v, c) => v >= 0.85 * o.rgb[c] - 20 && v <= o.rgb[c] + 20)) right++
        }
        if (n < 50) continue
        expect(right / n, `${o.name} in frame ${f.id}`).toBeGreaterThanOrEqual(0.99)
        for (let c = 0; c < 3; c++) {
          expect(mean[c] / n).toBeGreaterThanOrEqual(0.85 * o.rgb[c] - 8)
          expect(mean[c] / n).toBeLessThanOrEqual(o.rgb[c] + 8)
        }
      }
    }
  })
})

describe('writeScene: target directory', () => {
  it('replaces an earlier synthetic scene and names files after a sceneXXXX_YY directory', async () => {
    const target = join(tmp.root, 'scene0100_02')
    await writeScene(target, { ...SMALL, frames: 3 })
    const again = await writeScene(target, { ...SMALL, frames: 2 })
    expect(again.scene).toBe('scene0100_02')
    expect(readdirSync(join(target, 'color')).sort()).toEqual(['0.jpg', '1.jpg'])
    const other = await writeScene(join(tmp.root, 'mine'), { ...SMALL, frames: 1, scene: 'scene0200_00' })
    expect(existsSync(join(other.dir, 'scene0200_00_vh_clean_2.ply'))).toBe(true)
    expect((await writeScene(join(tmp.root, 'plain'), { ...SMALL, frames: 1 })).scene).toBe('scene0000_00')
  })

  it('refuses a non-empty directory that is not a synthetic scene, and bad options', async () => {
    const target = join(tmp.root, 'precious')
    mkdirSync(target)
    writeFileSync(join(target, 'notes.txt'), 'keep me')
    expect(await diagnosticOf(() => writeScene(target, SMALL))).toMatchObject({ code: 'PLAF_INVALID_OPTION', file: target })
    expect(readFileSync(join(target, 'notes.txt'), 'utf8')).toBe('keep me')
    expect(await diagnosticOf(() => writeScene(join(tmp.root, 'x'), { jpeg_quality: 0 }))).toMatchObject({ code: 'PLAF_INVALID_OPTION' })
  })

  it('writes ScanNet sizes by default: 1296×968 colour, 640×480 depth', async () => {
    const s = await writeScene(join(tmp.root, 'full'), { frames: 1, mesh_spacing: 0.2 })
    const c = readFileSync(join(s.dir, 'color/0.jpg'))
    expect(c.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]))
    const d = decodePng(readFileSync(join(s.dir, 'depth/0.png')))
    expect([d.width, d.height]).toEqual([640, 480])
    expect(readSceneMeta(s.dir).colorIntrinsics).toMatchObject({ width: 1296, height: 968, fx: 1169.621094, cx: 646.295044 })
  })
})
