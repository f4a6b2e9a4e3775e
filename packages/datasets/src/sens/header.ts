import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { fail } from '@plaf/core'

/**
 * ScanNet's `.sens` container, version 4 (little-endian; SensReader's `sensorData.h`):
 * ```
 * u32 version = 4 · u64 strlen · u8[strlen] sensor name
 * f32[16] intrinsic_color, extrinsic_color, intrinsic_depth, extrinsic_depth   (row-major 4×4)
 * i32 color_compression {-1 unknown, 0 raw, 1 png, 2 jpeg} · i32 depth_compression {-1, 0 raw_ushort, 1 zlib_ushort, 2 occi}
 * u32 color_width, color_height, depth_width, depth_height · f32 depth_shift · u64 num_frames
 * per frame: f32[16] camera_to_world · u64 timestamp_color, timestamp_depth · u64 color_bytes, depth_bytes · data
 * u64 num_imu_frames · IMU records (not read)
 * ```
 * Only the header and the 96-byte frame headers are read here, with positioned reads: a .sens is
 * often over 1 GB and is never read whole.
 */
export const SENS_VERSION = 4
/** Bytes of a frame's header: the pose, two timestamps and two sizes. */
export const FRAME_HEADER_BYTES = 96

/** The stream header of a .sens file. */
export interface SensHeader {
  version: number
  sensorName: string
  intrinsicColor: Float64Array
  extrinsicColor: Float64Array
  intrinsicDepth: Float64Array
  extrinsicDepth: Float64Array
  colorCompression: number
  depthCompression: number
  colorWidth: number
  colorHeight: number
  depthWidth: number
  depthHeight: number
  /** Depth units per metre (ScanNet: 1000). */
  depthShift: number
  /** Frames the header claims. */
  frameCount: number
  /** Byte offset of the first frame. */
  framesOffset: number
}

/** One frame's place in the file. */
export interface SensFrameEntry {
  index: number
  /** Camera-to-world, row-major, from float32. */
  pose: Float64Array
  timestampColor: number
  timestampDepth: number
  /** Byte offset of the colour data; depth data follows it. */
  offset: number
  colorBytes: number
  depthBytes: number
}

/** Where the frame index stops short of what the header claims. */
export interface SensCut {
  /** The frame that is missing or incomplete. */
  frame: number
  /** Byte offset where the file ends. */
  offset: number
  reason: string
  /** What the file lacks, in words: the part of the cut frame and the frames after it. */
  missing: string
  /** Set when the file goes on but frame `frame`'s header gives sizes that cannot hold its images: the index stops there. */
  damaged?: boolean
}

/** Everything `indexSens` learns without reading image data. */
export interface SensIndex {
  file: string
  size: number
  header: SensHeader
  frames: SensFrameEntry[]
  /** Set when the file ends before the header's frame count is reached. */
  cut?: SensCut
}

/**
 * The error for a .sens that ends before its header's frame count is reached: the file, the
 * frame, the byte offsets and what is missing (PLAF_INPUT_INVALID). Readers stop with it only when
 * told not to read the complete frames before the cut (`skip_damaged: false`).
 */
export function failSensCut(idx: SensIndex & { cut: SensCut }): never {
  const { file, cut, header } = idx
  const frame = String(cut.frame).padStart(6, '0')
  return fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: ${cut.reason}; missing: ${cut.missing}`, {
    file, frame, expected: `${header.frameCount} complete frames (the header's count)`, actual: `${idx.frames.length} complete frames, ${cut.damaged ? `then a damaged frame header at byte ${cut.offset}` : `the file ends at byte ${cut.offset}`}`,
    hint: cut.damaged
      ? `the file is damaged at frame ${cut.frame}${idx.frames.length ? `; to use the ${idx.frames.length} frame${idx.frames.length === 1 ? '' : 's'} before it, leave skip_damaged at its default (true) on the scannet input` : ''}`
      : idx.frames.length
      ? `the file is cut short (an interrupted download or copy?); to use the ${idx.frames.length} complete frame${idx.frames.length === 1 ? '' : 's'} before the cut, leave skip_damaged at its default (true) on the scannet input (plaf data inspect without --no-skip-damaged)`
      : 'the file is cut short (an interrupted download or copy?) and holds no complete frame',
  })
}

const COLOR = ['unknown', 'raw', 'png', 'jpeg']
const DEPTH = ['unknown', 'raw_ushort', 'zlib_ushort', 'occi_ushort']

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length)
  const n = readSync(fd, buf, 0, length, offset)
  return n === length ? buf : buf.subarray(0, n)
}

const u64 = (b: Buffer, at: number): number => Number(b.readBigUInt64LE(at))
const mat = (b: Buffer, at: number): Float64Array => {
  const m = new Float64Array(16)
  for (let i = 0; i < 16; i++) m[i] = b.readFloatLE(at + 4 * i)
  return m
}

/** The fewest bytes a compressed colour image can take: the smallest PNG (signature, IHDR, IDAT, IEND); any JPEG is larger. */
export const MIN_COMPRESSED_COLOR_BYTES = 67
/** Deflate's largest ratio (a 258-byte match in 2 bits), so a zlib stream of `n` bytes takes at least n / 1032 + 6 bytes. */
const DEFLATE_MAX_RATIO = 1032

/**
 * The bytes a frame's colour and depth data must take for the header's image sizes: exactly
 * w×h×3 and w×h×2 when raw, at least MIN_COMPRESSED_COLOR_BYTES for a PNG or JPEG and
 * ⌈w×h×2 / 1032⌉ + 6 for zlib depth. Every indexed frame therefore takes at least 96 bytes plus
 * these in the file, which bounds the index by the file size, whatever the frame headers say.
 */
export function frameDataBounds(h: Pick<SensHeader, 'colorCompression' | 'depthCompression' | 'colorWidth' | 'colorHeight' | 'depthWidth' | 'depthHeight'>): { color: number; colorExact: boolean; depth: number; depthExact: boolean } {
  const rawDepth = h.depthWidth * h.depthHeight * 2
  return {
    color: h.colorCompression === 0 ? h.colorWidth * h.colorHeight * 3 : MIN_COMPRESSED_COLOR_BYTES,
    colorExact: h.colorCompression === 0,
    depth: h.depthCompression === 0 ? rawDepth : Math.ceil(rawDepth / DEFLATE_MAX_RATIO) + 6,
    depthExact: h.depthCompression === 0,
  }
}

/** Reads the header and every frame header of a .sens file (positioned reads; image data is skipped). */
export function indexSens(file: string): SensIndex {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT'
    return fail(missing ? 'PLAF_FILE_NOT_FOUND' : 'PLAF_INPUT_INVALID', `${file} ${missing ? 'does not exist' : `cannot be read (${(e as Error).message})`}`, { file, cause: e })
  }
  try {
    const size = fstatSync(fd).size
    const bad = (message: string, expected: string, actual: string): never => fail('PLAF_INPUT_INVALID', `${file}: ${message}`, { file, expected, actual })
    const head = readAt(fd, 0, 12)
    if (head.length < 12) bad(`too short for a .sens header (${size} bytes; the version and sensor-name length alone take 12)`, 'a .sens file (version 4)', `${size} bytes`)
    const version = head.readUInt32LE(0)
    if (version !== SENS_VERSION) bad(`.sens version ${version}; only version ${SENS_VERSION} (ScanNet) is read`, `version ${SENS_VERSION}`, `version ${version}`)
    const nameLength = u64(head, 4)
    const fixed = 4 * 16 * 4 + 4 * 2 + 4 * 4 + 4 + 8
    if (nameLength > 4096) bad(`header corrupt: sensor name length ${nameLength} (at most 4096 is read)`, 'a sensor name of at most 4096 bytes', `${nameLength} bytes`)
    if (12 + nameLength + fixed > size) bad(`header cut short: with its ${nameLength}-byte sensor name it runs to byte ${12 + nameLength + fixed}, the file ends at byte ${size}; missing: ${12 + nameLength + fixed - size} header bytes (cameras, sizes, frame count) and every frame`, 'a complete .sens header', `${size} bytes`)
    const b = readAt(fd, 12, nameLength + fixed)
    let at = nameLength
    const sensorName = b.subarray(0, nameLength).toString('utf8')
    const intrinsicColor = mat(b, at), extrinsicColor = mat(b, at + 64), intrinsicDepth = mat(b, at + 128), extrinsicDepth = mat(b, at + 192)
    at += 256
    const colorCompression = b.readInt32LE(at), depthCompression = b.readInt32LE(at + 4)
    const [colorWidth, colorHeight, depthWidth, depthHeight] = [0, 1, 2, 3].map((k) => b.readUInt32LE(at + 8 + 4 * k))
    const depthShift = b.readFloatLE(at + 24)
    const frameCount = u64(b, at + 28)
    if (![0, 1, 2].includes(colorCompression)) bad(`colour compression ${COLOR[colorCompression + 1] ?? colorCompression} is not supported`, 'raw, png or jpeg', COLOR[colorCompression + 1] ?? String(colorCompression))
    if (![0, 1].includes(depthCompression)) bad(`depth compression ${DEPTH[depthCompression + 1] ?? depthCompression} is not supported`, 'raw_ushort or zlib_ushort', DEPTH[depthCompression + 1] ?? String(depthCompression))
    if (!(depthShift > 0)) bad(`depth shift ${depthShift} is not positive`, 'depth units per metre > 0 (ScanNet: 1000)', String(depthShift))
    const header: SensHeader = {
      version, sensorName, intrinsicColor, extrinsicColor, intrinsicDepth, extrinsicDepth, colorCompression, depthCompression,
      colorWidth, colorHeight, depthWidth, depthHeight, depthShift, frameCount, framesOffset: 12 + nameLength + fixed,
    }
    const frames: SensFrameEntry[] = []
    const least = frameDataBounds(header)
    const colorWord = colorCompression === 0 ? `exactly ${least.color} (${colorWidth}×${colorHeight}×3 raw)` : `at least ${least.color} (the smallest PNG or JPEG)`
    const depthWord = depthCompression === 0 ? `exactly ${least.depth} (${depthWidth}×${depthHeight} raw uint16)` : `at least ${least.depth} (${depthWidth}×${depthHeight} uint16 at zlib's best ratio)`
    let offset = header.framesOffset
    let cut: SensCut | undefined
    for (let index = 0; index < frameCount; index++) {
      const rest = index + 1 < frameCount ? ` and frame${index + 2 < frameCount ? `s ${index + 1} to ${frameCount - 1}` : ` ${index + 1}`}` : ''
      if (offset === size) {
        cut = { frame: index, offset, missing: `frame${index + 1 < frameCount ? `s ${index} to ${frameCount - 1}` : ` ${index}`}`, reason: `the header claims ${frameCount} frames but the file ends at byte ${offset} after ${index}` }
        break
      }
      const h = readAt(fd, offset, FRAME_HEADER_BYTES)
      if (h.length < FRAME_HEADER_BYTES) {
        cut = { frame: index, offset: size, missing: `${FRAME_HEADER_BYTES - h.length} of the ${FRAME_HEADER_BYTES} bytes of frame ${index}'s header${rest}`, reason: `truncated in the header of frame ${index}: it starts at byte ${offset}, the file ends at byte ${size}` }
        break
      }
      const colorBytes = u64(h, 80), depthBytes = u64(h, 88)
      const colorOk = least.colorExact ? colorBytes === least.color : colorBytes >= least.color
      const depthOk = least.depthExact ? depthBytes === least.depth : depthBytes >= least.depth
      if (!colorOk || !depthOk) {
        const what = [colorOk ? '' : `${colorBytes} bytes of colour, not ${colorWord}`, depthOk ? '' : `${depthBytes} bytes of depth, not ${depthWord}`].filter(Boolean).join(' and ')
        cut = { frame: index, offset, damaged: true, missing: `frame${index + 1 < frameCount ? `s ${index} to ${frameCount - 1}` : ` ${index}`}`, reason: `frame ${index}'s header at byte ${offset} is damaged: it gives ${what}` }
        break
      }
      const colorEnd = offset + FRAME_HEADER_BYTES + colorBytes
      const end = colorEnd + depthBytes
      if (end > size) {
        const part = size < colorEnd ? `${colorEnd - size} of the ${colorBytes} bytes of its colour image and all ${depthBytes} of its depth` : `${end - size} of the ${depthBytes} bytes of its depth`
        cut = { frame: index, offset: size, missing: `${part}${rest}`, reason: `truncated mid-frame ${index}: its data runs from byte ${offset} to ${end}, the file ends at byte ${size}` }
        break
      }
      frames.push({ index, pose: mat(h, 0), timestampColor: u64(h, 64), timestampDepth: u64(h, 72), offset: offset + FRAME_HEADER_BYTES, colorBytes, depthBytes })
      offset = end
    }
    return { file, size, header, frames, cut }
  } finally {
    closeSync(fd)
  }
}
