import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inflateRawSync } from 'node:zlib'
import { PlafError, decodePng, diagnostic } from '@plaf/core'
import { otsuThreshold } from '@plaf/query'
import { exportPage } from '../src/export.js'
import { startViewer, type ViewerServer } from '../src/server.js'
import { decodeIds, decodePoints, decodeScores, type ExportedData, type ScoresReply } from '../src/wire.js'
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

  const scores = async (path: string): Promise<ScoresReply & { values: number[][] }> => {
    const r = JSON.parse((await get(path)).body.toString()) as ScoresReply
    return { ...r, values: r.scores.map((b) => Array.from(decodeScores(b))) }
  }
  // Float64 oracles of the querier's modes on the fixture: pool rows (2, 0), (0, 3), none; points per row 3, 2, 0.
  const sig = (d: number) => 1 / (1 + Math.exp(d / 0.1))

  it('scores texts over the pool with the run\'s encoder, in the run\'s mode by default: cosines as float32, NaN for a row without a feature', async () => {
    const r = await scores('/api/query?q=red&q=purple')
    expect([r.texts, r.kind, r.mode, r.against]).toEqual([['red', 'purple'], 'text', 'cosine', []])
    expect(r.values[0]).toEqual([1, 0, NaN])
    expect(r.values[1][0]).toBeCloseTo(Math.SQRT1_2, 6)
    expect(r.values[1][1]).toBeCloseTo(Math.SQRT1_2, 6)
    expect(r.best[0]).toBe(1)
    // auto: Otsu over the rows weighted by their points (row 0: 3 points, row 1: 2), the querier's threshold: auto
    expect(r.auto[0]).toBe(otsuThreshold(Float32Array.of(1, 0, 0), Float64Array.of(3, 2, 0)))
    expect(r.auto[0]).toBeGreaterThan(0)
    expect(r.auto[0]).toBeLessThanOrEqual(1)
    expect(r.auto[1]).toBeNull() // one distinct score: not separable
    expect((await get('/api/query')).status).toBe(400)
    expect((await get('/api/query?q=red&mode=dot')).status).toBe(400)
    expect((await get('/api/query?q=red&kind=all')).status).toBe(400)
    // threshold= is checked, never ignored: 400 with the reason, or echoed
    const bad = await get('/api/query?q=red&threshold=abc')
    expect([bad.status, bad.body.toString()]).toEqual([400, '400 threshold must be a number in [-1, 1] or auto, got "abc"\n'])
    expect((await get('/api/query?q=red&threshold=2')).status).toBe(400)
    expect((await get('/api/query?q=red&threshold=')).status).toBe(400)
    expect((await scores('/api/query?q=red&threshold=0.3')).threshold).toBe(0.3)
    expect((await scores('/api/query?q=red&threshold=auto')).threshold).toBe('auto')
    expect('threshold' in (await scores('/api/query?q=red'))).toBe(false)
  })

  it('relevancy: each text against the run\'s negatives (LERF), as the querier computes it', async () => {
    const r = await scores('/api/query?q=red&q=blue&mode=relevancy')
    expect([r.mode, r.against]).toEqual(['relevancy', ['object']])
    // cos(object) = 0.6 with row 0, 0.8 with row 1
    expect(r.values[0][0]).toBeCloseTo(sig(0.6 - 1), 6)
    expect(r.values[0][1]).toBeCloseTo(sig(0.8 - 0), 6)
    expect(r.values[1][0]).toBeCloseTo(sig(0.6 - 0), 6)
    expect(r.values[1][1]).toBeCloseTo(sig(0.8 - 1), 6)
    expect(r.values[0][2]).toBeNaN()
    // Otsu, floored at relevancy's break-even 0.5 as the querier's auto
    expect(r.auto[0]).toBe(Math.max(0.5, otsuThreshold(Float32Array.from(r.values[0].slice(0, 2)), Float64Array.of(3, 2))!))
  })

  it('softmax: a text against the run\'s queries; labels against each other, with one auto threshold over the best label scores', async () => {
    const blue = await scores('/api/query?q=blue&mode=softmax')
    expect(blue.against).toEqual(['red'])
    expect(blue.values[0][0]).toBeCloseTo(1 / (1 + Math.exp(10)), 6) // row 0: blue 0, red 1
    expect(blue.values[0][1]).toBeCloseTo(1 / (1 + Math.exp(-10)), 6)
    // the run's own query competes with the run's other queries: none here, so every row would score 1: refused (as plaf query with one text)
    const alone = await get('/api/query?q=red&mode=softmax')
    expect([alone.status, alone.body.toString()]).toEqual([400, '400 mode softmax scores "red" against the run\'s other queries (red), and there is none besides it: softmax over one text is 1 everywhere, so every point would be selected ' +
      '(use mode cosine (raw scores) or relevancy (against negative phrases); softmax needs a run with at least two queries)\n'])
    const one = await get('/api/query?q=red&kind=labels&mode=softmax')
    expect([one.status, one.body.toString()]).toEqual([400, '400 mode softmax scores each label against the other labels, and there is only one ("red"): softmax over one text is 1 everywhere, so every point would be selected (give at least two labels, or use mode cosine or relevancy)\n'])
    const l = await scores('/api/query?q=red&q=blue&kind=labels&mode=softmax')
    expect(l.kind).toBe('labels')
    expect(l.values[0][0]).toBeCloseTo(1 / (1 + Math.exp(-10)), 6)
    expect(l.values[1][0]).toBeCloseTo(1 / (1 + Math.exp(10)), 6)
    expect(l.auto.length).toBe(1)
    expect(l.auto[0]).toBeNull() // each row's best label scores the same: not separable
  })

  it('serves a stored frame\'s image, id map and mask scores with its own auto threshold (masks weighted by pixels); an unknown frame is 404', async () => {
    const png = await get('/api/frame/000000/image.png')
    expect(png.type).toBe('image/png')
    expect(decodePng(png.body).width).toBe(4)
    const ids = await get('/api/frame/000000/ids.bin')
    const d = decodeIds(arrayBuffer(ids.body))
    expect([d.width, d.height, Array.from(d.ids)]).toEqual([4, 2, [0, 1, 1, 2, 0, 1, 2, 2]])
    const q = await scores('/api/frame/000000/query?q=blue')
    expect(q.values).toEqual([[NaN, 0, 1]])
    expect(q.auto[0]).toBe(otsuThreshold(Float32Array.of(0, 0, 1), Float64Array.of(0, 3, 3)))
    const rel = await scores('/api/frame/000000/query?q=blue&mode=relevancy')
    expect(rel.values[0][2]).toBeCloseTo(sig(0.8 - 1), 6)
    expect((await get('/api/frame/000999/image.png')).status).toBe(404)
  })

  it('a frame without a stored 2D memory: its image, and a 404 naming why there is no mask map', async () => {
    expect((await get('/api/frame/000001/image.png')).status).toBe(200)
    const ids = await get('/api/frame/000001/ids.bin')
    expect(ids.status).toBe(404)
    expect(ids.body.toString()).toContain('stored no 2D memory for frame 000001')
  })

  it('exports a page with the mode and threshold it was made with, and frame thumbnails within the byte budget', async () => {
    const inlined = (html: string) => JSON.parse(/<script id="plaf-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]) as ExportedData
    const r = await exportPage(fx.data, { texts: ['blue'], labels: ['red', 'blue'], maxPoints: 4, mode: 'relevancy', threshold: 'auto' })
    const d = inlined(r.html)
    expect(d.info.export).toEqual({ mode: 'relevancy', threshold: 'auto', frames: { shown: 1, of: 2, width: 4, bytes: r.frames.bytes, budget: 2_000_000 } })
    expect(d.info.scoring.mode).toBe('relevancy')
    expect(d.queries!.mode).toBe('relevancy')
    expect(d.frames.map((f) => f.id)).toEqual(['000000']) // 000001 has no 2D memory: no overlay to show
    const f = d.frames[0]
    expect(Buffer.byteLength(JSON.stringify(f))).toBe(r.frames.bytes)
    expect(decodePng(Buffer.from(f.image.split(',')[1], 'base64')).width).toBe(4)
    expect(Array.from(new Uint16Array(new Uint8Array(inflateRawSync(Buffer.from(f.ids, 'base64'))).buffer))).toEqual([0, 1, 1, 2, 0, 1, 2, 2])
    expect(Array.from(decodeScores(f.queries!.scores[0]))[2]).toBeCloseTo(sig(0.8 - 1), 6)
    expect(f.labels!.texts).toEqual(['red', 'blue'])
    expect(d.info.frames.map((x) => [x.id, x.thumbnail])).toEqual([['000000', true], ['000001', false]])
    // a budget below one thumbnail: none, stated
    const small = inlined((await exportPage(fx.data, { maxPoints: 4, frameBudget: 100 })).html)
    expect([small.frames.length, small.info.export!.frames.budget, small.info.export!.mode, small.info.export!.threshold]).toEqual([0, 100, 'cosine', 0.5])
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

  it('answers names given in allowHosts; a refused Host header says how to allow it', async () => {
    const lines: string[] = []
    const s = await startViewer(fx.data, { port: 0, allowHosts: ['MyHost.local'], log: (l) => lines.push(l) })
    try {
      const at = (host: string) => new Promise<{ status: number; body: string }>((ok, fail) => {
        const req = request({ host: '127.0.0.1', port: s.port, path: '/api/info', headers: { host } }, (res) => {
          let body = ''
          res.on('data', (c: Buffer) => (body += c.toString()))
          res.on('end', () => ok({ status: res.statusCode!, body }))
        })
        req.on('error', fail)
        req.end()
      })
      expect((await at(`myhost.local:${s.port}`)).status).toBe(200)
      const bad = await at(`other.local:${s.port}`)
      const why = `wrong Host header "other.local:${s.port}": this server answers to 127.0.0.1, MyHost.local and loopback names, on port ${s.port}; to let it answer to other.local too, start it with --allow-host other.local (repeatable; other names stay refused against DNS rebinding)`
      expect(bad).toEqual({ status: 403, body: `403 ${why}\n` })
      expect(lines).toEqual([`GET /api/info: 403 ${why}`])
    } finally {
      await s.close()
    }
  })

  it('a text the encoder cannot embed is 400 with its message (logged), not 500', async () => {
    const lines: string[] = []
    const embed = async (texts: string[]) => {
      const t = texts.find((x) => x !== 'red' && x !== 'purple')
      if (t) throw new PlafError(diagnostic('PLAF_INVALID_OPTION', `text "${t}" names no colour`, { actual: t, hint: 'use a colour word' }))
      return fx.data.embed(texts)
    }
    const s = await startViewer({ ...fx.data, embed }, { port: 0, log: (l) => lines.push(l) })
    try {
      const chair = await fetch(`http://127.0.0.1:${s.port}/api/query?q=chair`)
      expect([chair.status, await chair.text()]).toEqual([400, '400 text "chair" names no colour (use a colour word)\n'])
      const rel = await fetch(`http://127.0.0.1:${s.port}/api/query?q=red&mode=relevancy`)
      const why = 'relevancy mode scores each query against the negative phrases (object), and the encoder cannot embed "object": text "object" names no colour ' +
        '(choose negatives the encoder embeds with --negatives <a,b,…> (plaf query, plaf view) or the querier\'s negatives option; use a colour word)'
      expect([rel.status, await rel.text()]).toEqual([400, `400 ${why}\n`])
      expect(lines).toEqual(['GET /api/query?q=chair: 400 text "chair" names no colour (use a colour word)', `GET /api/query?q=red&mode=relevancy: 400 ${why}`])
    } finally {
      await s.close()
    }
  })

  it('names a port in use', async () => {
    await expect(startViewer(fx.data, { port: server.port })).rejects.toThrow(/port is in use/)
  })
})
