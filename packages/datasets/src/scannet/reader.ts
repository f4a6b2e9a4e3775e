import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fail, type Frame, type Intrinsics, type PluginNote } from '@plaf/core'
import { decodeColor, decodeDepthPng, decodeLabelPng } from '../frames/images.js'
import { parsePoseRows } from '../frames/pose.js'
import { selectFrames, type FrameSelection } from '../frames/select.js'
import { datasetSource, type DatasetSource } from '../frames/source.js'
import { frameId } from '../synthetic/render.js'
import { colorFile, findLabelDir, hashFileSample, listSceneFrames, type FrameFiles, type SceneFrameList } from './layout.js'
import { parseMatrix } from './text.js'
import { findSceneMetadata, labelIdChecker, multiply4, readAxisAlignment } from './scan.js'
import { resizeNearest } from './resize.js'
import { readImageHeaderSize } from '../frames/image-size.js'
import { readSceneTxtCamera, sameIntrinsic, sceneFrameCount, sceneTxtKey, type SceneTxtCamera } from './scene-txt.js'

/** How to read a scene (the `scannet` plugin's options, with `scene` already resolved to an absolute path). */
export interface ScannetReadOptions extends FrameSelection {
  scene: string
  load_labels: boolean | null
  /** Left-multiply poses by `<scene>.txt`'s axisAlignment (default false). */
  axis_align?: boolean
}

/** ScanNet's depth PNGs hold millimetres. */
const DEPTH_SCALE = 1000

/** A ScanNet frame source; `skipped` counts frames dropped for a bad pose. */
export interface ScannetSource extends DatasetSource {
  dir: string
  /** Number of frames skipped because their pose was non-finite (-inf: lost tracking) or not rigid. */
  skipped: number
  /** Ids of the skipped frames. */
  skippedFrames: string[]
  /** The label folder read, or undefined when labels are not loaded. */
  labelDir?: string
  /** The frames that will be yielded, in order. */
  files: FrameFiles[]
}

function readText(file: string, what: string, frame?: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT'
    return fail('PLAF_INPUT_INVALID', `${file}: ${what} is ${missing ? 'missing' : 'unreadable'}${frame ? ` (frame ${frame})` : ''}`, { file, frame, cause: e })
  }
}

function readIntrinsics(file: string): Omit<Intrinsics, 'width' | 'height'> {
  const m = parseMatrix(readText(file, 'the intrinsic matrix'), file, undefined, true)
  const k = { fx: m[0], fy: m[5], cx: m[2], cy: m[6] }
  if (!(k.fx > 0 && k.fy > 0 && Number.isFinite(k.cx) && Number.isFinite(k.cy))) {
    fail('PLAF_INPUT_INVALID', `${file}: focal lengths must be positive and centres finite (fx ${k.fx}, fy ${k.fy}, cx ${k.cx}, cy ${k.cy})`, { file })
  }
  return k
}

/**
 * Opens an exported ScanNet scene. Poses of the selected frames are read now (to know which frames
 * survive), so frameCount is exact and each skipped frame is reported once through `warn`.
 */
export function openScannetScene(opts: ScannetReadOptions, warn: (note: PluginNote) => void): ScannetSource {
  const dir = opts.scene
  if (!existsSync(dir)) fail('PLAF_FILE_NOT_FOUND', `scene directory ${dir} does not exist`, { file: dir })
  if (!statSync(dir).isDirectory()) fail('PLAF_INPUT_INVALID', `${dir} is not a directory`, { file: dir })
  const colorDir = join(dir, 'color')
  if (!existsSync(colorDir)) fail('PLAF_INPUT_INVALID', `${dir} has no color/ folder; expected the ScanNet export layout (color/, depth/, pose/, intrinsic/)`, { file: colorDir })
  const metaFile = findSceneMetadata(dir)
  const sceneTxt = metaFile ? readSceneTxtCamera(metaFile) : undefined
  const listed = listSceneFrames(dir, sceneFrameCount(sceneTxt))
  const { stems } = listed
  if (listed.color.size === 0) fail('PLAF_INPUT_INVALID', `${colorDir} holds no <i>.jpg frames`, { file: colorDir })
  const colorK = readIntrinsics(join(dir, 'intrinsic', 'intrinsic_color.txt'))
  const depthK = readIntrinsics(join(dir, 'intrinsic', 'intrinsic_depth.txt'))
  if (sceneTxt) {
    checkAgainstSceneTxt(join(dir, 'intrinsic', 'intrinsic_color.txt'), colorK, 'color', sceneTxt)
    checkAgainstSceneTxt(join(dir, 'intrinsic', 'intrinsic_depth.txt'), depthK, 'depth', sceneTxt)
  }
  const foundLabels = findLabelDir(dir)
  if (opts.load_labels === true && !foundLabels) fail('PLAF_INPUT_INVALID', `load_labels is true but ${dir} has no label-filt/ folder`, { file: join(dir, 'label-filt') })
  const labelDir = opts.load_labels === false ? undefined : foundLabels

  const hash = createHash('sha256').update('plaf-scannet-identity-v1\0')
  hash.update(readText(join(dir, 'intrinsic', 'intrinsic_color.txt'), 'the intrinsic matrix'))
  hash.update(readText(join(dir, 'intrinsic', 'intrinsic_depth.txt'), 'the intrinsic matrix'))
  hash.update(`labels:${labelDir ? 'yes' : 'no'}\0`)
  const candidates = stems.map((index) => ({ index, poseFile: join(dir, 'pose', `${index}.txt`) }))
  const { frames: selected, skips } = selectFrames(candidates, opts, (c) => {
    const id = frameId(c.index)
    failMissingImages(dir, c.index, listed)
    const text = readText(c.poseFile, 'the pose', id)
    return { pose: parsePoseRows(text, c.poseFile, id) }
  }, warn)
  const skippedFrames = skips.map((k) => frameId(k.frame))
  const poses = new Map<number, Float64Array>()
  const align = opts.axis_align ? sceneAlignment(dir) : undefined
  if (align) hash.update('aligned\0').update(align)
  const files: FrameFiles[] = selected.map(({ item, pose }) => {
    const { index } = item
    const id = frameId(index)
    const f: FrameFiles = { index, color: colorFile(colorDir, index), depth: join(dir, 'depth', `${index}.png`), pose: item.poseFile }
    if (labelDir) f.label = join(labelDir, `${index}.png`)
    hash.update(`frame ${index}\0${readText(item.poseFile, 'the pose', id)}\0`)
    hashFileSample(hash, f.color, `color/${index}`, id)
    hashFileSample(hash, f.depth, `depth/${index}`, id)
    if (f.label) hashFileSample(hash, f.label, `label/${index}`, id)
    poses.set(index, align ? multiply4(align, pose) : pose)
    return f
  })
  checkImageSizes(files, colorK, depthK, sceneTxt)
  if (files.length === 0) fail('PLAF_INPUT_INVALID', `${dir}: no frame with a valid pose among the ${stems.length} frames selected by frame_step ${opts.frame_step}`, { file: dir })

  const checkLabels = labelDir ? labelIdChecker(dir, warn) : undefined
  async function load(f: FrameFiles): Promise<Frame> {
    const id = frameId(f.index)
    const [color, depthPng, labelPng] = await Promise.all([
      decodeColor(f.color, id),
      decodeDepthPng(f.depth, id, DEPTH_SCALE),
      f.label ? decodeLabelPng(f.label, id) : undefined,
    ])
    const depth = depthPng.data
    const frame: Frame = {
      id, index: f.index,
      rgb: { data: color.data, shape: [color.height, color.width, 3] },
      depth: { data: depth, shape: [depthPng.height, depthPng.width] },
      pose: Float64Array.from(poses.get(f.index)!),
      colorIntrinsics: { ...colorK, width: color.width, height: color.height },
      depthIntrinsics: { ...depthK, width: depthPng.width, height: depthPng.height },
    }
    if (labelPng) {
      const raw = labelPng.data
      checkLabels?.(raw, f.label!, id)
      frame.labels = {
        data: resizeNearest(raw, labelPng.width, labelPng.height, color.width, color.height),
        shape: [color.height, color.width],
      }
    }
    return frame
  }

  const every = opts.frame_step > 1 ? `, every ${opts.frame_step}th` : ''
  const source = datasetSource({
    format: 'scannet', found: stems.length, skips, depthScale: DEPTH_SCALE,
    identity: hash.digest('hex'),
    describe: `ScanNet scene ${dir} (${files.length} frames${every}${skips.length ? `, ${skips.length} skipped for invalid poses` : ''})`,
    items: files, load, files: (f) => f,
  })
  return { ...source, dir, labelDir, files, skipped: skips.length, skippedFrames }
}

/** The axisAlignment of the scan folder `dir` (its `<scene>.txt`), or an error naming what is missing. */
export function sceneAlignment(dir: string): Float64Array {
  const meta = findSceneMetadata(dir)
  if (!meta) fail('PLAF_INPUT_INVALID', `axis_align is true but ${dir} has no <scene>.txt`, { file: dir, path: 'axis_align', expected: `${dir}/<scene>.txt with axisAlignment`, actual: 'no scene*.txt' })
  return readAxisAlignment(meta)
}

/**
 * A listed frame without its colour or depth image is an error naming the first missing file and
 * what the frame does have (a missing pose alone is named when the pose is read), as missing
 * depth and pose always were: a frame is never dropped for a missing file.
 */
function failMissingImages(dir: string, index: number, listed: SceneFrameList): void {
  if (listed.color.has(index) && listed.depth.has(index)) return
  const parts = [[`color/${index}.jpg`, listed.color], [`depth/${index}.png`, listed.depth], [`pose/${index}.txt`, listed.pose]] as const
  const lacking = parts.filter(([, has]) => !has.has(index)).map(([name]) => name)
  const present = parts.filter(([, has]) => has.has(index)).map(([name]) => name)
  const id = frameId(index)
  const file = join(dir, lacking[0])
  const also = lacking.length > 1 ? ` (so ${lacking.length > 2 ? 'are' : 'is'} ${lacking.slice(1).join(' and ')})` : ''
  const why = present.length ? `; ${present.join(' and ')} ${present.length > 1 ? 'are' : 'is'} there` : listed.counted.has(index) ? `; ${listed.countedBecause}` : ''
  fail('PLAF_INPUT_INVALID', `frame ${id}: ${file} is missing${also}${why}`, {
    file, frame: id, expected: 'color/<i>.jpg, depth/<i>.png and pose/<i>.txt for every frame', actual: `no ${lacking.join(', ')}`,
  })
}

/** An intrinsic file's fx, fy, cx, cy against `<scene>.txt`'s fx_/fy_/mx_/my_<cam>, where the .txt has them. */
function checkAgainstSceneTxt(file: string, k: Omit<Intrinsics, 'width' | 'height'>, cam: 'color' | 'depth', t: SceneTxtCamera): void {
  for (const p of ['fx', 'fy', 'cx', 'cy'] as const) {
    const want = t[cam][p]
    if (want === undefined || sameIntrinsic(k[p], want)) continue
    const key = sceneTxtKey(p, cam)
    fail('PLAF_INPUT_INVALID', `${file}: ${p} is ${k[p]}, but ${t.file} says ${key} = ${t.raw[key]}; the intrinsics were edited or belong to another scan`, {
      file, path: p, expected: `${key} = ${t.raw[key]}`, actual: `${p} ${k[p]}`,
    })
  }
}

/**
 * Every selected frame's colour and depth size, read from the image headers (no decoding):
 * against `<scene>.txt`'s colorWidth/colorHeight and depthWidth/depthHeight when it has them, and
 * each frame against the first (a size change mid-sequence). A header that cannot be read is left
 * to the decoder, which names what is wrong with the file when its frame is read. The first
 * frame's images are also checked against their intrinsic files as the decoded frames are later
 * (at least 2×2 colour pixels, the principal point on the image), so a scene without a .txt gets
 * these errors when it is opened too.
 */
function checkImageSizes(files: FrameFiles[], colorK: Omit<Intrinsics, 'width' | 'height'>, depthK: Omit<Intrinsics, 'width' | 'height'>, t: SceneTxtCamera | undefined): void {
  const stated = (w: 'colorWidth' | 'depthWidth', h: 'colorHeight' | 'depthHeight') =>
    t && t[w] !== undefined && t[h] !== undefined ? { width: t[w]!, height: t[h]!, says: `${t.file} says ${w} = ${t[w]}, ${h} = ${t[h]}` } : undefined
  const views = [
    { what: 'colour', file: (f: FrameFiles) => f.color, stated: stated('colorWidth', 'colorHeight'), k: colorK, first: undefined as { id: string; width: number; height: number } | undefined },
    { what: 'depth', file: (f: FrameFiles) => f.depth, stated: stated('depthWidth', 'depthHeight'), k: depthK, first: undefined as { id: string; width: number; height: number } | undefined },
  ]
  for (const f of files) {
    const id = frameId(f.index)
    for (const v of views) {
      const file = v.file(f)
      const size = readImageHeaderSize(file)
      if (!size) continue
      const actual = `${size.width}×${size.height}`
      if (!v.first && v.what === 'colour' && (size.width < 2 || size.height < 2)) {
        fail('PLAF_INPUT_INVALID', `frame ${id}: ${file}: colour image is ${actual}; a camera frame has at least 2×2 pixels`, { file, frame: id, expected: 'at least 2×2 pixels', actual })
      }
      if (v.stated && (size.width !== v.stated.width || size.height !== v.stated.height)) {
        const expected = `${v.stated.width}×${v.stated.height}`
        fail('PLAF_INPUT_INVALID', `frame ${id}: ${file}: ${v.what} image is ${actual}, but ${v.stated.says}; the image was resized or belongs to another scan`, { file, frame: id, expected, actual })
      }
      if (!v.first) {
        v.first = { id, ...size }
        const { cx, cy } = v.k, W = size.width, H = size.height
        if (!(cx >= -0.5 && cx <= W - 0.5 && cy >= -0.5 && cy <= H - 0.5)) {
          const off = `cx ${cx}, cy ${cy}`
          fail('PLAF_INPUT_INVALID', `frame ${id}: ${file}: ${v.what} image is ${actual} but its intrinsics' principal point (${off}) lies off it; the image was resized or its intrinsics are another camera's`, {
            file, frame: id, expected: `a principal point within the ${actual} image (−0.5 ≤ cx ≤ ${W - 0.5}, −0.5 ≤ cy ≤ ${H - 0.5})`, actual: off,
          })
        }
        continue
      }
      if (size.width !== v.first.width || size.height !== v.first.height) {
        const expected = `${v.first.width}×${v.first.height}`
        fail('PLAF_INPUT_INVALID', `frame ${id}: ${file}: ${v.what} image is ${actual}, but frame ${v.first.id} was ${expected}; ${v.what} size changes mid-sequence`, { file, frame: id, expected, actual })
      }
    }
  }
}
