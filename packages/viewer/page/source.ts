import { decodeIds, decodePoints, type PointsPayload, type ScoresReply, type ViewerInfo } from '../src/wire.js'

/** Where the page's data comes from: the `plaf view` server, or data inlined in an exported page. */
export interface DataSource {
  info(): Promise<ViewerInfo>
  points(progress: (fraction: number) => void): Promise<PointsPayload>
  /** Pool scores of texts; null when this source cannot score them (an exported page without them). */
  query(texts: string[]): Promise<ScoresReply | null>
  frameImage(id: string): string
  frameIds(id: string): Promise<{ ids: Uint16Array; width: number; height: number }>
  frameQuery(id: string, texts: string[]): Promise<ScoresReply>
}

async function ok(r: Response): Promise<Response> {
  if (!r.ok) throw new Error(`${r.url}: ${r.status} ${(await r.text()).trim()}`)
  return r
}
const qs = (texts: string[]) => texts.map((t) => `q=${encodeURIComponent(t)}`).join('&')

/** The server's API (same origin). Points stream in chunks into one buffer, with progress. */
export function serverSource(): DataSource {
  return {
    info: async () => (await (await ok(await fetch('/api/info'))).json()) as ViewerInfo,
    async points(progress) {
      const r = await ok(await fetch('/api/points.bin'))
      const total = Number(r.headers.get('content-length') ?? 0)
      if (!r.body || !total) return decodePoints(await r.arrayBuffer())
      const buf = new Uint8Array(total)
      const reader = r.body.getReader()
      let at = 0
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        buf.set(value, at)
        at += value.length
        progress(at / total)
      }
      return decodePoints(buf.buffer)
    },
    query: async (texts) => (await (await ok(await fetch(`/api/query?${qs(texts)}`))).json()) as ScoresReply,
    frameImage: (id) => `/api/frame/${encodeURIComponent(id)}/image.png`,
    frameIds: async (id) => decodeIds(await (await ok(await fetch(`/api/frame/${encodeURIComponent(id)}/ids.bin`))).arrayBuffer()),
    frameQuery: async (id, texts) => (await (await ok(await fetch(`/api/frame/${encodeURIComponent(id)}/query?${qs(texts)}`))).json()) as ScoresReply,
  }
}

/** The inlined data of an exported page (see the package's export.ts): precomputed texts only. */
export interface InlineData {
  info: ViewerInfo
  points: string
  queries: ScoresReply | null
  labels: ScoresReply | null
}

/** A source over inlined data: scores exist only for the texts precomputed at export. */
export function inlineSource(d: InlineData): DataSource {
  const known = new Map<string, { scores: (number | null)[]; best: number | null }>()
  for (const set of [d.queries, d.labels]) set?.texts.forEach((t, i) => known.set(t, { scores: set.scores[i], best: set.best[i] }))
  const noFrames = () => Promise.reject(new Error('an exported page holds no frame images: open the run with plaf view'))
  return {
    info: async () => d.info,
    async points(progress) {
      const bin = atob(d.points)
      const buf = new Uint8Array(bin.length)
      for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i)
      progress(1)
      return decodePoints(buf.buffer)
    },
    async query(texts) {
      if (!texts.every((t) => known.has(t))) return null
      return { texts, scores: texts.map((t) => known.get(t)!.scores), best: texts.map((t) => known.get(t)!.best) }
    },
    frameImage: () => '',
    frameIds: noFrames,
    frameQuery: noFrames,
  }
}
