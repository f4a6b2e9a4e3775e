import { decodeIds, decodePoints, type ExportedData, type PointsPayload, type ScoreKind, type ScoreMode, type ScoresReply, type ViewerInfo } from '../src/wire.js'

/** Where the page's data comes from: the `plaf view` server, or data inlined in an exported page. */
export interface DataSource {
  info(): Promise<ViewerInfo>
  points(progress: (fraction: number) => void): Promise<PointsPayload>
  /** Pool scores of texts in a mode; null when this source cannot score them (an exported page without them). */
  query(texts: string[], kind: ScoreKind, mode: ScoreMode): Promise<ScoresReply | null>
  frameImage(id: string): string
  frameIds(id: string): Promise<{ ids: Uint16Array; width: number; height: number }>
  /** A frame's mask scores of texts in a mode; null when this source cannot score them. */
  frameQuery(id: string, texts: string[], kind: ScoreKind, mode: ScoreMode): Promise<ScoresReply | null>
}

async function ok(r: Response): Promise<Response> {
  if (!r.ok) throw new Error(`${r.url}: ${r.status} ${(await r.text()).trim()}`)
  return r
}
const qs = (texts: string[], kind: ScoreKind, mode: ScoreMode) => `${texts.map((t) => `q=${encodeURIComponent(t)}`).join('&')}&kind=${kind}&mode=${mode}`

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
    query: async (texts, kind, mode) => (await (await ok(await fetch(`/api/query?${qs(texts, kind, mode)}`))).json()) as ScoresReply,
    frameImage: (id) => `/api/frame/${encodeURIComponent(id)}/image.png`,
    frameIds: async (id) => decodeIds(await (await ok(await fetch(`/api/frame/${encodeURIComponent(id)}/ids.bin`))).arrayBuffer()),
    frameQuery: async (id, texts, kind, mode) => (await (await ok(await fetch(`/api/frame/${encodeURIComponent(id)}/query?${qs(texts, kind, mode)}`))).json()) as ScoresReply,
  }
}

const bytesOf = (b64: string): Uint8Array => {
  const bin = atob(b64)
  const buf = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i)
  return buf
}

/** The replies' texts a request asks for: text queries one by one; labels only as the exported set. */
function subset(r: ScoresReply | null, texts: string[], kind: ScoreKind, mode: ScoreMode): ScoresReply | null {
  if (!r || r.mode !== mode) return null
  if (kind === 'labels') return r.texts.join('\n') === texts.join('\n') ? r : null
  const at = texts.map((t) => r.texts.indexOf(t))
  if (at.some((i) => i < 0)) return null
  return { ...r, texts, scores: at.map((i) => r.scores[i]), best: at.map((i) => r.best[i]), auto: at.map((i) => r.auto[i]) }
}

/** A source over inlined data: scores exist only for the texts and the mode precomputed at export; frames as thumbnails. */
export function inlineSource(d: ExportedData): DataSource {
  const frames = new Map(d.frames.map((f) => [f.id, f]))
  const frame = (id: string) => {
    const f = frames.get(id)
    if (!f) throw new Error(`this exported page holds no thumbnail of frame ${id}`)
    return f
  }
  return {
    info: async () => d.info,
    async points(progress) {
      const buf = bytesOf(d.points)
      progress(1)
      return decodePoints(buf.buffer as ArrayBuffer)
    },
    query: async (texts, kind, mode) => subset(kind === 'labels' ? d.labels : d.queries, texts, kind, mode),
    frameImage: (id) => frame(id).image,
    async frameIds(id) {
      const f = frame(id)
      const inflated = new Response(new Blob([bytesOf(f.ids) as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw')))
      return { ids: new Uint16Array(await inflated.arrayBuffer()), width: f.width, height: f.height }
    },
    frameQuery: async (id, texts, kind, mode) => {
      const f = frame(id)
      return subset(kind === 'labels' ? f.labels : f.queries, texts, kind, mode)
    },
  }
}
