import { afterEach, describe, expect, it } from 'vitest'
import { serveHub, tempDir, type HubServer, type TempDir } from '../../src/testing/index.js'

const open: (HubServer | TempDir)[] = []
afterEach(async () => {
  for (const x of open.splice(0)) await ('close' in x ? x.close() : x.cleanup())
})

async function hub(): Promise<HubServer> {
  const t = tempDir('hub', { 'org/model/a.bin': '0123456789', 'org/model@v2/a.bin': 'version two' })
  open.push(t)
  const h = await serveHub(t.dir)
  open.push(h)
  return h
}
const get = async (url: string, headers: Record<string, string> = {}) => {
  const r = await fetch(url, { headers: { 'Accept-Encoding': 'identity', ...headers } })
  return { status: r.status, range: r.headers.get('content-range'), body: await r.text() }
}

describe('serveHub', () => {
  it('serves {repo}/resolve/{revision}/{path}, a {repo}@{revision} folder for that revision, ranges, and counts bytes', async () => {
    const h = await hub()
    expect(await get(`${h.url}/org/model/resolve/main/a.bin`)).toEqual({ status: 200, range: null, body: '0123456789' })
    expect(await get(`${h.url}/org/model/resolve/v2/a.bin`)).toEqual({ status: 200, range: null, body: 'version two' })
    expect(await get(`${h.url}/org/model/resolve/main/a.bin`, { Range: 'bytes=4-' })).toEqual({ status: 206, range: 'bytes 4-9/10', body: '456789' })
    expect(await get(`${h.url}/org/model/resolve/main/a.bin`, { Range: 'bytes=10-' })).toEqual({ status: 416, range: 'bytes */10', body: '' })
    expect((await get(`${h.url}/org/model/resolve/main/b.bin`)).status).toBe(404)
    expect(h.requests.map((r) => [r.repo, r.revision, r.file, r.status, r.rangeStart, r.bytesSent])).toEqual([
      ['org/model', 'main', 'a.bin', 200, undefined, 10],
      ['org/model', 'v2', 'a.bin', 200, undefined, 11],
      ['org/model', 'main', 'a.bin', 206, 4, 6],
      ['org/model', 'main', 'a.bin', 416, 10, 0],
      ['org/model', 'main', 'b.bin', 404, undefined, 15],
    ])
    expect(h.bytesSent('a.bin')).toBe(27)
  })

  it('injects 404, 500, truncation, other content and a dropped connection (once by default)', async () => {
    const h = await hub()
    const url = `${h.url}/org/model/resolve/main/a.bin`
    h.faults = { notFound: ['a.bin'] }
    expect((await get(url)).status).toBe(404)
    h.faults = { serverError: ['org/model/a.bin'] }
    expect((await get(url)).status).toBe(500)
    h.faults = { truncate: [{ path: 'a.bin', bytes: 3 }] }
    expect(await get(url)).toEqual({ status: 200, range: null, body: '012' })
    h.faults = { replace: [{ path: 'a.bin', content: 'abcdefghij' }] }
    expect((await get(url)).body).toBe('abcdefghij')
    h.faults = { drop: [{ path: 'a.bin', afterBytes: 4 }] }
    await expect(get(url)).rejects.toThrow()
    expect(h.requests.at(-1)!.bytesSent).toBe(4)
    expect((await get(url)).body).toBe('0123456789')
  })
})
