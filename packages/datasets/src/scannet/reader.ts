import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { PlafError, decodePng, fail, type Frame, type InputSource, type Intrinsics, type PluginNote } from '@plaf/core'
import { frameId } from '../synthetic/render.js'
import { colorFile, findLabelDir, hashFileSample, listFrameStems, type FrameFiles } from './layout.js'
import { parseMatrix } from './text.js'
import { resizeNearest } from './resize.js'

/** How to read a scene (the `scannet` plugin's options, with `scene` already resolved to an absolute path). */
export interface ScannetReadOptions {
  scene: string
  frame_step: number
  max_frames: number | null
  load_labels: boolean | null
}

/** A ScanNet frame source; `skipped` counts frames dropped for a non-finite pose. */
export interface ScannetSource extends InputSource {
  dir: string
  /** Number of frames skipped because their pose had -inf/inf/nan entries. */
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

function invalidFile(file: string, frame: string, what: string, cause?: unknown): never {
  const missing = (cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
  return fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: ${missing ? 'missing' : what}`, { file, frame, cause })
}

async function loadColor(file: string, frame: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  try {
    const { data, info } = await sharp(await readFile(file)).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true })
    if (info.channels !== 3) invalidFile(file, frame, `decoded to ${info.channels} channels, expected 3`)
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height }
  } catch (e) {
    if (e instanceof PlafError) throw e
    return invalidFile(file, frame, `not a readable JPEG (${(e as Error).message})`, e)
  }
}

async function loadPng16(file: string, frame: string, what: string, allow8: boolean) {
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (e) {
    return invalidFile(file, frame, 'unreadable', e)
  }
  let img
  try {
    img = decodePng(bytes)
  } catch (e) {
    return invalidFile(file, frame, `not a readable PNG (${(e as Error).message})`, e)
  }
  if (img.channels !== 1 || (img.depth !== 16 && !(allow8 && img.depth === 8))) {
    invalidFile(file, frame, `${what} must be a single-channel ${allow8 ? '8- or ' : ''}16-bit PNG, found ${img.channels} channel(s) at ${img.depth} bits`)
  }
  return img
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
  const stems = listFrameStems(colorDir)
  if (stems.length === 0) fail('PLAF_INPUT_INVALID', `${colorDir} holds no <i>.jpg frames`, { file: colorDir })
  const colorK = readIntrinsics(join(dir, 'intrinsic', 'intrinsic_color.txt'))
  const depthK = readIntrinsics(join(dir, 'intrinsic', 'intrinsic_depth.txt'))
  const foundLabels = findLabelDir(dir)
  if (opts.load_labels === true && !foundLabels) fail('PLAF_INPUT_INVALID', `load_labels is true but ${dir} has no label-filt/ folder`, { file: join(dir, 'label-filt') })
  const labelDir = opts.load_labels === false ? undefined : foundLabels

  const hash = createHash('sha256').update('plaf-scannet-identity-v1\0')
  hash.update(readText(join(dir, 'intrinsic', 'intrinsic_color.txt'), 'the intrinsic matrix'))
  hash.update(readText(join(dir, 'intrinsic', 'intrinsic_depth.txt'), 'the intrinsic matrix'))
  hash.update(`labels:${labelDir ? 'yes' : 'no'}\0`)
  const files: FrameFiles[] = []
  const poses = new Map<number, Float64Array>()
  const skippedFrames: string[] = []
  const limit = opts.max_frames ?? Infinity
  for (let k = 0; k < stems.length && files.length < limit; k += opts.frame_step) {
    const index = stems[k]
    const id = frameId(index)
    const pose = join(dir, 'pose', `${index}.txt`)
    const poseText = readText(pose, 'the pose', id)
    const m = parseMatrix(poseText, pose, id)
    if (!m.every(Number.isFinite)) {
      skippedFrames.push(id)
      warn({ code: 'PLAF_FRAME_SKIPPED', severity: 'warning', message: `frame ${id}: pose ${pose} has non-finite values (-inf marks lost tracking); frame skipped`, frame: id, file: pose })
      continue
    }
    const f: FrameFiles = { index, color: colorFile(colorDir, index), depth: join(dir, 'depth', `${index}.png`), pose }
    if (labelDir) f.label = join(labelDir, `${index}.png`)
    hash.update(`frame ${index}\0${poseText}\0`)
    hashFileSample(hash, f.color, `color/${index}`, id)
    hashFileSample(hash, f.depth, `depth/${index}`, id)
    if (f.label) hashFileSample(hash, f.label, `label/${index}`, id)
    files.push(f)
    poses.set(index, m)
  }
  if (files.length === 0) fail('PLAF_INPUT_INVALID', `${dir}: no frame with a valid pose among the ${stems.length} frames selected by frame_step ${opts.frame_step}`, { file: dir })

  async function load(f: FrameFiles): Promise<Frame> {
    const id = frameId(f.index)
    const [color, depthPng, labelPng] = await Promise.all([
      loadColor(f.color, id),
      loadPng16(f.depth, id, 'depth', false),
      f.label ? loadPng16(f.label, id, 'label image', true) : undefined,
    ])
    const depth = new Float32Array(depthPng.data.length)
    for (let i = 0; i < depth.length; i++) depth[i] = depthPng.data[i] / 1000
    const frame: Frame = {
      id, index: f.index,
      rgb: { data: color.data, shape: [color.height, color.width, 3] },
      depth: { data: depth, shape: [depthPng.height, depthPng.width] },
      pose: Float64Array.from(poses.get(f.index)!),
      colorIntrinsics: { ...colorK, width: color.width, height: color.height },
      depthIntrinsics: { ...depthK, width: depthPng.width, height: depthPng.height },
    }
    if (labelPng) {
      const raw = Uint16Array.from(labelPng.data)
      frame.labels = {
        data: resizeNearest(raw, labelPng.width, labelPng.height, color.width, color.height),
        shape: [color.height, color.width],
      }
    }
    return frame
  }

  return {
    dir, labelDir, files,
    identity: hash.digest('hex'),
    describe: `ScanNet scene ${dir} (${files.length} frames${opts.frame_step > 1 ? `, every ${opts.frame_step}th` : ''}${skippedFrames.length ? `, ${skippedFrames.length} skipped for invalid poses` : ''})`,
    frameCount: files.length,
    skipped: skippedFrames.length,
    skippedFrames,
    async *frames(from = 0) {
      // One frame ahead: the next JPEG decodes on the thread pool while the caller works.
      let next: Promise<Frame> | undefined = from < files.length ? load(files[from]) : undefined
      next?.catch(() => {})
      for (let k = from; k < files.length && next; k++) {
        const current = await next
        next = k + 1 < files.length ? load(files[k + 1]) : undefined
        next?.catch(() => {})
        yield current
      }
    },
  }
}
