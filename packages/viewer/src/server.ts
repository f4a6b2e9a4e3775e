import { createReadStream, realpathSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, relative, isAbsolute } from 'node:path'
import { PlafError, diagnostic, encodePng } from '@plaf/core'
import { pageAssets } from './assets.js'
import { withWarnings } from './banner.js'
import { hostAllowed, safeSegments } from './request-path.js'
import { frameScores, poolScores, type ViewerData } from './run-data.js'
import { encodeIds, encodePoints, type ScoreKind, type ScoreMode } from './wire.js'

/** Options of {@link startViewer}. */
export interface ViewerServerOptions {
  /** Port to listen on; 0 picks a free one. Default 8080. */
  port?: number
  /** Address to bind; default 127.0.0.1 (only this machine can connect). */
  host?: string
  /**
   * Further host names (or addresses) the server answers to in the Host header, e.g. the machine's
   * name when bound to 0.0.0.0 (`plaf view --allow-host`); others are refused (DNS rebinding).
   */
  allowHosts?: readonly string[]
  /** Where refused and failed requests are logged, one line each (`plaf view`: stderr). */
  log?: (line: string) => void
}

/** A running viewer server. */
export interface ViewerServer {
  url: string
  port: number
  host: string
  close(): Promise<void>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json', '.md': 'text/markdown; charset=utf-8',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.ply': 'application/octet-stream', '.npy': 'application/octet-stream', '.yaml': 'text/yaml; charset=utf-8',
}
const MAX_TEXTS = 64

/** A request error: status and a plain-text reason. */
class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
  res.end(body)
}
const json = (res: ServerResponse, v: unknown) => send(res, 200, 'application/json', JSON.stringify(v))

function textsOf(url: URL): string[] {
  const texts = url.searchParams.getAll('q').map((t) => t.trim()).filter(Boolean)
  if (!texts.length) throw new HttpError(400, 'give at least one text: ?q=<text>')
  if (texts.length > MAX_TEXTS || texts.some((t) => t.length > 500)) throw new HttpError(400, `at most ${MAX_TEXTS} texts of up to 500 characters`)
  return texts
}

const MODES: readonly ScoreMode[] = ['cosine', 'softmax', 'relevancy']

/** `mode=` (default: the run's) and `kind=text|labels` (default text) of a scoring request. */
function scoringOf(url: URL, data: ViewerData): { mode: ScoreMode; kind: ScoreKind } {
  const mode = url.searchParams.get('mode') ?? data.info.scoring.mode
  const kind = url.searchParams.get('kind') ?? 'text'
  if (!MODES.includes(mode as ScoreMode)) throw new HttpError(400, `mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`)
  if (kind !== 'text' && kind !== 'labels') throw new HttpError(400, `kind must be text or labels, got ${JSON.stringify(kind)}`)
  return { mode: mode as ScoreMode, kind }
}

/**
 * `threshold=` of a scoring request, checked (a number in [-1, 1] or auto; 400 otherwise, never
 * ignored) and echoed in the reply; undefined when not given. The page applies thresholds itself.
 */
function thresholdOf(url: URL): number | 'auto' | undefined {
  const raw = url.searchParams.get('threshold')
  if (raw === null) return undefined
  const t = raw.trim()
  if (t === 'auto') return 'auto'
  const v = Number(t)
  if (t === '' || !Number.isFinite(v) || v < -1 || v > 1) throw new HttpError(400, `threshold must be a number in [-1, 1] or auto, got ${JSON.stringify(raw)}`)
  return v
}

/** The reply, with the checked threshold when the request gave one. */
const withThreshold = <T extends object>(reply: T, threshold: number | 'auto' | undefined): T & { threshold?: number | 'auto' } => (threshold === undefined ? reply : { ...reply, threshold })

/**
 * A scoring request's failure caused by what it asked (a text the encoder cannot embed, a mode
 * whose negatives it cannot embed): 400 with the diagnostics' messages and hints; others as they are.
 */
function userError(e: unknown): never {
  if (e instanceof PlafError && e.diagnostics.every((d) => ['PLAF_INVALID_OPTION', 'PLAF_INVALID_OVERRIDE', 'PLAF_INPUT_INVALID'].includes(d.code))) {
    throw new HttpError(400, e.diagnostics.map((d) => `${d.message}${d.hint ? ` (${d.hint})` : ''}`).join('; '))
  }
  throw e
}

/** A file of the run directory: inside it after symlinks are followed, a regular file. */
function runFile(runDir: string, segs: string[]): string {
  const abs = join(runDir, ...segs)
  let real: string
  try {
    real = realpathSync(abs)
  } catch {
    throw new HttpError(404, `no such file in the run: ${segs.join('/')}`)
  }
  const rel = relative(realpathSync(runDir), real)
  if (rel.startsWith('..') || isAbsolute(rel)) throw new HttpError(403, 'outside the run directory')
  if (!statSync(real).isFile()) throw new HttpError(404, `not a file: ${segs.join('/')}`)
  return real
}

/**
 * Serves the viewer for `data`: the page (`/`, with a banner of `data.info.warnings` at its top when there are any), its bundle (`/assets/viewer.js`), the API
 * (`/api/info`, `/api/points.bin`, `/api/query?q=…`, `/api/frame/<id>/{image.png,ids.bin,query}`)
 * and the run's own files under `/run/…`, nothing else. GET and HEAD only; requests whose Host
 * header is not this server (DNS rebinding) get 403, paths that could leave the run directory 400.
 */
export async function startViewer(data: ViewerData, options: ViewerServerOptions = {}): Promise<ViewerServer> {
  const host = options.host ?? '127.0.0.1'
  const allowHosts = options.allowHosts ?? []
  const { html, js } = pageAssets()
  // the run's warnings (random-weight models) in a banner at the top, in the page as served
  const page = withWarnings(html, data.info.warnings).replace('<!--PLAF_SCRIPT-->', '<script src="/assets/viewer.js"></script>')
  const points = encodePoints(data.map.positions, data.map.colors, data.map.refs, data.map.pool.shape[0])
  const frames = new Map<string, Awaited<ReturnType<ViewerData['frame']>> & { png: Uint8Array }>()
  const frameOf = async (id: string) => {
    let f = frames.get(id)
    if (!f) {
      const r = await data.frame(id).catch((e: unknown) => {
        if (e instanceof PlafError && e.diagnostics.some((d) => d.code === 'PLAF_FILE_NOT_FOUND')) throw new HttpError(404, e.message)
        throw e
      })
      f = { ...r, png: encodePng({ ...r.image, channels: 3 }, { fast: true }) }
      frames.set(id, f)
      if (frames.size > 4) frames.delete(frames.keys().next().value!)
    }
    return f
  }
  let port = 0
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, host, port, allowHosts)) {
      const name = /^(\[[^\]]+\]|[^:]+)/.exec(req.headers.host ?? '')?.[1]
      throw new HttpError(403, `wrong Host header ${JSON.stringify(req.headers.host ?? '')}: this server answers to ${[host, ...allowHosts].join(', ')} and loopback names, on port ${port}` +
        (name ? `; to let it answer to ${name} too, start it with --allow-host ${name} (repeatable; other names stay refused against DNS rebinding)` : ''))
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'only GET and HEAD')
    const raw = (req.url ?? '/').split('?')[0]
    const segs = safeSegments(raw)
    if (!segs) throw new HttpError(400, 'path refused: it could leave the served folders')
    const url = new URL(req.url ?? '/', 'http://viewer.invalid')
    const [head, ...rest] = segs
    if (!head || (head === 'index.html' && !rest.length)) return send(res, 200, 'text/html; charset=utf-8', page)
    if (head === 'favicon.ico' && !rest.length) return send(res, 204, 'text/plain', '')
    if (head === 'assets' && rest.join('/') === 'viewer.js') return send(res, 200, 'text/javascript; charset=utf-8', js)
    if (head === 'run' && rest.length) {
      const file = runFile(data.runDir, rest)
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': statSync(file).size, 'x-content-type-options': 'nosniff' })
      if (req.method === 'HEAD') return void res.end()
      return void createReadStream(file).pipe(res)
    }
    if (head !== 'api') throw new HttpError(404, `not found: ${raw}`)
    const route = rest.join('/')
    if (route === 'info') return json(res, data.info)
    if (route === 'points.bin') return send(res, 200, 'application/octet-stream', points)
    if (route === 'query') {
      const texts = textsOf(url)
      const { mode, kind } = scoringOf(url, data)
      const threshold = thresholdOf(url)
      return json(res, withThreshold((await poolScores(data, texts, kind, mode).catch(userError)).reply, threshold))
    }
    if (rest[0] === 'frame' && rest.length === 3) {
      const f = await frameOf(rest[1])
      if (rest[2] === 'image.png') return send(res, 200, 'image/png', f.png)
      if (!f.memory) throw new HttpError(404, `the run stored no 2D memory for frame ${rest[1]}${data.info.frames2d ? `: ${data.info.frames2d}` : ''}`)
      const [h, w] = f.memory.ids.shape
      if (rest[2] === 'ids.bin') return send(res, 200, 'application/octet-stream', encodeIds(f.memory.ids.data, w, h))
      if (rest[2] === 'query') {
        const texts = textsOf(url)
        const { mode, kind } = scoringOf(url, data)
        const threshold = thresholdOf(url)
        return json(res, withThreshold((await frameScores(data, f.memory, texts, kind, mode).catch(userError)).reply, threshold))
      }
    }
    throw new HttpError(404, `not found: ${raw}`)
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500
      const message = e instanceof Error ? e.message : String(e)
      options.log?.(`${req.method ?? 'GET'} ${req.url ?? '/'}: ${status} ${message}`)
      if (!res.headersSent) send(res, status, 'text/plain; charset=utf-8', `${status} ${message}\n`)
      else res.destroy()
    })
  })
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      fail(new PlafError(diagnostic('PLAF_INVALID_OVERRIDE', `cannot listen on ${host}:${options.port ?? 8080}: ${e.code === 'EADDRINUSE' ? 'the port is in use (choose another with --port, or --port 0 for any free one)' : e.message}`, { cause: e })))
    })
    server.listen(options.port ?? 8080, host, () => ok())
  })
  port = (server.address() as AddressInfo).port
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shown}:${port}/`, port, host,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections()
      server.close(() => ok())
    }),
  }
}
