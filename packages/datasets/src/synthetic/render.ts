import type { Frame } from '@plaf/core'
import { gaussian, mixSeed, mulberry32 } from './prng.js'
import { castRays, createHits, type RayHits } from './raycast.js'
import type { SyntheticScene } from './room.js'
import { buildMaterials, shade, type Materials } from './shade.js'

/** One rendered frame in ScanNet's storage types. */
export interface RenderedFrame {
  index: number
  /** Colour, H×W×3 sRGB at colour resolution. */
  rgb: Uint8Array
  /** z-depth in millimetres at depth resolution, 0 = invalid (the 16-bit PNG's content). */
  depthMm: Uint16Array
  /** Raw ScanNet label ids (TSV `id`) at colour resolution, 0 = nothing. */
  labels: Uint16Array
  /** 1-based instance ids at colour resolution, 0 = nothing. */
  instances: Uint8Array
  /** The camera the frame was rendered with (also when its pose is reported invalid). */
  pose: Float64Array
  poseValid: boolean
}

/** Reusable buffers and tables for rendering many frames of one scene. */
export interface Renderer {
  scene: SyntheticScene
  render(index: number): RenderedFrame
}

/** Depth beyond this is dropped, like a structured-light sensor's range limit. */
const MAX_DEPTH_M = 10

/** Creates a renderer; buffers for the hit maps are reused across frames. */
export function createRenderer(scene: SyntheticScene): Renderer {
  const mats: Materials = buildMaterials(scene)
  const labelOf = Uint16Array.from(scene.primitives, (p) => p.category.labelId)
  const instanceOf = Uint8Array.from(scene.primitives, (p) => p.instanceId)
  const { colorIntrinsics: kc, depthIntrinsics: kd, options } = scene
  let colourHits: RayHits | undefined
  let depthHits: RayHits | undefined
  return {
    scene,
    render(index) {
      const pose = scene.poses[index]
      colourHits = castRays(scene.rays, kc, pose, colourHits ?? createHits(kc.width, kc.height))
      const rgb = shade(colourHits, kc, pose, mats, mixSeed(options.seed, 4, index))
      const n = kc.width * kc.height
      const labels = new Uint16Array(n)
      const instances = new Uint8Array(n)
      for (let i = 0; i < n; i++) {
        const p = colourHits.prim[i]
        if (p >= 0) { labels[i] = labelOf[p]; instances[i] = instanceOf[p] }
      }
      depthHits = castRays(scene.rays, kd, pose, depthHits ?? createHits(kd.width, kd.height))
      const depthMm = new Uint16Array(kd.width * kd.height)
      const rng = mulberry32(mixSeed(options.seed, 3, index))
      for (let i = 0; i < depthMm.length; i++) {
        let z = depthHits.depth[i]
        if (options.depth_noise > 0) z += options.depth_noise * gaussian(rng)
        if (options.holes > 0 && rng() < options.holes) z = 0
        depthMm[i] = z > 0 && z <= MAX_DEPTH_M ? Math.max(1, Math.round(z * 1000)) : 0
      }
      return { index, rgb, depthMm, labels, instances, pose: Float64Array.from(pose), poseValid: !scene.invalidPose[index] }
    },
  }
}

/** Frame id used by the datasets package: the source index, zero-padded to 6 digits. */
export const frameId = (index: number): string => String(index).padStart(6, '0')

/** Converts a rendered frame to the Frame port (depth in metres, pose null when invalid). */
export function toFramePort(scene: SyntheticScene, f: RenderedFrame): Frame {
  const { colorIntrinsics: kc, depthIntrinsics: kd } = scene
  const depth = new Float32Array(f.depthMm.length)
  for (let i = 0; i < depth.length; i++) depth[i] = f.depthMm[i] / 1000
  return {
    id: frameId(f.index),
    index: f.index,
    rgb: { data: f.rgb, shape: [kc.height, kc.width, 3] },
    depth: { data: depth, shape: [kd.height, kd.width] },
    pose: f.poseValid ? f.pose : null,
    colorIntrinsics: { ...kc },
    depthIntrinsics: { ...kd },
    labels: { data: f.labels, shape: [kc.height, kc.width] },
  }
}
