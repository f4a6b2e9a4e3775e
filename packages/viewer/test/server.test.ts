import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cosineScores } from '../src/score.js'
import { startViewer, type ViewerServer } from '../src/server.js'
import { decodeIds, decodePoints } from '../src/wire.js'
import { fixtureData } from './fixture.js'

const fx = fixtureData()
let server: ViewerServer

beforeAll(async () => {
  server = await startViewer(fx.data, { port: 0 })
})
afterAll(async () => {
  await server.close()
  fx.cleanup()
})

const arrayBuffer = (b: Buffer): ArrayBuffer => new Uint8Array(b).buffer

/** A raw GET: the path goes out exactly as written (fetch would normalise `..` away). */
function get(path: string, host = `127.0.0.1:${server.port}`, method = 'GET'): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers: { host } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => ok({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }))
    })
    req.on('error', fail)
    req.end()
  })
}

describe('startViewer', () => {
  it('binds 127.0.0.1 by default and serves the page with its bundled script', async () => {
    expect(server.host).toBe('127.0.0.1')
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`)
    const page = await get('/')
    expect(page.status).toBe(200)
    expect(page.body.toString()).toContain('<script src="/assets/viewer.js"></script>')
    const js = await get('/assets/viewer.js')
    expect(js.status).toBe(200)
    expect(js.type).toMatch(/javascript/)
    expect(js.body.length).toBeGreaterThan(100_000) // three.js is inside: nothing is fetched from elsewhere
  })

  it('serves the points as binary: positions, colours and refs exactly', async () => {
    const r = await get('/api/points.bin')
    expect(r.type).toBe('application/octet-stream')
    const p = decodePoints(arrayBuffer(r.body))
    expect(p.poolRows).toBe(3)
    expect(Array.from(p.positions)).toEqual(Array.from(fx.data.map.positions))
    expect(Array.from(p.colors)).toEqual(Array.from(fx.data.map.colors))
    expect(Array.from(p.refs)).toEqual([0, 0, 1, 1, 2, 0])
  })

  it('scores texts over the pool with the run\'s encoder: cosines per row, null for a row without a feature', async () => {
    const r = JSON.parse((await get('/api/query?q=red&q=purple')).body.toString())
    expect(r.texts).toEqual(['red', 'purple'])
    expect(r.scores[0]).toEqual([1, 0, null])
    expect(r.scores[1][0]).toBeCloseTo(Math.SQRT1_2, 4)
    expect(r.best).toEqual([1, 0.7071])
    const direct = cosineScores(fx.data.pool, Float32Array.of(1, 1), 1)
    expect(r.scores[1][1]).toBeCloseTo(direct[1], 4)
    expect((await get('/api/query')).status).toBe(400)
  })

  it('serves a stored frame\'s image, id map and mask scores; an unknown frame is 404', async () => {
    expect((await get('/api/frame/000000/image.png')).type).toBe('image/png')
    const ids = await get('/api/frame/000000/ids.bin')
    const d = decodeIds(arrayBuffer(ids.body))
    expect([d.width, d.height, Array.from(d.ids)]).toEqual([4, 2, [0, 1, 1, 2, 0, 1, 2, 2]])
    const q = JSON.parse((await get('/api/frame/000000/query?q=blue')).body.toString())
    expect(q.scores).toEqual([[null, 0, 1]])
    expect((await get('/api/frame/000999/image.png')).status).toBe(404)
  })

  it('serves files of the run directory, and nothing outside it: traversal in any encoding, symlinks out', async () => {
    expect((await get('/run/report.md')).body.toString()).toBe('# report\n')
    expect((await get('/run/sub/a.json')).status).toBe(200)
    for (const path of [
      '/run/../secret.txt', '/run/sub/../../secret.txt', '/run/%2e%2e/secret.txt', '/run/%2E%2E%2Fsecret.txt', '/run/%252e%252e/secret.txt',
      '/run/..%5csecret.txt', '/run/sub%2f..%2f..%2fsecret.txt', '/assets/../../secret.txt', '/run/%25252e%25252e/secret.txt', '/run/%zz',
    ]) {
      const r = await get(path)
      expect(r.status, path).toBe(400)
      expect(r.body.toString()).not.toContain('secret')
    }
    const link = await get('/run/link.txt')
    expect(link.status).toBe(403)
    expect(link.body.toString()).not.toMatch(/^secret/)
    expect((await get('/run/missing.txt')).status).toBe(404)
    expect((await get('/etc/passwd')).status).toBe(404)
    expect((await get('/run/sub')).status).toBe(404) // a folder is not a file
  })

  it('refuses a wrong Host header (DNS rebinding) and methods other than GET and HEAD', async () => {
    const bad = await get('/api/info', `evil.example:${server.port}`)
    expect(bad.status).toBe(403)
    expect(bad.body.toString()).toContain('wrong Host header')
    expect((await get('/api/points.bin', `127.0.0.1:${server.port + 1}`)).status).toBe(403)
    expect((await get('/api/info', `localhost:${server.port}`)).status).toBe(200)
    expect((await get('/api/info', `[::1]:${server.port}`)).status).toBe(200)
    expect((await get('/api/info', `127.0.0.1:${server.port}`, 'POST')).status).toBe(405)
  })

  it('names a port in use', async () => {
    await expect(startViewer(fx.data, { port: server.port })).rejects.toThrow(/port is in use/)
  })
})
