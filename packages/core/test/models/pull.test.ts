import { existsSync, readdirSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ModelStore, sha256File, type ModelManifest, type PullProgress } from '../../src/index.js'
import { serveHub, tempDir, writeModelDir, type HubServer, type TempDir } from '../../src/testing/index.js'
import { thrown, tinyFiles, tinyManifest } from './model-fixtures.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A hub serving tiny-radio at `<root>/tiny-radio/`, and an empty PLAF_HOME. */
async function setup(): Promise<{ hub: HubServer; store: ModelStore; manifest: ModelManifest; root: string; home: string }> {
  const t: TempDir = tempDir('hub')
  cleanups.push(() => t.cleanup())
  const manifest = writeModelDir(t.path('root', 'tiny-radio'), tinyManifest(), tinyFiles())
  const hub = await serveHub(t.path('root'))
  cleanups.push(() => hub.close())
  return { hub, store: new ModelStore(t.path('home')), manifest, root: t.path('root'), home: t.path('home') }
}


const partsUnder = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.part')) : [])

describe('pull from a hub', () => {
  it('fetches the manifest, then each file, verifies and installs; a second pull fetches nothing', async () => {
    const { hub, store, manifest } = await setup()
    const events: PullProgress[] = []
    const r = await store.pull('tiny-radio', { hub: hub.url, onProgress: (e) => events.push(e) })
    expect(r).toMatchObject({ upToDate: false, fetchedFiles: 2, fetchedBytes: manifest.files[0]!.bytes + 3000 })
    expect(r.model.ref).toBe('tiny-radio@1.0.0')
    expect(hub.requests.map((q) => [q.url, q.status])).toEqual([
      ['/tiny-radio/resolve/main/plaf-model.json', 200],
      ['/tiny-radio/resolve/main/onnx/vision.onnx', 200],
      ['/tiny-radio/resolve/main/extra/data.bin', 200],
    ])
    expect(events.at(-1)).toMatchObject({ phase: 'done', model: 'tiny-radio@1.0.0', totalReceived: r.model.bytes, totalBytes: r.model.bytes })
    expect(events.filter((e) => e.phase === 'file').every((e, i, a) => i === 0 || e.totalReceived >= a[i - 1]!.totalReceived)).toBe(true)
    expect(await sha256File(join(r.model.dir, 'extra', 'data.bin'))).toBe(manifest.files[1]!.sha256)
    expect(partsUnder(store.root)).toEqual([])
    const again = await store.pull('tiny-radio', { hub: hub.url })
    expect(again).toMatchObject({ upToDate: true, fetchedFiles: 0, fetchedBytes: 0 })
    expect(hub.requests).toHaveLength(4)
  })

  it('resumes a dropped connection with a Range request: no byte is fetched twice', async () => {
    const { hub, store } = await setup()
    hub.faults = { drop: [{ path: 'extra/data.bin', afterBytes: 1200 }] }
    const r = await store.pull('tiny-radio', { hub: hub.url })
    expect(r.fetchedFiles).toBe(2)
    expect(hub.requests.filter((q) => q.file === 'extra/data.bin').map(({ status, rangeStart, bytesSent }) => ({ status, rangeStart, bytesSent }))).toEqual([
      { status: 200, rangeStart: undefined, bytesSent: 1200 },
      { status: 206, rangeStart: 1200, bytesSent: 1800 },
    ])
    expect(hub.bytesSent('extra/data.bin')).toBe(3000)
    expect((await store.verify('tiny-radio'))[0]!.diagnostics).toEqual([])
  })

  it('a hub that ignores Range is read from the start again, and the file still verifies', async () => {
    const { hub, store } = await setup()
    hub.faults = { drop: [{ path: 'extra/data.bin', afterBytes: 1200 }], ignoreRange: true }
    await store.pull('tiny-radio', { hub: hub.url })
    expect(hub.requests.filter((q) => q.file === 'extra/data.bin').map(({ status, rangeStart, bytesSent }) => ({ status, rangeStart, bytesSent }))).toEqual([
      { status: 200, rangeStart: undefined, bytesSent: 1200 },
      { status: 200, rangeStart: 1200, bytesSent: 3000 },
    ])
    expect((await store.verify('tiny-radio'))[0]!.diagnostics).toEqual([])
  })

  it('keeps the partial file when every attempt drops, and the next pull resumes it', async () => {
    const { hub, store } = await setup()
    hub.faults = { drop: [{ path: 'extra/data.bin', afterBytes: 1200, times: 2 }] }
    const d = await thrown(store.pull('tiny-radio', { hub: hub.url, retries: 1 }))
    expect(d).toEqual([{
      code: 'PLAF_DOWNLOAD_FAILED', severity: 'error',
      message: 'download of extra/data.bin (model tiny-radio@1.0.0) stopped at 1200 of 3000 bytes after 2 attempts',
      expected: '3000 bytes', actual: '1200 bytes (UND_ERR_SOCKET)', hint: 'run the pull again: the partial file is kept and resumed',
    }])
    const parts = partsUnder(store.root)
    expect(parts).toEqual([join('.incoming', 'pull-tiny-radio@1.0.0', 'extra', 'data.bin.part')])
    expect(statSync(join(store.root, parts[0]!)).size).toBe(1200)
    expect(store.list().models).toEqual([])
    hub.faults = {}
    const r = await store.pull('tiny-radio', { hub: hub.url })
    expect(r.fetchedBytes).toBe(1800)
    expect(hub.requests.filter((q) => q.file === 'extra/data.bin').map((q) => q.rangeStart)).toEqual([undefined, 1200, 1200])
    expect(hub.requests.filter((q) => q.file === 'onnx/vision.onnx')).toHaveLength(1)
    expect(hub.bytesSent('extra/data.bin')).toBe(3000)
    expect(partsUnder(store.root)).toEqual([])
  })

  it('a file whose sha256 differs from the manifest is deleted and named with both hashes', async () => {
    const { hub, store, manifest } = await setup()
    const wrong = new Uint8Array(3000).fill(7)
    hub.faults = { replace: [{ path: 'extra/data.bin', content: wrong }] }
    const { createHash } = await import('node:crypto')
    expect(await thrown(store.pull('tiny-radio', { hub: hub.url }))).toEqual([{
      code: 'PLAF_MODEL_CORRUPT', severity: 'error',
      message: 'downloaded extra/data.bin of model tiny-radio@1.0.0 does not match the sha256 its manifest lists; the download was deleted',
      expected: `sha256 ${manifest.files[1]!.sha256}`, actual: `sha256 ${createHash('sha256').update(wrong).digest('hex')}`,
      hint: 'the hub serves a different file than its plaf-model.json describes; tell whoever publishes the model',
    }])
    expect(partsUnder(store.root)).toEqual([])
    expect(store.list().models).toEqual([])
  })

  it('a truncated file on the hub is refused before its body is read', async () => {
    const { hub, store } = await setup()
    hub.faults = { truncate: [{ path: 'extra/data.bin', bytes: 1000 }] }
    expect(await thrown(store.pull('tiny-radio', { hub: hub.url }))).toEqual([{
      code: 'PLAF_MODEL_CORRUPT', severity: 'error',
      message: 'the hub serves 1000 bytes for extra/data.bin of model tiny-radio@1.0.0, but its manifest lists 3000',
      expected: '3000 bytes', actual: '1000 bytes', hint: 'the file on the hub is truncated or is another file; tell whoever publishes the model',
    }])
    expect(partsUnder(store.root)).toEqual([])
  })

  it('HTTP 404 for the manifest (no such model) and for a file', async () => {
    const { hub, store } = await setup()
    expect(await thrown(store.pull('tiny-radoi', { hub: hub.url }))).toEqual([{
      code: 'PLAF_DOWNLOAD_FAILED', severity: 'error',
      message: `the hub has no model "tiny-radoi" at revision main (no plaf-model.json): ${hub.url}/tiny-radoi/resolve/main/plaf-model.json (HTTP 404 Not Found)`,
      expected: 'HTTP 200', actual: 'HTTP 404 Not Found', hint: 'check the model name (or --repo) and --revision',
    }])
    hub.faults = { notFound: ['onnx/vision.onnx'] }
    expect(await thrown(store.pull('tiny-radio', { hub: hub.url }))).toEqual([{
      code: 'PLAF_DOWNLOAD_FAILED', severity: 'error',
      message: `the hub has no file onnx/vision.onnx of model tiny-radio@1.0.0: ${hub.url}/tiny-radio/resolve/main/onnx/vision.onnx (HTTP 404 Not Found)`,
      expected: 'HTTP 200', actual: 'HTTP 404 Not Found', hint: 'check the model name (or --repo) and --revision',
    }])
  })

  it('HTTP 500', async () => {
    const { hub, store } = await setup()
    hub.faults = { serverError: ['plaf-model.json'] }
    expect(await thrown(store.pull('tiny-radio', { hub: hub.url, revision: 'v1' }))).toEqual([{
      code: 'PLAF_DOWNLOAD_FAILED', severity: 'error',
      message: `the hub answered HTTP 500 Internal Server Error for ${hub.url}/tiny-radio/resolve/v1/plaf-model.json`,
      expected: 'HTTP 200', actual: 'HTTP 500 Internal Server Error', hint: 'the hub failed; try again later (partial downloads are kept and resumed)',
    }])
  })

  it('connection refused on a closed port', async () => {
    const { store } = await setup()
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
    expect(await thrown(store.pull('tiny-radio', { hub: `http://127.0.0.1:${port}` }))).toEqual([{
      code: 'PLAF_DOWNLOAD_FAILED', severity: 'error',
      message: `cannot reach the model hub for http://127.0.0.1:${port}/tiny-radio/resolve/main/plaf-model.json: connection refused`,
      expected: 'a reachable model hub', actual: 'ECONNREFUSED',
      hint: 'check --hub, PLAF_HUB or runtime.hub; without a network, copy the model folder here and run plaf models import <dir>',
    }])
  })

  it('offline mode refuses the network before any request', async () => {
    const { hub, store } = await setup()
    expect(await thrown(store.pull('tiny-radio', { hub: hub.url, offline: 'PLAF_OFFLINE=1' }))).toEqual([{
      code: 'PLAF_OFFLINE', severity: 'error',
      message: 'model "tiny-radio" would be downloaded, but the network is off (PLAF_OFFLINE=1)',
      actual: 'offline', expected: 'network access',
      hint: 'allow it (drop --offline, unset PLAF_OFFLINE, runtime.offline: false), or copy the model folder here and run plaf models import <dir>',
    }])
    expect(hub.requests).toEqual([])
  })

  it('a hub manifest naming a file outside the model folder is refused before any file is fetched', async () => {
    const { hub, store, root } = await setup()
    const parts = tinyManifest()
    parts.graphs.vision!.file = '../escape.onnx'
    writeModelDir(join(root, 'evil'), { ...parts, name: 'evil' }, { '../escape.onnx': new Uint8Array([1, 2, 3]) })
    const file = `${hub.url}/evil/resolve/main/plaf-model.json`
    expect(await thrown(store.pull('evil', { hub: hub.url }))).toEqual([
      {
        code: 'PLAF_MODEL_INVALID', severity: 'error', message: `${file}: files[0].path "../escape.onnx" escapes the model folder: it has a ".." segment`,
        file, path: 'files[0].path', line: 72, column: 15, expected: 'a relative path inside the model folder', actual: '../escape.onnx',
      },
      {
        code: 'PLAF_MODEL_INVALID', severity: 'error', message: `${file}: graphs.vision.file "../escape.onnx" escapes the model folder: it has a ".." segment`,
        file, path: 'graphs.vision.file', line: 16, column: 15, expected: 'a relative path inside the model folder', actual: '../escape.onnx',
      },
    ])
    expect(hub.requests.map((q) => q.file)).toEqual(['plaf-model.json'])
    expect(existsSync(join(store.home, 'escape.onnx'))).toBe(false)
  })
})
