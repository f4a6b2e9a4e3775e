import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fail, type Intrinsics } from '@plaf/core'
import type { SyntheticOptions } from './synthetic/options.js'
import type { SyntheticScene } from './synthetic/room.js'
import { DATASETS_VERSION, GENERATOR_VERSION } from './version.js'

/** Name of the sidecar that describes a written synthetic scene; written last, so it also marks completeness. */
export const SCENE_META_FILE = 'plaf-scene.json'

/** One primitive of a synthetic scene as recorded in the sidecar (enough to derive ground truth). */
export interface SceneObject {
  /** e.g. `red chair`, `floor`, `wall x=0`. */
  name: string
  kind: 'floor' | 'ceiling' | 'wall' | 'object'
  /** Plain colour word of the albedo (the basic term `red`, `green`, … for objects; `grey`, `beige`, `white` for surfaces). */
  colour: string
  /** Objects: the shade the albedo was drawn as, by its name in the shade dataset (e.g. `brick red`). */
  shade?: string
  /** Albedo, sRGB 0–255 (rendered brightness lies in [0.85, 1] of it). */
  rgb: [number, number, number]
  /** ScanNet raw category (aggregation `label`, TSV `raw_category`). */
  rawCategory: string
  /** TSV `id`: the value of this primitive's pixels in `label-filt/<i>.png`. */
  labelId: number
  nyu40id: number
  nyu40class: string
  /** 1-based instance id: its pixels in `instance-filt/<i>.png`. */
  instanceId: number
  /** Box centre in world metres (z up). */
  center: [number, number, number]
  /** Half extents along the box's own axes (0 across a room face). */
  halfExtents: [number, number, number]
  /** Rotation about +z in radians. */
  yaw: number
}

/** Content of `plaf-scene.json`. */
export interface SceneMeta {
  format: 'plaf-synthetic-scene'
  formatVersion: 1
  generator: number
  package: string
  scene: string
  options: SyntheticOptions
  room: [number, number, number]
  frames: number
  invalidPoseFrames: number[]
  colorIntrinsics: Intrinsics
  depthIntrinsics: Intrinsics
  /** Room faces (floor, ceiling, 4 walls) then objects. */
  primitives: SceneObject[]
  mesh: { vertices: number; faces: number; spacing: number }
}

/** The sidecar record of a primitive list. */
export function describePrimitives(scene: SyntheticScene): SceneObject[] {
  return scene.primitives.map((p) => ({
    name: p.name, kind: p.kind, colour: p.colour.name, ...(p.colour.shade ? { shade: p.colour.shade } : {}), rgb: [...p.colour.rgb],
    rawCategory: p.category.rawCategory, labelId: p.category.labelId, nyu40id: p.category.nyu40id, nyu40class: p.category.nyu40class,
    instanceId: p.instanceId, center: [...p.center], halfExtents: [...p.half], yaw: p.yaw,
  }))
}

/** Builds the sidecar content of a scene. */
export function buildSceneMeta(scene: SyntheticScene, name: string, mesh: SceneMeta['mesh']): SceneMeta {
  return {
    format: 'plaf-synthetic-scene', formatVersion: 1, generator: GENERATOR_VERSION, package: DATASETS_VERSION,
    scene: name, options: scene.options, room: [...scene.room], frames: scene.poses.length,
    invalidPoseFrames: [...scene.options.invalid_pose_frames].sort((a, b) => a - b),
    colorIntrinsics: { ...scene.colorIntrinsics }, depthIntrinsics: { ...scene.depthIntrinsics },
    primitives: describePrimitives(scene), mesh,
  }
}

/** Reads `<dir>/plaf-scene.json`. Throws PLAF_FILE_NOT_FOUND or PLAF_INPUT_INVALID. */
export function readSceneMeta(dir: string): SceneMeta {
  const file = join(dir, SCENE_META_FILE)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    fail('PLAF_FILE_NOT_FOUND', `${file}: not found; is ${dir} a scene written by writeScene (plaf make-scene)?`, { file, cause: e })
  }
  let meta: SceneMeta
  try {
    meta = JSON.parse(text) as SceneMeta
  } catch (e) {
    fail('PLAF_INPUT_INVALID', `${file}: not valid JSON`, { file, cause: e })
  }
  if (meta?.format !== 'plaf-synthetic-scene' || !Array.isArray(meta.primitives)) {
    fail('PLAF_INPUT_INVALID', `${file}: not a plaf-synthetic-scene sidecar`, { file })
  }
  return meta
}

/** The box objects of a scene (optionally with floor, ceiling and walls). */
export function sceneObjects(meta: Pick<SceneMeta, 'primitives'>, options: { surfaces?: boolean } = {}): SceneObject[] {
  return meta.primitives.filter((p) => options.surfaces || p.kind === 'object')
}
