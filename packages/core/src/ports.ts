/**
 * Port types: the typed values that flow between stages. Every tensor carries its dtype in the
 * TypeScript type and its shape next to the data, row-major (C order), as numpy would read it.
 *
 * Scope: `frame` ports are produced once per frame and handed to a stage's `run()`; `scene` ports
 * are produced once per scene (by an accumulator's `finish()` or a scene stage's `run()`).
 */

/** A row-major 4×4 camera-to-world matrix, OpenCV camera axes (x right, y down, z forward). */
export type Mat4 = Float64Array

/** Pinhole intrinsics for an image of `width`×`height` pixels; integer pixel coords are centres. */
export interface Intrinsics {
  fx: number
  fy: number
  cx: number
  cy: number
  width: number
  height: number
}

/** 8-bit RGB image, H×W×3, row-major. */
export interface RgbImage {
  data: Uint8Array
  shape: [h: number, w: number, c: 3]
}

/** Depth in metres, H×W; 0 means no measurement. */
export interface DepthImage {
  data: Float32Array
  shape: [h: number, w: number]
}

/**
 * Per-pixel ground-truth label ids, H×W at colour resolution, 0 = unlabelled: ScanNet raw ids for
 * ScanNet-like sources, the class number 1…150 for ADE20K (the source documents its label set).
 */
export interface LabelImage {
  data: Uint16Array
  shape: [h: number, w: number]
}

/** One RGB(-D) frame of a scene. */
export interface Frame {
  /** Stable frame id used in file names and diagnostics, e.g. `000120`. */
  id: string
  /** Position in the source sequence (before any frame_step). */
  index: number
  rgb: RgbImage
  depth?: DepthImage
  /** Camera-to-world pose, or null when the source marks it invalid (e.g. ScanNet `-inf`). */
  pose: Mat4 | null
  /**
   * Intrinsics of the colour image; absent only for images without a known camera (ADE20K), which
   * also have no depth and a null pose: stages that lift or project skip such frames, counted.
   */
  colorIntrinsics?: Intrinsics
  /** Intrinsics of the depth image (its own size); absent when there is no depth. */
  depthIntrinsics?: Intrinsics
  labels?: LabelImage
}

/**
 * Where the patch grid lands on image pixels. For image pixel (x, y) (integer = pixel centre),
 * the continuous grid coordinate is gx = ax·x + bx, gy = ay·y + by, with grid cell centres at
 * integers; bilinear sampling clamps at the grid edges (torch `align_corners=False` semantics).
 * A plain resize of an H×W image onto an h×w grid has ax = w/W, bx = 0.5·w/W − 0.5.
 */
export interface GridTransform {
  /** Network input size [h, w] in pixels, for reporting. */
  inputSize: [h: number, w: number]
  /** Image size [H, W] the transform maps from. */
  imageSize: [h: number, w: number]
  ax: number
  bx: number
  ay: number
  by: number
}

/** h×w×D patch features in a language-aligned space. */
export interface FeatureGrid {
  data: Float32Array
  shape: [h: number, w: number, d: number]
  transform: GridTransform
  /** Embedding space id; text embeddings must name the same space to be compared. */
  space: string
  /**
   * Present when the backbone ships its language adaptor as a graph of its own (a RADIO export
   * with `graphs.adaptor`): the same grid before the adaptor, so a consumer may apply the adaptor
   * elsewhere (after averaging). `data` stays the adaptor applied to every patch token.
   */
  adaptor?: GridAdaptor
}

/** A grid's features before the language adaptor, and the model whose `adaptor` graph maps them to `FeatureGrid.space`. */
export interface GridAdaptor {
  /** h×w×C backbone features, row-major, same cells as `FeatureGrid.data`. */
  data: Float32Array
  /** C, the backbone's width (the adaptor graph's input width). */
  dim: number
  /** `name@version` of the model whose graph `adaptor` takes a C row to a D row of the grid's space. */
  model: string
}

/** One class-agnostic mask, stored as a bitmap cropped to its bounding box. */
export interface Mask {
  /** [x, y, w, h] in image pixels (SAM's XYWH convention). */
  bbox: [x: number, y: number, w: number, h: number]
  /** Number of set pixels. */
  area: number
  /** bbox.w × bbox.h bytes, row-major, 1 = inside. */
  bitmap: Uint8Array
  /** Predicted IoU (SAM) or 1 for maskers without a score. */
  predictedIou: number
  /** Stability score (SAM) or 1 for maskers without a score. */
  stabilityScore: number
}

/** All masks of one image. */
export interface MaskSet {
  width: number
  height: number
  masks: Mask[]
}

/** The 2D mask-indexed memory: one id per pixel and one feature row per id (row 0 = no mask). */
export interface SemanticMemory2D {
  ids: { data: Uint16Array; shape: [h: number, w: number] }
  features: { data: Float32Array; shape: [rows: number, d: number] }
  space: string
}

/** A 3D point map whose points hold a reference into a shared feature pool. */
export interface SemanticMap3D {
  /** N×3 world coordinates in metres. */
  positions: Float32Array
  /** N×3 colours. */
  colors: Uint8Array
  /** N references into the pool rows. */
  refs: Uint32Array
  pool: { data: Float32Array; shape: [rows: number, d: number] }
  space: string
}

/** Texts to embed. */
export interface TextBatch {
  texts: string[]
}

/** Q×D unit-norm text embeddings. */
export interface TextEmbeddings {
  texts: string[]
  data: Float32Array
  shape: [q: number, d: number]
  space: string
}

/** The value type of each port name. */
export interface PortTypes {
  Frame: Frame
  FeatureGrid: FeatureGrid
  MaskSet: MaskSet
  SemanticMemory2D: SemanticMemory2D
  SemanticMap3D: SemanticMap3D
  TextBatch: TextBatch
  TextEmbeddings: TextEmbeddings
}

/** Name of a port type. */
export type PortName = keyof PortTypes

/** Frame-scoped ports flow per frame; scene-scoped once per scene. */
export const PORT_SCOPES: Readonly<Record<PortName, 'frame' | 'scene'>> = {
  Frame: 'frame',
  FeatureGrid: 'frame',
  MaskSet: 'frame',
  SemanticMemory2D: 'frame',
  SemanticMap3D: 'scene',
  TextBatch: 'scene',
  TextEmbeddings: 'scene',
}

/** Port values for a record of port names. */
export type PortValues<P extends Record<string, PortName>> = { [K in keyof P]: PortTypes[P[K]] }

const isInt = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0

function tensor(v: unknown, ctor: Function, rank: number, what: string): string | null {
  const t = v as { data?: unknown; shape?: unknown }
  if (!t || !(t.data instanceof ctor)) return `${what}.data must be a ${ctor.name}`
  if (!Array.isArray(t.shape) || t.shape.length !== rank || !t.shape.every(isInt)) {
    return `${what}.shape must be ${rank} non-negative integers`
  }
  const n = (t.shape as number[]).reduce((a, b) => a * b, 1)
  const len = (t.data as ArrayLike<number>).length
  return len === n ? null : `${what}.data has ${len} elements, shape ${JSON.stringify(t.shape)} needs ${n}`
}

/** The first non-finite element of `data` (NaN, ±Infinity), named, or null. `v - v` is 0 only for finite v. */
export function firstNonFinite(data: Float32Array | Float64Array, what: string): string | null {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!
    if (v - v !== 0) return `${what} holds ${v} at element ${i}`
  }
  return null
}

/** A FeatureGrid's `adaptor`: h×w×C finite values and the model that holds the adaptor graph. */
function gridAdaptor(a: GridAdaptor, shape: readonly number[]): string | null {
  if (!(a.data instanceof Float32Array) || !isInt(a.dim) || a.dim === 0) return 'FeatureGrid.adaptor needs data (Float32Array) and dim ≥ 1'
  if (typeof a.model !== 'string' || a.model === '') return 'FeatureGrid.adaptor.model must name the model holding the adaptor graph'
  const n = shape[0]! * shape[1]! * a.dim
  if (a.data.length !== n) return `FeatureGrid.adaptor.data has ${a.data.length} elements, ${shape[0]}×${shape[1]}×${a.dim} needs ${n}`
  return firstNonFinite(a.data, 'FeatureGrid.adaptor.data')
}

/** Depth in metres: finite and non-negative (0 = no measurement). */
function depthValues(data: Float32Array): string | null {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!
    if (!(v >= 0) || v - v !== 0) return `Frame.depth holds ${v} at pixel ${i} (depth is metres ≥ 0, 0 = no measurement)`
  }
  return null
}

function intrinsics(v: unknown, what: string): string | null {
  const k = v as Partial<Intrinsics> | undefined
  if (!k) return `${what} is missing`
  for (const key of ['fx', 'fy', 'cx', 'cy'] as const) {
    if (!Number.isFinite(k[key])) return `${what}.${key} must be a finite number`
  }
  return isInt(k.width) && isInt(k.height) ? null : `${what}.width/height must be integers`
}

const checks: { [K in PortName]: (v: PortTypes[K]) => string | null } = {
  Frame: (f) => {
    if (typeof f.id !== 'string' || !isInt(f.index)) return 'Frame.id must be a string and index an integer'
    const bad = tensor(f.rgb, Uint8Array, 3, 'Frame.rgb') ??
      (f.colorIntrinsics !== undefined || f.depth ? intrinsics(f.colorIntrinsics, 'Frame.colorIntrinsics') : null)
    if (bad) return bad
    if (f.rgb.shape[2] !== 3) return 'Frame.rgb must have 3 channels'
    if (f.pose !== null && !(f.pose instanceof Float64Array && f.pose.length === 16)) {
      return 'Frame.pose must be null or a Float64Array of 16'
    }
    if (f.pose !== null) {
      const bad = firstNonFinite(f.pose, 'Frame.pose')
      if (bad) return bad
    }
    if (f.depth) return tensor(f.depth, Float32Array, 2, 'Frame.depth') ?? intrinsics(f.depthIntrinsics, 'Frame.depthIntrinsics') ?? depthValues(f.depth.data)
    return f.labels ? tensor(f.labels, Uint16Array, 2, 'Frame.labels') : null
  },
  FeatureGrid: (g) => tensor(g, Float32Array, 3, 'FeatureGrid') ??
    (typeof g.space === 'string' && g.transform && Number.isFinite(g.transform.ax) ? null : 'FeatureGrid needs space and transform') ??
    firstNonFinite(g.data, 'FeatureGrid.data') ??
    (g.adaptor ? gridAdaptor(g.adaptor, g.shape) : null),
  MaskSet: (m) => {
    if (!isInt(m.width) || !isInt(m.height) || !Array.isArray(m.masks)) return 'MaskSet needs width, height, masks'
    for (let i = 0; i < m.masks.length; i++) {
      const k = m.masks[i]
      const box: unknown[] = Array.isArray(k.bbox) ? k.bbox : []
      if (box.length !== 4 || !box.every(isInt) || box[2] === 0 || box[3] === 0) return `MaskSet.masks[${i}].bbox must be 4 non-negative integers with width and height ≥ 1, got ${JSON.stringify(k.bbox)}`
      const [x, y, w, h] = k.bbox
      if (!(k.bitmap instanceof Uint8Array) || k.bitmap.length !== w * h) return `MaskSet.masks[${i}].bitmap must be bbox w×h bytes`
      if (x < 0 || y < 0 || x + w > m.width || y + h > m.height) return `MaskSet.masks[${i}].bbox lies outside the image`
      let ones = 0
      for (let j = 0; j < k.bitmap.length; j++) if (k.bitmap[j] !== 0) ones++
      if (ones !== k.area) return `MaskSet.masks[${i}].area is ${k.area} but its bitmap has ${ones} pixels set`
    }
    return null
  },
  SemanticMemory2D: (m) => tensor(m.ids, Uint16Array, 2, 'SemanticMemory2D.ids') ??
    tensor(m.features, Float32Array, 2, 'SemanticMemory2D.features') ??
    (typeof m.space === 'string' ? null : 'SemanticMemory2D.space must be a string') ??
    firstNonFinite(m.features.data, 'SemanticMemory2D.features'),
  SemanticMap3D: (m) => {
    const n = m.refs instanceof Uint32Array ? m.refs.length : -1
    if (n < 0) return 'SemanticMap3D.refs must be a Uint32Array'
    if (!(m.positions instanceof Float32Array) || m.positions.length !== 3 * n) return 'SemanticMap3D.positions must be N×3 float32'
    if (!(m.colors instanceof Uint8Array) || m.colors.length !== 3 * n) return 'SemanticMap3D.colors must be N×3 uint8'
    const bad = tensor(m.pool, Float32Array, 2, 'SemanticMap3D.pool') ?? firstNonFinite(m.positions, 'SemanticMap3D.positions') ?? firstNonFinite(m.pool.data, 'SemanticMap3D.pool')
    if (bad) return bad
    const rows = m.pool.shape[0]
    for (let i = 0; i < n; i++) if (m.refs[i]! >= rows) return `SemanticMap3D.refs[${i}] is ${m.refs[i]}, the pool has ${rows} rows`
    return null
  },
  TextBatch: (t) => (Array.isArray(t.texts) && t.texts.every((s) => typeof s === 'string') ? null : 'TextBatch.texts must be strings'),
  TextEmbeddings: (t) => tensor(t, Float32Array, 2, 'TextEmbeddings') ??
    (t.texts.length === t.shape[0] ? null : 'TextEmbeddings has one row per text') ??
    firstNonFinite(t.data, 'TextEmbeddings'),
}

/** Checks a value against its port type: returns what is wrong, or null when it conforms. */
export function checkPort<K extends PortName>(type: K, value: unknown): string | null {
  if (value === null || typeof value !== 'object') return `${type} must be an object`
  return checks[type](value as PortTypes[K])
}
