import { createHash } from 'node:crypto'
import type { Frame, Intrinsics } from '@plaf/core'
import { hashFileSample } from '../scannet/layout.js'
import { frameId } from '../synthetic/render.js'
import { decodeColor, decodeDepthNpy, decodeDepthPng } from './images.js'
import type { FrameSkip } from './select.js'
import { datasetSource, type DatasetFormat, type DatasetSource } from './source.js'
import { remapBilinearU8, remapNearestF32, type UndistortMaps } from './undistort.js'

/** One selected frame stored as image files. */
export interface FileFrame {
  index: number
  color: string
  /** A 16-bit PNG (divided by `depthScale`) or a float32 `.npy` in metres. */
  depth: string
  /** Camera-to-world, OpenCV axes. */
  pose: Float64Array
}

/** A sequence of image-file frames with fixed intrinsics (rgbd-folder, TUM, Replica). */
export interface FileFramesParts {
  format: DatasetFormat
  found: number
  skips: FrameSkip[]
  /** Depth PNG units per metre; null when every depth file is `.npy`. */
  depthScale: number | null
  color: Intrinsics
  depth: Intrinsics
  /** Where the intrinsics come from, named when an image's size differs (`intrinsics.json`). */
  intrinsicsFrom: { color: string; depth: string }
  /** Text that identifies everything else the frames depend on (intrinsics file, conventions). */
  identitySeed: string
  describe: string
  frames: FileFrame[]
  /** When set, every frame's colour (bilinear) and depth (nearest) are undistorted through these maps (colour and depth share the camera). */
  undistort?: UndistortMaps
}

/**
 * The DatasetSource of image-file frames: the identity hashes each frame's pose and a sample of
 * each file (see `hashFileSample`); colour and depth are decoded when a frame is read, and must
 * have the stated sizes.
 */
export function fileFrameSource(p: FileFramesParts): DatasetSource {
  const hash = createHash('sha256').update(`plaf-${p.format}-identity-v1\0${p.identitySeed}\0`)
  const items = p.frames.map((f) => {
    const id = frameId(f.index)
    hash.update(`frame ${f.index}\0`).update(f.pose)
    hashFileSample(hash, f.color, `color/${f.index}`, id)
    hashFileSample(hash, f.depth, `depth/${f.index}`, id)
    return { ...f, id }
  })
  const colorSize = { width: p.color.width, height: p.color.height, from: p.intrinsicsFrom.color }
  const depthSize = { width: p.depth.width, height: p.depth.height, from: p.intrinsicsFrom.depth }
  async function load(f: (typeof items)[number]): Promise<Frame> {
    const [color, depth] = await Promise.all([
      decodeColor(f.color, f.id, colorSize),
      f.depth.toLowerCase().endsWith('.npy') ? decodeDepthNpy(f.depth, f.id, depthSize) : decodeDepthPng(f.depth, f.id, p.depthScale!, depthSize),
    ])
    const u = p.undistort
    return {
      id: f.id, index: f.index,
      rgb: { data: u ? remapBilinearU8(color.data, 3, u) : color.data, shape: [color.height, color.width, 3] },
      depth: { data: u ? remapNearestF32(depth.data, u) : depth.data, shape: [depth.height, depth.width] },
      pose: Float64Array.from(f.pose),
      colorIntrinsics: { ...p.color }, depthIntrinsics: { ...p.depth },
    }
  }
  return datasetSource({
    format: p.format, found: p.found, skips: p.skips, depthScale: p.depthScale,
    identity: hash.digest('hex'), describe: p.describe, items, load, files: (f) => f,
  })
}
