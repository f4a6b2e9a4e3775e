import { readFile } from 'node:fs/promises'
import type { Metadata, OutputInfo } from 'sharp'
import { loadSharp } from './sharp.js'
import { PlafError, decodeNpy, fail } from '@plaf/core'

/**
 * Decoding of colour and depth images for every reader, through sharp (libvips), never a
 * hand-written decoder. Every failure is a PLAF_INPUT_INVALID naming the file and the frame and
 * saying what was expected and what was found.
 */

/** A decoded colour image: H×W×3 sRGB bytes. */
export interface ColorImage {
  data: Uint8Array
  width: number
  height: number
}

/** A decoded depth image in metres (0 = invalid). */
export interface DepthMetres {
  data: Float32Array
  width: number
  height: number
}

/** An image size, and what stated it (for the message when a frame differs). */
export interface ExpectedSize {
  width: number
  height: number
  /** `intrinsics.json (color)`, or `frame 000000` when the first frame set it. */
  from: string
}

async function bytesOf(file: string, frame: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT'
    return fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: ${what} ${missing ? 'is missing' : 'cannot be read'}`, { file, frame, cause: e, expected: `a ${what} file`, actual: missing ? 'no such file' : String((e as Error).message) })
  }
}

function checkSize(file: string, frame: string, what: string, width: number, height: number, expected?: ExpectedSize): void {
  if (!expected || (expected.width === width && expected.height === height)) return
  const actual = `${width}×${height}`
  const want = `${expected.width}×${expected.height}`
  const changed = expected.from.startsWith('frame ') ? `; ${what} size changes mid-sequence` : ''
  fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: ${what} image is ${actual}, expected ${want} as ${expected.from} says${changed}`, { file, frame, expected: want, actual })
}

/** Decodes a colour image (JPEG, PNG, anything libvips reads) to 8-bit sRGB, dropping alpha. */
export async function decodeColor(file: string, frame: string, expected?: ExpectedSize): Promise<ColorImage> {
  return decodeColorBytes(await bytesOf(file, frame, 'colour image'), file, frame, expected)
}

/** Decodes colour image bytes held in memory (a .sens frame); `file` names where they came from. */
export async function decodeColorBytes(bytes: Buffer, file: string, frame: string, expected?: ExpectedSize): Promise<ColorImage> {
  const sharp = await loadSharp()
  let out: { data: Buffer; info: OutputInfo }
  try {
    out = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true })
  } catch (e) {
    const msg = (e as Error).message
    // libvips words the same failure differently depending on what else runs; a JPEG without its
    // end-of-image marker is named as truncated, deterministically.
    const jpeg = bytes.length > 2 && bytes[0] === 0xff && bytes[1] === 0xd8
    if (jpeg && !(bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9)) {
      const actual = `${bytes.length} bytes without the end-of-image marker FFD9`
      return fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: truncated JPEG (${actual})`, { file, frame, cause: e, expected: 'a complete JPEG or PNG colour image', actual })
    }
    const what = /unsupported image format/i.test(msg) ? 'not an image (no known image format)' : `not a readable image, corrupt (${msg})`
    return fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: ${what}`, { file, frame, cause: e, expected: 'a JPEG or PNG colour image', actual: msg })
  }
  const { data, info } = out
  if (info.channels !== 3) fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: decoded to ${info.channels} channels`, { file, frame, expected: '3 channels', actual: `${info.channels} channels` })
  checkSize(file, frame, 'colour', info.width, info.height, expected)
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height }
}

/**
 * Decodes a single-channel 16-bit depth PNG and divides by `scale` (units per metre: 1000 for
 * millimetres, 5000 for TUM, 6553.5 for Replica). An 8-bit or multi-channel PNG is refused: its
 * values cannot be depths at any useful scale, and reading it would silently give nonsense.
 */
export async function decodeDepthPng(file: string, frame: string, scale: number, expected?: ExpectedSize): Promise<DepthMetres> {
  return decodeDepthPngBytes(await bytesOf(file, frame, 'depth image'), file, frame, scale, expected)
}

/** Decodes 16-bit depth PNG bytes held in memory; `file` names where they came from. */
export async function decodeDepthPngBytes(bytes: Buffer, file: string, frame: string, scale: number, expected?: ExpectedSize): Promise<DepthMetres> {
  const sharp = await loadSharp()
  let meta: Metadata
  try {
    meta = await sharp(bytes).metadata()
  } catch (e) {
    return fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: not a readable PNG (${(e as Error).message})`, { file, frame, cause: e, expected: 'a 16-bit single-channel PNG', actual: (e as Error).message })
  }
  const bits = meta.depth === 'ushort' ? 16 : meta.depth === 'uchar' ? 8 : meta.depth
  if (meta.format !== 'png' || meta.depth !== 'ushort' || meta.channels !== 1) {
    const actual = meta.format !== 'png' ? `a ${meta.format} image` : `${meta.channels} channel(s) at ${bits} bits`
    fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: depth must be a single-channel 16-bit PNG, found ${actual}`, { file, frame, expected: 'a single-channel 16-bit PNG', actual })
  }
  checkSize(file, frame, 'depth', meta.width!, meta.height!, expected)
  let raw: Buffer
  try {
    raw = await sharp(bytes).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer()
  } catch (e) {
    return fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: not a readable PNG, truncated or corrupt (${(e as Error).message})`, { file, frame, cause: e, expected: 'a 16-bit single-channel PNG', actual: (e as Error).message })
  }
  // sharp returns 16-bit samples in machine order (little-endian on every supported platform).
  const u16 = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2)
  const data = new Float32Array(u16.length)
  // A division, not a multiplication by 1/scale: the same float32 as the usual `png / scale`.
  for (let i = 0; i < u16.length; i++) data[i] = u16[i] / scale
  return { data, width: meta.width!, height: meta.height! }
}

/**
 * Reads a float32 `.npy` depth map in metres, shape (H, W) or (H, W, 1). Non-finite and
 * negative values become 0 (invalid), so no NaN reaches the pipeline.
 */
export async function decodeDepthNpy(file: string, frame: string, expected?: ExpectedSize): Promise<DepthMetres> {
  const bytes = await bytesOf(file, frame, 'depth array')
  let arr
  try {
    arr = decodeNpy(bytes, file)
  } catch (e) {
    if (e instanceof PlafError) throw new PlafError(e.diagnostics.map((d) => ({ ...d, frame, message: `frame ${frame}: ${d.message}` })), { cause: e })
    throw e
  }
  const { shape, dtype } = arr
  if (dtype !== '<f4' || !(shape.length === 2 || (shape.length === 3 && shape[2] === 1))) {
    const actual = `dtype ${dtype}, shape (${shape.join(', ')})`
    fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: depth .npy must be float32 metres of shape (H, W), found ${actual}`, { file, frame, expected: "dtype '<f4', shape (H, W)", actual })
  }
  const [height, width] = shape
  checkSize(file, frame, 'depth', width, height, expected)
  const data = arr.data as Float32Array // a fresh copy: cleaned in place
  for (let i = 0; i < data.length; i++) if (!(data[i] > 0 && data[i] < Infinity)) data[i] = 0
  return { data, width, height }
}

/** A decoded label image: one id per pixel. */
export interface LabelIds {
  data: Uint16Array
  width: number
  height: number
}

/** Decodes a single-channel 8- or 16-bit label PNG (ScanNet `label-filt/<i>.png`, ADE20K annotations). */
export async function decodeLabelPng(file: string, frame: string): Promise<LabelIds> {
  const sharp = await loadSharp()
  const bytes = await bytesOf(file, frame, 'label image')
  let meta: Metadata
  try {
    meta = await sharp(bytes).metadata()
  } catch (e) {
    return fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: not a readable PNG (${(e as Error).message})`, { file, frame, cause: e, expected: 'an 8- or 16-bit single-channel PNG', actual: (e as Error).message })
  }
  const wide = meta.depth === 'ushort'
  if (meta.format !== 'png' || !(wide || meta.depth === 'uchar') || meta.channels !== 1) {
    const actual = meta.format !== 'png' ? `a ${meta.format} image` : `${meta.channels} channel(s) at ${meta.depth === 'uchar' ? 8 : meta.depth} bits`
    fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: label image must be a single-channel 8- or 16-bit PNG, found ${actual}`, { file, frame, expected: 'a single-channel 8- or 16-bit PNG', actual })
  }
  let raw: Buffer
  try {
    // Without an explicit grey colourspace libvips would hand 8-bit grey out as 3-channel sRGB.
    raw = wide ? await sharp(bytes).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer() : await sharp(bytes).toColourspace('b-w').raw().toBuffer()
  } catch (e) {
    return fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: not a readable PNG, truncated or corrupt (${(e as Error).message})`, { file, frame, cause: e, expected: 'an 8- or 16-bit single-channel PNG', actual: (e as Error).message })
  }
  const n = meta.width! * meta.height!
  if (raw.byteLength !== n * (wide ? 2 : 1)) fail('PLAF_INPUT_INVALID', `frame ${frame}: ${file}: decoded to ${raw.byteLength} bytes for ${meta.width}×${meta.height} ids`, { file, frame, expected: `${n * (wide ? 2 : 1)} bytes`, actual: `${raw.byteLength} bytes` })
  const data = wide ? new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)) : Uint16Array.from(raw)
  return { data, width: meta.width!, height: meta.height! }
}

/**
 * Resizes a colour image with libvips (triangle filter, antialiased when shrinking, pixel centres
 * aligned), e.g. ScanNet's 1296×968 colour to the 640×480 depth size as PLAF's reference does.
 */
export async function resizeColor(img: ColorImage, width: number, height: number): Promise<ColorImage> {
  const sharp = await loadSharp()
  if (img.width === width && img.height === height) return img
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).resize(width, height, { fit: 'fill', kernel: 'linear' }).raw().toBuffer()
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height }
}
