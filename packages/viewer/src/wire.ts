/**
 * The binary layouts the viewer server sends and the page reads (shared by both; no Node or DOM
 * imports). All little-endian, every block starting at a multiple of 4 bytes.
 *
 * Points (`/api/points.bin`, and base64 inside an exported page):
 * `PLAFPTS1` magic (8 bytes), u32 N, u32 M (pool rows), f32 N×3 positions (metres, world z up),
 * u8 N×3 colours (sRGB) padded to 4 bytes, u32 N refs (pool row of each point).
 *
 * Id map (`/api/frame/<id>/ids.bin`): `PLAFIDS1`, u32 width, u32 height, u16 H×W mask ids
 * (row-major; 0 = no mask, k = row k of the frame's feature table), padded to 4 bytes.
 */

/** Magic of the points payload. */
export const POINTS_MAGIC = 'PLAFPTS1'
/** Magic of the id-map payload. */
export const IDS_MAGIC = 'PLAFIDS1'

const pad4 = (n: number): number => (n + 3) & ~3

/** Byte offsets of the blocks of a points payload with n points. */
export function pointsLayout(n: number): { positions: number; colors: number; refs: number; bytes: number } {
  const positions = 16
  const colors = positions + 12 * n
  const refs = colors + pad4(3 * n)
  return { positions, colors, refs, bytes: refs + 4 * n }
}

/** A decoded points payload: views into the buffer, no copies. */
export interface PointsPayload {
  positions: Float32Array
  colors: Uint8Array
  refs: Uint32Array
  poolRows: number
}

const magicOf = (b: ArrayBuffer, off = 0): string => String.fromCharCode(...new Uint8Array(b, off, 8))

/** Encodes points into one buffer in the layout above. */
export function encodePoints(positions: Float32Array, colors: Uint8Array, refs: Uint32Array, poolRows: number): Uint8Array {
  const n = refs.length
  const l = pointsLayout(n)
  const out = new Uint8Array(l.bytes)
  for (let i = 0; i < 8; i++) out[i] = POINTS_MAGIC.charCodeAt(i)
  const head = new DataView(out.buffer)
  head.setUint32(8, n, true)
  head.setUint32(12, poolRows, true)
  new Float32Array(out.buffer, l.positions, 3 * n).set(positions.subarray(0, 3 * n))
  out.set(colors.subarray(0, 3 * n), l.colors)
  new Uint32Array(out.buffer, l.refs, n).set(refs)
  return out
}

/** Decodes a points payload; throws on a wrong magic or a truncated buffer. */
export function decodePoints(b: ArrayBuffer): PointsPayload {
  if (b.byteLength < 16 || magicOf(b) !== POINTS_MAGIC) throw new Error(`not a ${POINTS_MAGIC} payload`)
  const head = new DataView(b)
  const n = head.getUint32(8, true)
  const poolRows = head.getUint32(12, true)
  const l = pointsLayout(n)
  if (b.byteLength < l.bytes) throw new Error(`${POINTS_MAGIC} payload truncated: ${b.byteLength} of ${l.bytes} bytes`)
  return {
    positions: new Float32Array(b, l.positions, 3 * n),
    colors: new Uint8Array(b, l.colors, 3 * n),
    refs: new Uint32Array(b, l.refs, n),
    poolRows,
  }
}

/** Encodes a 16-bit id map. */
export function encodeIds(ids: Uint16Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(16 + pad4(2 * width * height))
  for (let i = 0; i < 8; i++) out[i] = IDS_MAGIC.charCodeAt(i)
  const head = new DataView(out.buffer)
  head.setUint32(8, width, true)
  head.setUint32(12, height, true)
  new Uint16Array(out.buffer, 16, width * height).set(ids.subarray(0, width * height))
  return out
}

/** Decodes an id-map payload. */
export function decodeIds(b: ArrayBuffer): { ids: Uint16Array; width: number; height: number } {
  if (b.byteLength < 16 || magicOf(b) !== IDS_MAGIC) throw new Error(`not a ${IDS_MAGIC} payload`)
  const head = new DataView(b)
  const width = head.getUint32(8, true)
  const height = head.getUint32(12, true)
  if (b.byteLength < 16 + 2 * width * height) throw new Error(`${IDS_MAGIC} payload truncated`)
  return { ids: new Uint16Array(b, 16, width * height), width, height }
}

/** How a row's score is computed from cosines (the `text` querier's `mode`). */
export type ScoreMode = 'cosine' | 'softmax' | 'relevancy'
/** A request's texts: text queries, each on its own, or one set of labels (argmax). */
export type ScoreKind = 'text' | 'labels'

/** The run querier's scoring settings (from `config.resolved.yaml`; `plaf view --mode/--threshold` change them). */
export interface ViewerScoring {
  mode: ScoreMode
  /** A fixed score (in the mode's units) or `auto`: Otsu's threshold, as the querier computes it. */
  threshold: number | 'auto'
  /** Softmax temperature of the softmax and relevancy modes. */
  temperature: number
  /** Negative phrases of the relevancy mode. */
  negatives: string[]
  /** The run's queries: in softmax mode a text competes with these. */
  queries: string[]
  /**
   * Where `threshold` comes from: `run` (the run querier's own), or the text of what replaced it
   * (`--threshold 0.3` of plaf view, `the export options` of exportPage). The page labels the
   * starting threshold with it (thresholdSource).
   */
  thresholdFrom: string
  /** Where `mode` comes from, likewise: `run` or e.g. `--mode softmax`. */
  modeFrom: string
  /** The run querier's own mode and threshold, whatever `mode` and `threshold` were set to. */
  querier: { mode: ScoreMode; threshold: number | 'auto' }
}

/** What the page calls the starting fixed threshold: "the run's", or the flag that set it ("--threshold 0.3"). */
export function thresholdSource(s: Pick<ViewerScoring, 'thresholdFrom'>): string {
  return s.thresholdFrom === 'run' ? "the run's" : s.thresholdFrom
}

/** The page's line about scoring: the run querier's own settings, then what replaced them for this view. */
export function scoringSummary(s: ViewerScoring): string {
  const replaced = [s.modeFrom, s.thresholdFrom].filter((f) => f !== 'run')
  return `the run's querier: ${s.querier.mode}, threshold ${s.querier.threshold}` + (replaced.length ? `; this view starts from ${replaced.join(' ')}` : '')
}

/** Scores of one or more texts over a table's rows (pool rows, or one frame's mask rows). */
export interface ScoresReply {
  texts: string[]
  kind: ScoreKind
  mode: ScoreMode
  /** Per text, base64 of one float32 score per row (little-endian); NaN for a row with an all-zero feature. */
  scores: string[]
  /** Per text, the highest score (null when no row has one). */
  best: (number | null)[]
  /**
   * Otsu's threshold of the scores (the querier's `auto`): per text, or for labels one value over
   * each row's best label score; rows weighted by their points (pool) or pixels (a frame's masks).
   * null when fewer than two distinct scores.
   */
  auto: (number | null)[]
  /** Softmax: the texts a text competed with (the run's queries); relevancy: the negatives; cosine: none. */
  against: string[]
  /** The request's `threshold=`, checked (a number in [-1, 1] or auto, else 400) and echoed; absent when not given. */
  threshold?: number | 'auto'
}

/** Decodes one base64 float32 score list (browser and Node: atob). */
export function decodeScores(b64: string): Float32Array {
  const bin = atob(b64)
  const buf = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i)
  return new Float32Array(buf.buffer)
}

/** What an exported page was made with (stated on the page). */
export interface ExportInfo {
  mode: ScoreMode
  threshold: number | 'auto'
  /** Frame thumbnails: how many, their width, their bytes in the page and the budget they had to fit. */
  frames: { shown: number; of: number; width: number; bytes: number; budget: number }
}

/**
 * A warning about the run that the page shows in a banner at its top: PLAF_RANDOM_WEIGHTS for each
 * contract model with random weights the run's manifest.json records (the text `plaf run`, `plaf
 * query` and `plaf view` print on stderr), PLAF_INPUT_INVALID when the run holds only part of its
 * input's frames (a shard, a merge that left shards out); no file path, so an exported page carries none.
 */
export interface ViewerWarning {
  code: string
  message: string
  hint?: string
}

/** What the page needs to know about the run (`/api/info`, or inlined in an exported page). */
export interface ViewerInfo {
  run: string
  /** Warnings about the run's results (empty for most runs); the page shows each in its top banner. */
  warnings: ViewerWarning[]
  points: number
  /** Points sent to the page (fewer than `points` in an exported page, by `--max-points`). */
  pointsShown: number
  poolRows: number
  space: string
  encoder: string
  /** The run querier's scoring (the page's defaults). */
  scoring: ViewerScoring
  /** The run querier's queries and labels, offered as examples. */
  queries: string[]
  labels: string[]
  /** True in an exported page: only the precomputed queries exist, frames only as thumbnails. */
  exported: boolean
  /** In an exported page: its mode, threshold and thumbnail budget. */
  export?: ExportInfo
  frames: FrameInfo[]
  /** False while the server still walks the input for the camera path. */
  framesComplete: boolean
  /** Why the walk stopped early (the input's files moved or broke), when it did. */
  framesError?: string
  /** Why no frame has a 2D mask map, when none has (e.g. the pipeline has no storage2d stage). */
  frames2d?: string
}

/** A frame on the camera path. */
export interface FrameInfo {
  id: string
  /** Camera-to-world pose, row-major 4×4, or null when the input marks it invalid. */
  pose: number[] | null
  /** True when the run stored this frame's 2D memory (its mask map and overlay can be shown). */
  stored: boolean
  /** In an exported page: true when the page holds this frame's thumbnail. */
  thumbnail?: boolean
}

/** A frame thumbnail inlined in an exported page: image, id map and the mask scores of the precomputed texts. */
export interface ExportedFrame {
  id: string
  width: number
  height: number
  /** `data:image/png;base64,…` of the frame's image at the thumbnail size. */
  image: string
  /** base64 of the u16 id map at the thumbnail size (nearest), deflate-raw compressed. */
  ids: string
  queries: ScoresReply | null
  labels: ScoresReply | null
}

/** The data inlined in an exported page (`<script id="plaf-data" type="application/json">`). */
export interface ExportedData {
  info: ViewerInfo
  /** Base64 of the points payload (layout above), subsampled. */
  points: string
  /** Pool scores of the precomputed texts, and of the labels. */
  queries: ScoresReply | null
  labels: ScoresReply | null
  frames: ExportedFrame[]
}
