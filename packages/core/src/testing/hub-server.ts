import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

/** A fault rule matches a file by its path inside the repo (`onnx/vision.onnx`) or by `repo/path`. */
interface FaultRule {
  path: string
}

/** Faults `serveHub` injects; the object is live, so a test may change it between requests. */
export interface HubFaults {
  /** Answer 404 for these files. */
  notFound?: string[]
  /** Answer 500 for these files. */
  serverError?: string[]
  /** Send the headers of the whole file, the body up to byte `afterBytes` of the file, then destroy the socket; for `times` requests (default 1). */
  drop?: (FaultRule & { afterBytes: number; times?: number })[]
  /** Send the headers of the whole file and the body up to byte `afterBytes`, then nothing (socket left open); for `times` requests (default 1). */
  stall?: (FaultRule & { afterBytes: number; times?: number })[]
  /** Send the body in pieces of `chunk` bytes, one every `everyMs` ms (a slow hub). */
  throttle?: (FaultRule & { chunk: number; everyMs: number })[]
  /** Serve only the first `bytes` bytes, as if the file on the hub were that long. */
  truncate?: (FaultRule & { bytes: number })[]
  /** Serve these bytes instead of the file's. */
  replace?: (FaultRule & { content: Uint8Array | string })[]
  /** Answer every Range request with the whole file (200), as some servers do. */
  ignoreRange?: boolean
}

/** One request the hub answered. */
export interface HubRequest {
  /** URL path, e.g. `/tiny/resolve/main/onnx/vision.onnx`. */
  url: string
  repo: string
  revision: string
  /** File path inside the repo. */
  file: string
  /** The Range header's first byte, when the request had one. */
  rangeStart?: number
  status: number
  /** Body bytes written to the socket. */
  bytesSent: number
}

/** A running hub (see `serveHub`). */
export interface HubServer {
  /** Base URL to give `--hub` / `pullModel({ hub })`: `http://127.0.0.1:<port>`. */
  readonly url: string
  readonly port: number
  /** Every request so far, in order. */
  readonly requests: HubRequest[]
  /** Live fault settings. */
  faults: HubFaults
  /** Body bytes sent for `file` (or for everything). */
  bytesSent(file?: string): number
  close(): Promise<void>
}

const matches = <R extends FaultRule>(rules: readonly R[] | undefined, repo: string, file: string): R | undefined =>
  rules?.find((r) => r.path === file || r.path === `${repo}/${file}`)

/**
 * A model hub on 127.0.0.1 (a random free port) laid out like Hugging Face:
 * `GET /{repo}/resolve/{revision}/{path}` serves `{rootDir}/{repo}/{path}`, or
 * `{rootDir}/{repo}@{revision}/{path}` when that folder exists. Supports `Range: bytes=N-` (206
 * with Content-Range; 416 past the end), counts the body bytes it sends per request, and injects
 * the faults in `faults` (404, 500, a connection dropped or stalled after N bytes, a slow body, a
 * truncated or different file). Repos may have slashes (`org/model`). Lay a repo out with `writeModelDir`.
 */
export async function serveHub(rootDir: string, faults: HubFaults = {}): Promise<HubServer> {
  const requests: HubRequest[] = []
  const dropped = new Map<object, number>()
  const state = { faults }
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]!)
    const m = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url)
    const rangeHeader = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
    const entry: HubRequest = { url, repo: m?.[1] ?? '', revision: m?.[2] ?? '', file: m?.[3] ?? '', status: 0, bytesSent: 0 }
    if (rangeHeader) entry.rangeStart = Number(rangeHeader[1])
    requests.push(entry)
    const end = (status: number, body = '') => {
      entry.status = status
      entry.bytesSent = Buffer.byteLength(body)
      res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) })
      res.end(body)
    }
    const f = state.faults
    const { repo, revision, file } = entry
    if (!m || file.split('/').includes('..')) return end(404, 'not found')
    if (matches(f.notFound?.map((path) => ({ path })), repo, file)) return end(404, 'Entry not found')
    if (matches(f.serverError?.map((path) => ({ path })), repo, file)) return end(500, 'internal error')
    const pinned = join(rootDir, `${repo}@${revision}`, file)
    const path = existsSync(join(rootDir, `${repo}@${revision}`)) ? pinned : join(rootDir, repo, file)
    if (!existsSync(path) || !statSync(path).isFile()) return end(404, 'Entry not found')
    const replaced = matches(f.replace, repo, file)
    let body: Buffer = replaced ? Buffer.from(replaced.content) : readFileSync(path)
    const cut = matches(f.truncate, repo, file)
    if (cut) body = body.subarray(0, cut.bytes)
    let start = 0
    const headers: Record<string, string | number> = { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes' }
    if (rangeHeader && !f.ignoreRange) {
      start = Number(rangeHeader[1])
      if (start >= body.length) {
        entry.status = 416
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}`, 'Content-Length': 0 })
        return void res.end()
      }
      headers['Content-Range'] = `bytes ${start}-${body.length - 1}/${body.length}`
    }
    entry.status = start > 0 || (rangeHeader && !f.ignoreRange) ? 206 : 200
    const part = body.subarray(start)
    res.writeHead(entry.status, { ...headers, 'Content-Length': part.length })
    const drop = matches(f.drop, repo, file)
    const dropCount = drop ? (dropped.get(drop) ?? 0) : 0
    if (drop && dropCount < (drop.times ?? 1)) {
      dropped.set(drop, dropCount + 1)
      const sent = part.subarray(0, Math.max(0, drop.afterBytes - start))
      entry.bytesSent = sent.length
      // Flush what is sent, then cut the connection: the client sees a body shorter than Content-Length.
      return void res.write(sent, () => res.socket?.destroy())
    }
    const stall = matches(f.stall, repo, file)
    const stallCount = stall ? (dropped.get(stall) ?? 0) : 0
    if (stall && stallCount < (stall.times ?? 1)) {
      dropped.set(stall, stallCount + 1)
      const sent = part.subarray(0, Math.max(0, stall.afterBytes - start))
      entry.bytesSent = sent.length
      // the response is never ended: the client waits for bytes that never come
      return void res.write(sent)
    }
    const slow = matches(f.throttle, repo, file)
    if (slow) {
      let off = 0
      const next = (): void => {
        if (res.destroyed) return
        const piece = part.subarray(off, off + slow.chunk)
        off += piece.length
        entry.bytesSent += piece.length
        if (off >= part.length) return void res.end(piece)
        res.write(piece)
        setTimeout(next, slow.everyMs)
      }
      return next()
    }
    entry.bytesSent = part.length
    res.end(part)
  }
  const server = createServer(answer)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get faults() {
      return state.faults
    },
    set faults(v: HubFaults) {
      state.faults = v
    },
    bytesSent: (file?: string) => requests.filter((r) => !file || r.file === file).reduce((a, r) => a + r.bytesSent, 0),
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections()
      server.close((e) => (e ? reject(e) : resolve()))
    }),
  }
}
