import { deflateRawSync } from 'node:zlib'
import { encodePng } from '@plaf/core'
import { resizeNearest } from '@plaf/query'
import { inlineScript, pageAssets } from './assets.js'
import { inlineJson, withWarnings } from './banner.js'
import { frameScores, poolScores, type ViewerData } from './run-data.js'
import { evenSubsample } from './score.js'
import { encodePoints, type ExportInfo, type ExportedData, type ExportedFrame, type ScoreKind, type ScoreMode, type ScoresReply } from './wire.js'

/** Width of the frame thumbnails in an exported page (pixels; the height keeps the aspect). */
export const THUMBNAIL_WIDTH = 160
/** Default byte budget of the frame thumbnails in an exported page. */
export const THUMBNAIL_BUDGET = 2_000_000

/** Options of {@link exportPage}. */
export interface ExportOptions {
  /** Text queries to precompute (the page offers only these). Default: the run's queries. */
  texts?: string[]
  /** Label texts to precompute for the argmax view. Default: the run's labels. */
  labels?: string[]
  /** At most this many points (an even subsample of the map). */
  maxPoints: number
  /** Score mode of the page. Default: the run querier's. */
  mode?: ScoreMode
  /** The page's threshold (a score, or auto: Otsu). Default: the run querier's. */
  threshold?: number | 'auto'
  /** At most this many frame thumbnails (evenly spaced over the frames with a stored 2D memory); 0: none. Default 12. */
  frames?: number
  /** Bytes the thumbnails may take in the page at most (images, id maps and mask scores, as inlined). Default 2 MB. */
  frameBudget?: number
}

/** Area-average downscale of an RGB image to w×h. */
function shrinkRgb(src: Uint8Array, W: number, H: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3)
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor((y * H) / h), y1 = Math.max(y0 + 1, Math.floor(((y + 1) * H) / h))
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * W) / w), x1 = Math.max(x0 + 1, Math.floor(((x + 1) * W) / w))
      let r = 0, g = 0, b = 0
      for (let yy = y0; yy < y1; yy++) {
        for (let xx = x0; xx < x1; xx++) {
          const i = 3 * (yy * W + xx)
          r += src[i]
          g += src[i + 1]
          b += src[i + 2]
        }
      }
      const n = (y1 - y0) * (x1 - x0), o = 3 * (y * w + x)
      out[o] = Math.round(r / n)
      out[o + 1] = Math.round(g / n)
      out[o + 2] = Math.round(b / n)
    }
  }
  return out
}

/** One frame's thumbnail: the image and the id map at the thumbnail size, and the mask scores of the texts at full size. */
async function thumbnail(data: ViewerData, id: string, texts: string[], labels: string[], mode: ScoreMode): Promise<ExportedFrame | null> {
  const f = await data.frame(id)
  if (!f.memory) return null
  const { width: W, height: H } = f.image
  const w = Math.min(THUMBNAIL_WIDTH, W), h = Math.max(1, Math.round((H * w) / W))
  const [ih, iw] = f.memory.ids.shape
  const png = encodePng({ width: w, height: h, channels: 3, data: shrinkRgb(f.image.data, W, H, w, h) })
  const ids = resizeNearest(f.memory.ids.data, iw, ih, w, h)
  const score = async (t: string[], kind: ScoreKind) => (t.length ? (await frameScores(data, f.memory!, t, kind, mode)).reply : null)
  return {
    id, width: w, height: h, image: `data:image/png;base64,${Buffer.from(png).toString('base64')}`,
    ids: deflateRawSync(Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength)).toString('base64'),
    queries: await score(texts, 'text'), labels: await score(labels, 'labels'),
  }
}

/**
 * One self-contained HTML page of the run: the viewer bundle, an even subsample of at most
 * `maxPoints` points (each keeps its ref, so scores still come from the whole pool), the pool
 * scores of the given texts and labels in one score mode (computed here with the run's encoder,
 * with their auto thresholds), and small thumbnails of up to `frames` frames within
 * `frameBudget` bytes, each with its id map and mask scores so the page draws the query's 2D
 * overlay. The run's warnings (`info.warnings`: random-weight models) are a banner at its top,
 * written into the HTML. It opens from disk without a server.
 */
export async function exportPage(data: ViewerData, o: ExportOptions): Promise<{ html: string; points: number; texts: string[]; labels: string[]; mode: ScoreMode; threshold: number | 'auto'; frames: ExportInfo['frames'] }> {
  const { html, js } = pageAssets()
  await data.framesDone.catch(() => {})
  const texts = o.texts?.length ? o.texts : data.info.queries
  const labels = o.labels?.length ? o.labels : data.info.labels
  const mode = o.mode ?? data.info.scoring.mode
  const threshold = o.threshold ?? data.info.scoring.threshold
  const pick = evenSubsample(data.map.refs.length, o.maxPoints)
  const n = pick.length
  const positions = new Float32Array(3 * n)
  const colors = new Uint8Array(3 * n)
  const refs = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    const j = pick[i]
    positions.set(data.map.positions.subarray(3 * j, 3 * j + 3), 3 * i)
    colors.set(data.map.colors.subarray(3 * j, 3 * j + 3), 3 * i)
    refs[i] = data.map.refs[j]
  }
  const score = async (t: string[], kind: ScoreKind): Promise<ScoresReply | null> => (t.length ? (await poolScores(data, t, kind, mode)).reply : null)
  // Thumbnails: evenly spaced over the frames with a 2D memory; as many as the budget holds (sized by the first).
  const budget = o.frameBudget ?? THUMBNAIL_BUDGET
  const stored = data.info.frames.filter((f) => f.stored).map((f) => f.id)
  const want = Math.min(o.frames ?? 12, stored.length)
  const frames: ExportedFrame[] = []
  let bytes = 0
  const size = (f: ExportedFrame) => Buffer.byteLength(JSON.stringify(f))
  if (want > 0 && budget > 0) {
    const first = await thumbnail(data, stored[0], texts, labels, mode)
    const fit = first ? Math.min(want, Math.floor(budget / size(first))) : 0
    for (const i of evenSubsample(stored.length, fit)) {
      const t = i === 0 ? first : await thumbnail(data, stored[i], texts, labels, mode)
      if (!t || bytes + size(t) > budget) continue
      frames.push(t)
      bytes += size(t)
    }
  }
  const shown = new Set(frames.map((f) => f.id))
  const framesInfo = { shown: frames.length, of: data.info.frames.length, width: frames[0]?.width ?? 0, bytes, budget }
  const payload: ExportedData = {
    info: {
      ...data.info,
      scoring: {
        ...data.info.scoring, mode, threshold,
        modeFrom: o.mode === undefined ? data.info.scoring.modeFrom : 'the export options',
        thresholdFrom: o.threshold === undefined ? data.info.scoring.thresholdFrom : 'the export options',
      }, pointsShown: n, exported: true, export: { mode, threshold, frames: framesInfo },
      frames: data.info.frames.map((f) => ({ ...f, stored: shown.has(f.id), thumbnail: shown.has(f.id) })), framesComplete: true,
    },
    points: Buffer.from(encodePoints(positions, colors, refs, data.map.pool.shape[0])).toString('base64'),
    queries: await score(texts, 'text'),
    labels: await score(labels, 'labels'),
    frames,
  }
  const inline = `<script id="plaf-data" type="application/json">${inlineJson(JSON.stringify(payload))}</script>\n<script>${inlineScript(js)}</script>`
  // the run's warnings (random-weight models) in a banner at the top, written into the page itself
  return { html: withWarnings(html, data.info.warnings).replace('<!--PLAF_SCRIPT-->', () => inline), points: n, texts, labels, mode, threshold, frames: framesInfo }
}
