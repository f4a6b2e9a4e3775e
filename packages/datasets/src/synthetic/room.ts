import { fail, type Intrinsics, type Mat4 } from '@plaf/core'
import { CATEGORIES, OBJECT_COLOURS, OBJECT_KINDS, SURFACE_COLOURS, type Category, type ColourCategory, type NamedColour } from './catalogue.js'
import { SCANNET_COLOR_INTRINSICS, lookAtPose, scaleIntrinsics } from './camera.js'
import type { SyntheticOptions } from './options.js'
import { mixSeed, mulberry32, uniform, type Rng } from './prng.js'
import type { RayScene } from './raycast.js'

/**
 * One primitive of the room: a room face (a zero-thickness rectangle) or a box object. Room faces
 * come first, in the order floor, ceiling, wall x=0, wall x=Lx, wall y=0, wall y=Ly.
 */
export interface Primitive {
  kind: 'floor' | 'ceiling' | 'wall' | 'object'
  /** Readable name, e.g. `red chair`, `floor`, `wall x=0`. */
  name: string
  category: Category
  colour: NamedColour
  /** 1-based instance id (ScanNet's objectId + 1); the primitive's index + 1. */
  instanceId: number
  center: [number, number, number]
  /** Half extents along the primitive's own axes (0 across a room face). */
  half: [number, number, number]
  /** Rotation about +z, radians (box x axis = (cos, sin, 0)). */
  yaw: number
}

/** A generated scene: primitives, cameras and intrinsics; everything the renderer needs. */
export interface SyntheticScene {
  options: SyntheticOptions
  room: [number, number, number]
  primitives: Primitive[]
  /** Camera-to-world pose of every frame (also for frames whose pose is reported invalid). */
  poses: Mat4[]
  /** True for frames in invalid_pose_frames. */
  invalidPose: boolean[]
  colorIntrinsics: Intrinsics
  depthIntrinsics: Intrinsics
  /** Unit vector towards the light (Lambert shading). */
  light: [number, number, number]
  /** Geometry for the ray caster (boxes = the objects, in primitive order after the room faces). */
  rays: RayScene
}

const LIGHT: [number, number, number] = (() => {
  const l = [0.35, 0.55, 0.75]
  const n = Math.hypot(l[0], l[1], l[2])
  return [l[0] / n, l[1] / n, l[2] / n]
})()

/** Eye heights stay in [EYE_LOW, EYE_HIGH]; the path is an ellipse with these radii fractions. */
const EYE_LOW = 1.3
const EYE_HIGH = 1.7
const PATH_FRACTION = 0.42
/** Every object keeps this clearance (beyond its bounding circle) from the camera path. */
const PATH_CLEARANCE = 0.2

function shuffled<T>(list: readonly T[], rng: Rng): T[] {
  const a = [...list]
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    ;[a[i], a[j]] = [a[j], a[i]]
  }
  return a
}

function roomFaces(room: [number, number, number]): Primitive[] {
  const [lx, ly, lz] = room
  const face = (kind: 'floor' | 'ceiling' | 'wall', name: string, center: Primitive['center'], half: Primitive['half'], i: number): Primitive => ({
    kind, name, category: CATEGORIES[kind], colour: SURFACE_COLOURS[kind], instanceId: i + 1, center, half, yaw: 0,
  })
  return [
    face('floor', 'floor', [lx / 2, ly / 2, 0], [lx / 2, ly / 2, 0], 0),
    face('ceiling', 'ceiling', [lx / 2, ly / 2, lz], [lx / 2, ly / 2, 0], 1),
    face('wall', 'wall x=0', [0, ly / 2, lz / 2], [0, ly / 2, lz / 2], 2),
    face('wall', `wall x=${lx}`, [lx, ly / 2, lz / 2], [0, ly / 2, lz / 2], 3),
    face('wall', 'wall y=0', [lx / 2, 0, lz / 2], [lx / 2, 0, lz / 2], 4),
    face('wall', `wall y=${ly}`, [lx / 2, ly, lz / 2], [lx / 2, 0, lz / 2], 5),
  ]
}

/** Shortest distance from (x, y) to the camera ellipse, sampled finely. */
function distanceToPath(x: number, y: number, cx: number, cy: number, a: number, b: number): number {
  let d = Infinity
  for (let i = 0; i < 96; i++) {
    const s = (2 * Math.PI * i) / 96
    d = Math.min(d, Math.hypot(x - cx - a * Math.cos(s), y - cy - b * Math.sin(s)))
  }
  return d
}

/**
 * One shade of a colour category, drawn uniformly (seeded): `red` painted in e.g. `brick red`.
 */
function drawShade(category: ColourCategory, rng: Rng): NamedColour {
  const s = category.shades[Math.floor(rng() * category.shades.length)]
  return { name: category.name, rgb: s.rgb, shade: s.name }
}

/**
 * Places `count` boxes by rejection sampling: inside the room, on the floor, 10 cm apart
 * (bounding circles) and clear of the camera path (no camera above or inside an object). Kinds
 * are tried in a seeded order; one that does not fit is skipped for the next. Each object takes
 * its own colour category (in a seeded order) and a shade of it drawn from `shades` (its own
 * stream, so the layout does not depend on the shade lists).
 */
function placeObjects(room: [number, number, number], count: number, rng: Rng, shades: Rng): Primitive[] | null {
  const [lx, ly] = room
  const a = PATH_FRACTION * lx, b = PATH_FRACTION * ly
  const colours = shuffled(OBJECT_COLOURS, rng)
  const placed: Primitive[] = []
  for (const kind of shuffled(OBJECT_KINDS, rng)) {
    if (placed.length === count) break
    const half: [number, number, number] = [
      kind.half[0] * uniform(rng, 0.9, 1.1), kind.half[1] * uniform(rng, 0.9, 1.1), kind.half[2] * uniform(rng, 0.9, 1.1),
    ]
    const r = Math.hypot(half[0], half[1])
    if (lx - 2 * r - 0.1 <= 0 || ly - 2 * r - 0.1 <= 0) continue
    for (let attempt = 0; attempt < 200; attempt++) {
      const x = uniform(rng, r + 0.05, lx - r - 0.05)
      const y = uniform(rng, r + 0.05, ly - r - 0.05)
      const clash = placed.some((p) => Math.hypot(p.center[0] - x, p.center[1] - y) < r + Math.hypot(p.half[0], p.half[1]) + 0.1)
      if (clash || distanceToPath(x, y, lx / 2, ly / 2, a, b) < r + PATH_CLEARANCE) continue
      const colour = drawShade(colours[placed.length], shades)
      const category = CATEGORIES[kind.rawCategory]
      placed.push({
        kind: 'object', name: `${colour.name} ${category.rawCategory}`, category, colour,
        instanceId: 7 + placed.length, center: [x, y, half[2]], half, yaw: uniform(rng, 0, Math.PI),
      })
      break
    }
  }
  return placed.length === count ? placed : null
}

/** Generates the scene for the given (resolved) options: pure and deterministic in the options. */
export function generateRoom(options: SyntheticOptions): SyntheticScene {
  const room: [number, number, number] = [...options.room_size]
  let objects: Primitive[] | null = null
  for (let restart = 0; restart < 20 && !objects; restart++) {
    objects = placeObjects(room, options.objects, mulberry32(mixSeed(options.seed, 1, restart)), mulberry32(mixSeed(options.seed, 5, restart)))
  }
  if (!objects) {
    fail('PLAF_INVALID_OPTION', `cannot place ${options.objects} objects in a ${room.join('×')} m room; use a larger room_size or fewer objects`, { path: 'objects' })
  }
  const primitives = [...roomFaces(room), ...objects]
  const cam = mulberry32(mixSeed(options.seed, 2))
  const phase = cam(), heightPhase = 2 * Math.PI * cam()
  const [lx, ly] = room
  const poses: Mat4[] = []
  for (let i = 0; i < options.frames; i++) {
    const s = 2 * Math.PI * (phase + i / options.frames)
    const h = (EYE_LOW + EYE_HIGH) / 2 + ((EYE_HIGH - EYE_LOW) / 2) * Math.sin(2 * s + heightPhase)
    const eye = [lx / 2 + PATH_FRACTION * lx * Math.cos(s), ly / 2 + PATH_FRACTION * ly * Math.sin(s), h] as const
    const target = [lx / 2 + uniform(cam, -0.15, 0.15), ly / 2 + uniform(cam, -0.15, 0.15), uniform(cam, 0.5, 0.7)] as const
    poses.push(lookAtPose(eye, target))
  }
  const invalid = new Set(options.invalid_pose_frames)
  const colorIntrinsics = scaleIntrinsics(SCANNET_COLOR_INTRINSICS, options.color_width, options.color_height)
  const boxes = new Float64Array(objects.length * 8)
  objects.forEach((o, b) => boxes.set([...o.center, ...o.half, Math.cos(o.yaw), Math.sin(o.yaw)], 8 * b))
  return {
    options, room, primitives, poses,
    invalidPose: poses.map((_, i) => invalid.has(i)),
    colorIntrinsics,
    depthIntrinsics: scaleIntrinsics(colorIntrinsics, options.depth_width, options.depth_height),
    light: LIGHT,
    rays: { room, boxes },
  }
}
