import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fail, type Frame, type Intrinsics, type PluginNote } from '@plaf/core'
import { decodeColor, decodeDepthPng, decodeLabelPng } from '../frames/images.js'
import { parsePoseRows } from '../frames/pose.js'
import { selectFrames, type FrameSelection } from '../frames/select.js'
import { datasetSource, type DatasetSource } from '../frames/source.js'
import { frameId } from '../synthetic/render.js'
import { scaleIntrinsics } from '../synthetic/camera.js'
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
  /**
   * One info note per camera whose intrinsics were scaled to its images (the images resized, the
   * intrinsic file left at `<scene>.txt`'s values, as ScanNet's SensorData.py exports them): the
   * `scannet` input records each once in a run (report.json `notes`, severity info).
   */
  scaledIntrinsics?: PluginNote[]
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
  const colorKFile = join(dir, 'intrinsic', 'intrinsic_color.txt')
  const depthKFile = join(dir, 'intrinsic', 'intrinsic_depth.txt')
  const colorKRead = readIntrinsics(colorKFile)
  const depthKRead = readIntrinsics(depthKFile)
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
  if (files.length === 0) fail('PLAF_INPUT_INVALID', `${dir}: no frame with a valid pose among the ${stems.length} frames selected by frame_step ${opts.frame_step}`, { file: dir })
  const { notes, k: [colorK, depthK], scaled } = checkCameras(files, [
    { what: 'colour', cam: 'color', file: (f) => f.color, kFile: colorKFile, k: colorKRead },
    { what: 'depth', cam: 'depth', file: (f) => f.depth, kFile: depthKFile, k: depthKRead },
  ], sceneTxt)
  // the intrinsics the frames carry are then not the files' alone: the scaled values are identity
  for (const s of scaled) hash.update(`scaled ${s.cam} ${PINHOLE_PARAMS.map((p) => s.k[p]).join(' ')}\0`)

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
  const scaledIntrinsics = scaled.map((s) => s.note)
  return { ...source, dir, labelDir, files, skipped: skips.length, skippedFrames, ...(notes.length ? { notes } : {}), ...(scaledIntrinsics.length ? { scaledIntrinsics } : {}) }
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

type Pinhole = Omit<Intrinsics, 'width' | 'height'>
type PinholeParam = keyof Pinhole
const PINHOLE_PARAMS = ['fx', 'fy', 'cx', 'cy'] as const

/** One camera of a scene: how to find its image in a frame, and its intrinsic file. */
interface SceneCamera {
  what: 'colour' | 'depth'
  cam: 'color' | 'depth'
  file(f: FrameFiles): string
  kFile: string
  k: Pinhole
}

/** The first frame of a camera whose image header could be read, and the size it states. */
interface FirstImage {
  id: string
  file: string
  width: number
  height: number
}

/**
 * Whether an intrinsic file's value agrees with `<scene>.txt`'s scaled to a resized image: within
 * 1 % of the scaled value, at least 1 pixel. Tools scale with slightly different rules (one factor
 * for both axes, a rounded size, the pixel-centre convention); another camera or an edited file
 * is further off than that.
 */
export function nearScaledIntrinsic(actual: number, scaled: number): boolean {
  return Math.abs(actual - scaled) <= Math.max(1, 0.01 * Math.abs(scaled))
}

/**
 * The values a resized image's intrinsic can take: a focal length scaled by the size ratio `s`, a
 * principal point scaled either plainly (c·s) or about pixel centres ((c + 0.5)·s − 0.5).
 */
function scaledIntrinsic(p: PinholeParam, value: number, s: number): number[] {
  return p === 'fx' || p === 'fy' ? [value * s] : [value * s, (value + 0.5) * s - 0.5]
}

const short = (v: number) => String(Number(v.toFixed(3)))

/** A camera whose intrinsics the reader scaled to its images, and the note that says so. */
interface ScaledCamera {
  cam: 'color' | 'depth'
  k: Pinhole
  note: PluginNote
}

/** What `checkCameras` found: the notes for `plaf data inspect`, each camera's intrinsics as the frames carry them, the cameras scaled. */
interface CheckedCameras {
  notes: string[]
  k: Pinhole[]
  scaled: ScaledCamera[]
}

/**
 * Every selected frame's colour and depth size, read from the image headers (no decoding), and
 * the intrinsic files against the images and `<scene>.txt`. Per camera, the first frame whose
 * header can be read gives the size the images have (a header that cannot be read is left to the
 * decoder, which names what is wrong with the file when its frame is read); with it:
 *  - the intrinsic file is checked against `<scene>.txt` (`checkIntrinsicFile`): at the `.txt`'s
 *    size it must hold the `.txt`'s intrinsics; at another size either those intrinsics scaled to
 *    it, or the `.txt`'s own, which the reader then scales (SensorData.py's resized export);
 *  - the first frame's images are checked as the decoded frames are later (at least 2×2 colour
 *    pixels before the intrinsic file, the principal point of the intrinsics used after it), so a
 *    scene without a `.txt` gets these errors when it is opened too;
 * then each frame's size against that first frame's (a size change mid-sequence). Returns the
 * notes for `plaf data inspect`, the intrinsics the frames carry, and the cameras scaled.
 */
function checkCameras(files: FrameFiles[], cams: SceneCamera[], t: SceneTxtCamera | undefined): CheckedCameras {
  const notes: string[] = []
  const scaled: ScaledCamera[] = []
  const k: Pinhole[] = []
  const firsts = cams.map((c) => {
    let first: FirstImage | undefined
    for (const f of files) {
      const file = c.file(f)
      const size = readImageHeaderSize(file)
      if (size) {
        first = { id: frameId(f.index), file, width: size.width, height: size.height }
        break
      }
    }
    if (first) checkTwoByTwo(c, first)
    const fit = checkIntrinsicFile(c, first, t)
    if (fit?.note) notes.push(fit.note)
    if (fit?.scaled) {
      notes.push(fit.scaled.note.message)
      scaled.push(fit.scaled)
    }
    const used = fit?.scaled?.k ?? c.k
    k.push(used)
    if (first) checkPrincipalPoint(c, used, first)
    return first
  })
  for (const f of files) {
    const id = frameId(f.index)
    cams.forEach((c, k) => {
      const first = firsts[k]
      if (!first || first.id === id) return
      const file = c.file(f)
      const size = readImageHeaderSize(file)
      if (!size || (size.width === first.width && size.height === first.height)) return
      const actual = `${size.width}×${size.height}`, expected = `${first.width}×${first.height}`
      fail('PLAF_INPUT_INVALID', `frame ${id}: ${file}: ${c.what} image is ${actual}, but frame ${first.id} was ${expected}; ${c.what} size changes mid-sequence`, { file, frame: id, expected, actual })
    })
  }
  return { notes, k, scaled }
}

/** A colour image of 1 pixel in a dimension is not a camera frame. */
function checkTwoByTwo(c: SceneCamera, first: FirstImage): void {
  const { id, file, width: W, height: H } = first
  if (c.what === 'colour' && (W < 2 || H < 2)) {
    fail('PLAF_INPUT_INVALID', `frame ${id}: ${file}: colour image is ${W}×${H}; a camera frame has at least 2×2 pixels`, { file, frame: id, expected: 'at least 2×2 pixels', actual: `${W}×${H}` })
  }
}

/** The first image against the intrinsics it is read with (`k`): the principal point on the image. */
function checkPrincipalPoint(c: SceneCamera, k: Pinhole, first: FirstImage): void {
  const { id, file, width: W, height: H } = first
  const actual = `${W}×${H}`
  const { cx, cy } = k
  if (!(cx >= -0.5 && cx <= W - 0.5 && cy >= -0.5 && cy <= H - 0.5)) {
    const off = `cx ${cx}, cy ${cy}`
    fail('PLAF_INPUT_INVALID', `frame ${id}: ${file}: ${c.what} image is ${actual} but its intrinsics' principal point (${off}) lies off it; the image was resized or its intrinsics are another camera's`, {
      file, frame: id, expected: `a principal point within the ${actual} image (−0.5 ≤ cx ≤ ${W - 0.5}, −0.5 ≤ cy ≤ ${H - 0.5})`, actual: off,
    })
  }
}

/**
 * How far apart two aspect ratios may be for images resized whole (`cv2.resize` to a fixed size):
 * 1296×968 → 640×480 is 0.42 %; cropping or another camera is further off.
 */
export const RESIZE_ASPECT_TOLERANCE = 0.02

/** What an intrinsic file says about its images: a note for `plaf data inspect`, or the intrinsics the reader scaled. */
interface IntrinsicFit {
  note?: string
  scaled?: ScaledCamera
}

/**
 * A camera's intrinsic file against `<scene>.txt`, which states the sensor's image size
 * (colorWidth/colorHeight, depthWidth/depthHeight) and intrinsics (fx/fy/mx/my_color, _depth).
 * The intrinsics must fit the images actually there:
 *  - images at the `.txt`'s size (or of unknown size, or a `.txt` without sizes): each parameter
 *    the `.txt` gives must equal the file's (`sameIntrinsic`);
 *  - images of another size, the file holding the `.txt`'s intrinsics (`sameIntrinsic` on each):
 *    ScanNet's SensorData.py `export_color_images`/`export_depth_images` with `image_size`
 *    resize the whole frame (`cv2.resize`, no crop) while `export_intrinsics` writes the
 *    sensor's matrices, and the code reading such exports scales them. So does the reader
 *    (`scaleIntrinsics`, sx = w/W, sy = h/H, which may differ slightly: 1296×968 → 640×480), with
 *    an info note, unless the aspect ratios differ by more than 2 % (`RESIZE_ASPECT_TOLERANCE`:
 *    a crop or another camera), which is an error naming both sizes;
 *  - images of another size, the file holding the `.txt`'s intrinsics scaled by the size ratios
 *    (fx·sx, fy·sy, cx·sx or (cx + 0.5)·sx − 0.5, the same for cy; `nearScaledIntrinsic`; an
 *    export whose tool scaled them): used as they are, with a note.
 * A file matching neither, and a `.txt` that gives sizes but no intrinsics to tell by, are errors.
 */
function checkIntrinsicFile(c: SceneCamera, first: FirstImage | undefined, t: SceneTxtCamera | undefined): IntrinsicFit | undefined {
  if (!t) return undefined
  const want = t[c.cam]
  const params = PINHOLE_PARAMS.filter((p) => want[p] !== undefined)
  const said = (p: PinholeParam) => `${sceneTxtKey(p, c.cam)} = ${t.raw[sceneTxtKey(p, c.cam)]}`
  const [wKey, hKey] = c.cam === 'color' ? ['colorWidth', 'colorHeight'] as const : ['depthWidth', 'depthHeight'] as const
  const sw = t[wKey], sh = t[hKey]
  if (!first || sw === undefined || sh === undefined || (first.width === sw && first.height === sh)) {
    for (const p of params) {
      if (sameIntrinsic(c.k[p], want[p]!)) continue
      fail('PLAF_INPUT_INVALID', `${c.kFile}: ${p} is ${c.k[p]}, but ${t.file} says ${said(p)}; the intrinsics were edited or belong to another scan`, {
        file: c.kFile, path: p, expected: said(p), actual: `${p} ${c.k[p]}`,
      })
    }
    return undefined
  }
  const { id, file } = first
  const actual = `${first.width}×${first.height}`, stated = `${sw}×${sh}`
  const says = `${t.file} says ${wKey} = ${sw}, ${hKey} = ${sh}`
  const image = `frame ${id}: ${file}: ${c.what} image is ${actual}, but ${says}`
  if (!params.length) {
    const keys = PINHOLE_PARAMS.map((p) => sceneTxtKey(p, c.cam)).join(', ')
    fail('PLAF_INPUT_INVALID', `${image}, and gives no ${keys} to tell whether ${c.kFile} was scaled to ${actual}; the image was resized or belongs to another scan`, {
      file, frame: id, expected: `${stated}, or a ${basename(t.file)} with ${keys}`, actual,
    })
  }
  const sx = first.width / sw, sy = first.height / sh
  if (params.every((p) => sameIntrinsic(c.k[p], want[p]!))) {
    const aspect = Math.abs(sx / sy - 1)
    if (aspect > RESIZE_ASPECT_TOLERANCE) {
      const ratio = (w: number, h: number) => short(w / h)
      fail('PLAF_INPUT_INVALID', `${image}, and ${c.kFile} holds the intrinsics it states for ${stated} (${params.map(said).join(', ')}); ${actual} has another aspect ratio than ${stated} (width/height ${ratio(first.width, first.height)} against ${ratio(sw, sh)}, ${short(aspect * 100)} % apart, more than ${RESIZE_ASPECT_TOLERANCE * 100} %), so the images were cropped or belong to another scan, and scaling the intrinsics to them would not fit`, {
        file, frame: id, expected: `${stated} or a whole-image resize of it (aspect ratio within ${RESIZE_ASPECT_TOLERANCE * 100} %), or ${basename(c.kFile)} for ${actual}`, actual,
      })
    }
    // scaled about pixel centres (fx·sx, fy·sy, (c + 0.5)·s − 0.5), as everywhere in PLAF: exact for
    // cv2.resize's interpolating modes, which map pixel centres onto pixel centres
    const { fx, fy, cx, cy } = scaleIntrinsics({ ...c.k, width: sw, height: sh }, first.width, first.height)
    const k: Pinhole = { fx, fy, cx, cy }
    const values = PINHOLE_PARAMS.map((p) => `${p} ${short(k[p])}`).join(', ')
    const message = `${c.kFile}: ${c.what} images are ${actual} and this file holds the intrinsics ${basename(t.file)} states for the sensor's ${stated}, as ScanNet's SensorData.py writes them when it exports resized images: read with them scaled to ${actual} (by ${short(sx)} × ${short(sy)}, about pixel centres: ${values})`
    return { scaled: { cam: c.cam, k, note: { code: 'PLAF_INTRINSICS_SCALED', severity: 'info', message, file: c.kFile, expected: `intrinsics for ${actual}`, actual: `${basename(c.kFile)} for ${stated}` } } }
  }
  for (const p of params) {
    const s = p === 'fx' || p === 'cx' ? sx : sy
    const scaled = scaledIntrinsic(p, want[p]!, s)
    if (scaled.some((v) => nearScaledIntrinsic(c.k[p], v))) continue
    const options = scaled.map(short).join(p === 'fx' || p === 'fy' ? '' : ', or about pixel centres ')
    fail('PLAF_INPUT_INVALID', `${c.kFile}: ${p} is ${c.k[p]}, but ${c.what} images are ${actual} (frame ${id} on) and ${t.file} says ${said(p)} at ${stated}: neither that nor it scaled to ${actual} (${options}); the intrinsics were edited or belong to another scan`, {
      file: c.kFile, frame: id, path: p, expected: `${said(p)} scaled to ${actual}: ${options} (within 1 %, at least 1 px)`, actual: `${p} ${c.k[p]}`,
    })
  }
  return { note: `${c.kFile}: ${c.what} images are ${actual} (${basename(t.file)} states the sensor's ${stated}) and these intrinsics are the .txt's scaled by ${short(sx)} × ${short(sy)} to match: read as an export resized with its intrinsics` }
}
