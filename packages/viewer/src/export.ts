import { inlineScript, pageAssets } from './assets.js'
import type { ViewerData } from './run-data.js'
import { cosineScores, evenSubsample, scoresJson } from './score.js'
import { encodePoints, type ScoresReply, type ViewerInfo } from './wire.js'

/** Options of {@link exportPage}. */
export interface ExportOptions {
  /** Text queries to precompute (the page offers only these). Default: the run's queries. */
  texts?: string[]
  /** Label texts to precompute for the argmax view. Default: the run's labels. */
  labels?: string[]
  /** At most this many points (an even subsample of the map). */
  maxPoints: number
}

/** The data inlined in an exported page (`<script id="plaf-data" type="application/json">`). */
export interface ExportedData {
  info: ViewerInfo
  /** Base64 of the points payload (wire.ts layout), subsampled. */
  points: string
  /** Pool scores of the precomputed texts, and of the labels. */
  queries: ScoresReply | null
  labels: ScoresReply | null
}

/**
 * One self-contained HTML page of the run: the viewer bundle, an even subsample of at most
 * `maxPoints` points (each keeps its ref, so scores still come from the whole pool) and the pool
 * scores of the given texts and labels, computed here with the run's encoder. It opens from disk
 * without a server; frame images are left out (the camera path is kept).
 */
export async function exportPage(data: ViewerData, o: ExportOptions): Promise<{ html: string; points: number; texts: string[]; labels: string[] }> {
  const { html, js } = pageAssets()
  await data.framesDone.catch(() => {})
  const texts = o.texts?.length ? o.texts : data.info.queries
  const labels = o.labels?.length ? o.labels : data.info.labels
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
  const score = async (t: string[]): Promise<ScoresReply | null> =>
    t.length ? { texts: t, ...scoresJson(cosineScores(data.pool, await data.embed(t), t.length), t.length, data.pool.rows) } : null
  const payload: ExportedData = {
    info: { ...data.info, pointsShown: n, exported: true, frames: data.info.frames.map((f) => ({ ...f, stored: false })), framesComplete: true },
    points: Buffer.from(encodePoints(positions, colors, refs, data.pool.rows)).toString('base64'),
    queries: await score(texts),
    labels: await score(labels),
  }
  const inline = `<script id="plaf-data" type="application/json">${inlineScript(JSON.stringify(payload))}</script>\n<script>${inlineScript(js)}</script>`
  return { html: html.replace('<!--PLAF_SCRIPT-->', () => inline), points: n, texts, labels }
}
