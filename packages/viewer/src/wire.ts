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

/** Scores of one or more texts over a table's rows (pool rows, or one frame's mask rows). */
export interface ScoresReply {
  texts: string[]
  /** Per text, one cosine per row; null for a row with an all-zero feature (no score). */
  scores: (number | null)[][]
  /** Per text, the highest score (null when no row has one). */
  best: (number | null)[]
}

/** What the page needs to know about the run (`/api/info`, or inlined in an exported page). */
export interface ViewerInfo {
  run: string
  points: number
  /** Points sent to the page (fewer than `points` in an exported page, by `--max-points`). */
  pointsShown: number
  poolRows: number
  space: string
  encoder: string
  /** The run querier's threshold (cosine) when it is a number, else 0.5. */
  threshold: number
  /** The run querier's queries and labels, offered as examples. */
  queries: string[]
  labels: string[]
  /** True in an exported page: only the precomputed `precomputed` queries exist, no frames to fetch. */
  exported: boolean
  frames: FrameInfo[]
  /** False while the server still walks the input for the camera path. */
  framesComplete: boolean
  /** Why the walk stopped early (the input's files moved or broke), when it did. */
  framesError?: string
}

/** A frame on the camera path. */
export interface FrameInfo {
  id: string
  /** Camera-to-world pose, row-major 4×4, or null when the input marks it invalid. */
  pose: number[] | null
  /** True when the run stored this frame's 2D memory (its mask map and overlay can be shown). */
  stored: boolean
}
