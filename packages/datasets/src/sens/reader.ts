import { createHash } from 'node:crypto'
import { kMaxLength } from 'node:buffer'
import { open } from 'node:fs/promises'
import { readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { inflate } from 'node:zlib'
import { fail, type Frame, type Intrinsics, type PluginNote } from '@plaf/core'
import { decodeColorBytes, decodeLabelPng, type ColorImage } from '../frames/images.js'
import { selectFrames, type FrameSelection, type FrameSkip } from '../frames/select.js'
import { datasetSource, type DatasetSource } from '../frames/source.js'
import { findLabelDir, hashFileSample } from '../scannet/layout.js'
import { sceneAlignment } from '../scannet/reader.js'
import { resizeNearest } from '../scannet/resize.js'
import { labelIdChecker, multiply4 } from '../scannet/scan.js'
import { frameId } from '../synthetic/render.js'
import { failSensCut, indexSens, type SensFrameEntry, type SensHeader, type SensIndex } from './header.js'

const inflateAsync = promisify(inflate)

/** How to read a .sens file (the `scannet` plugin's options with `scene` naming the file). */
export interface SensReadOptions extends FrameSelection {
  /** Absolute path of the .sens file. */
  scene: string
  load_labels: boolean | null
  /** Left-multiply poses by the axisAlignment of the `<scene>.txt` beside the file (default false). */
  axis_align?: boolean
  /**
   * A file cut short (fewer complete frames than the header claims): true (default) reads the
   * complete frames before the cut and reports the cut as a skipped frame (PLAF_FRAME_SKIPPED);
   * false stops with an error naming the file, frame, byte offsets and what is missing.
   */
  skip_damaged?: boolean
}

const pinhole = (m: Float64Array, width: number, height: number): Intrinsics => ({ fx: m[0], fy: m[5], cx: m[2], cy: m[6], width, height })

async function readFrameBytes(file: string, e: SensFrameEntry): Promise<Buffer> {
  const fh = await open(file, 'r')
  try {
    const buf = Buffer.alloc(e.colorBytes + e.depthBytes)
    const { bytesRead } = await fh.read(buf, 0, buf.length, e.offset)
    if (bytesRead !== buf.length) fail('PLAF_INPUT_INVALID', `frame ${frameId(e.index)}: ${file}: frame data at byte ${e.offset} cut short (read ${bytesRead} of ${buf.length} bytes)`, { file, frame: frameId(e.index), expected: `${buf.length} bytes`, actual: `${bytesRead} bytes` })
    return buf
  } finally {
    await fh.close()
  }
}

/** Decodes one frame's depth blob of a .sens (zlib or raw uint16, little-endian) to metres. */
export async function decodeSensDepth(bytes: Buffer, h: SensHeader, file: string, id: string): Promise<Float32Array> {
  const want = h.depthWidth * h.depthHeight * 2
  let raw: Buffer = bytes
  if (h.depthCompression === 1) {
    try {
      // inflated at most to the header's depth size: a small corrupt or hostile stream must not grow to gigabytes
      raw = await inflateAsync(bytes, { maxOutputLength: Math.max(1, Math.min(want, kMaxLength)) })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        return fail('PLAF_INPUT_INVALID', `frame ${id}: ${file}: depth inflates to more than ${want} bytes (${h.depthWidth}×${h.depthHeight} uint16); its ${bytes.length}-byte zlib stream was not inflated further`, { file, frame: id, cause: e, expected: `${want} bytes`, actual: `more than ${want} bytes` })
      }
      return fail('PLAF_INPUT_INVALID', `frame ${id}: ${file}: depth is not a valid zlib stream (${(e as Error).message})`, { file, frame: id, cause: e, expected: 'zlib-compressed uint16 depth', actual: (e as Error).message })
    }
  }
  if (raw.length !== want) fail('PLAF_INPUT_INVALID', `frame ${id}: ${file}: depth holds ${raw.length} bytes, expected ${want} (${h.depthWidth}×${h.depthHeight} uint16)`, { file, frame: id, expected: `${want} bytes`, actual: `${raw.length} bytes` })
  // An aligned little-endian copy (zlib output may start at any byte offset).
  const u16 = new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))
  const out = new Float32Array(u16.length)
  for (let i = 0; i < out.length; i++) out[i] = u16[i] / h.depthShift
  return out
}

/** Reads one frame's colour and depth bytes with a positioned read (the file is never read whole). */
export { readFrameBytes as readSensFrameBytes }

/**
 * Opens a ScanNet `.sens` file: the header and frame headers are indexed with positioned reads,
 * poses checked by the shared `selectFrames`, and each frame's bytes are read only when the frame
 * is (the source holds at most the current and the next frame). A file cut short is read up to
 * the cut, which is reported as a skipped frame with its byte offsets; with `skip_damaged: false`
 * it is an error naming the frame, the byte offsets and what is missing.
 */
export function openSensFile(o: SensReadOptions, warn: (note: PluginNote) => void): DatasetSource {
  const file = o.scene
  const idx: SensIndex = indexSens(file)
  if (idx.cut && o.skip_damaged === false) failSensCut({ ...idx, cut: idx.cut })
  const h = idx.header
  const candidates = idx.frames.map((e) => ({ ...e, poseFile: file }))
  const { frames, skips } = selectFrames(candidates, o, (e) => ({ pose: e.pose }), warn)
  const allSkips: FrameSkip[] = [...skips]
  if (idx.cut) {
    const reason = `${idx.cut.reason}; frames from ${idx.cut.frame} on are not read`
    allSkips.push({ frame: idx.cut.frame, file, reason })
    const id = frameId(idx.cut.frame)
    warn({ code: 'PLAF_FRAME_SKIPPED', severity: 'warning', message: `frame ${id}: ${file}: ${reason}`, frame: id, file, actual: `file ends at byte ${idx.cut.offset}` })
  }
  if (!frames.length) fail('PLAF_INPUT_INVALID', `${file}: no usable frame among the ${idx.frames.length} it holds (${allSkips.length} skipped)`, { file, expected: 'at least one frame with a valid pose', actual: `${allSkips.length} skipped` })
  const foundLabels = findLabelDir(dirname(file))
  if (o.load_labels === true && !foundLabels) fail('PLAF_INPUT_INVALID', `load_labels is true but ${dirname(file)} has no label-filt/ folder next to ${file}`, { file: dirname(file), expected: 'a label-filt/ folder next to the .sens', actual: 'none' })
  const labelDir = o.load_labels === false ? undefined : foundLabels
  const colorK = pinhole(h.intrinsicColor, h.colorWidth, h.colorHeight)
  const depthK = pinhole(h.intrinsicDepth, h.depthWidth, h.depthHeight)
  const colorSize = { width: h.colorWidth, height: h.colorHeight, from: `the header of ${file}` }

  const hash = createHash('sha256').update('plaf-sens-identity-v1\0')
  hashFileSample(hash, file, 'sens')
  hash.update(`${idx.size} labels:${labelDir ? 'yes' : 'no'}\0`)
  for (const { item } of frames) hash.update(`${item.index} ${item.offset} ${item.colorBytes} ${item.depthBytes}\0`).update(item.pose)
  const align = o.axis_align ? sceneAlignment(dirname(file)) : undefined
  if (align) hash.update('aligned\0').update(align)
  const items = frames.map(({ item, pose }) => ({ entry: item, pose: align ? multiply4(align, pose) : pose, label: labelDir ? `${labelDir}/${item.index}.png` : undefined }))

  async function color(bytes: Buffer, id: string): Promise<ColorImage> {
    if (h.colorCompression !== 0) return decodeColorBytes(bytes, file, id, colorSize)
    const want = h.colorWidth * h.colorHeight * 3
    if (bytes.length !== want) fail('PLAF_INPUT_INVALID', `frame ${id}: ${file}: raw colour holds ${bytes.length} bytes, expected ${want} (${h.colorWidth}×${h.colorHeight}×3)`, { file, frame: id, expected: `${want} bytes`, actual: `${bytes.length} bytes` })
    return { data: new Uint8Array(bytes), width: h.colorWidth, height: h.colorHeight }
  }

  const checkLabels = labelDir ? labelIdChecker(dirname(file), warn) : undefined
  async function load(it: (typeof items)[number]): Promise<Frame> {
    const id = frameId(it.entry.index)
    const bytes = await readFrameBytes(file, it.entry)
    const [c, d, l] = await Promise.all([
      color(bytes.subarray(0, it.entry.colorBytes), id),
      decodeSensDepth(bytes.subarray(it.entry.colorBytes), h, file, id),
      it.label ? decodeLabelPng(it.label, id) : undefined,
    ])
    const frame: Frame = {
      id, index: it.entry.index,
      rgb: { data: c.data, shape: [c.height, c.width, 3] },
      depth: { data: d, shape: [h.depthHeight, h.depthWidth] },
      pose: Float64Array.from(it.pose),
      colorIntrinsics: { ...colorK }, depthIntrinsics: { ...depthK },
    }
    if (l) checkLabels?.(l.data, it.label!, id)
    if (l) frame.labels = { data: resizeNearest(l.data, l.width, l.height, c.width, c.height), shape: [c.height, c.width] }
    return frame
  }

  return datasetSource({
    format: 'sens', found: idx.frames.length + (idx.cut ? 1 : 0), skips: allSkips, depthScale: h.depthShift,
    identity: hash.digest('hex'), describe: `ScanNet .sens ${file} (${items.length} frames${allSkips.length ? `, ${allSkips.length} skipped` : ''})`,
    items, load, files: () => ({ color: file, depth: file }),
  })
}

/**
 * The .sens file a `scannet` scene path names: the path itself when it ends in `.sens`, or, for
 * a directory without the export layout's color/, its `<dir name>.sens` or only .sens file.
 */
export function findSensFile(scene: string): string | undefined {
  if (scene.toLowerCase().endsWith('.sens')) return scene
  let names: string[]
  try {
    names = readdirSync(scene)
  } catch {
    return undefined
  }
  if (names.includes('color')) return undefined
  const sens = names.filter((n) => n.toLowerCase().endsWith('.sens'))
  const own = `${basename(scene)}.sens`
  if (sens.includes(own)) return join(scene, own)
  return sens.length === 1 ? join(scene, sens[0]) : undefined
}
