import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { ModelStore, type ModelManifest, type PullProgress } from '../../src/index.js'
import { stallSeconds } from '../../src/models/download.js'
import { acquirePullLock, pullLockFile } from '../../src/models/pull-lock.js'
import { serveHub, tempDir, writeModelDir, type HubServer, type TempDir } from '../../src/testing/index.js'
import { thrown, tinyFiles, tinyManifest } from './model-fixtures.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup(): Promise<{ hub: HubServer; store: ModelStore; manifest: ModelManifest; home: string }> {
  const t: TempDir = tempDir('hub')
  cleanups.push(() => t.cleanup())
  const manifest = writeModelDir(t.path('root', 'tiny-radio'), tinyManifest(), tinyFiles())
  const hub = await serveHub(t.path('root'))
  cleanups.push(() => hub.close())
  return { hub, store: new ModelStore(t.path('home')), manifest, home: t.path('home') }
}

const lockOf = (store: ModelStore): string => pullLockFile(join(store.root, '.incoming'), 'tiny-radio@1.0.0')
/** A pid that ran on this host and has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!
const lockText = (pid: number, host: string): string =>
  JSON.stringify({ pid, host, started_at: '2026-01-01T00:00:00.000Z', proc_start: null, token: 'x', model: 'tiny-radio@1.0.0' })

describe('concurrent pulls of one model into one store', () => {
  it('the second waits for the first, fetches nothing, and verifies the installed model', async () => {
    const { hub, store, home } = await setup()
    // a slow hub: extra/data.bin takes ~0.3 s, so the second pull starts while the first downloads
    hub.faults = { throttle: [{ path: 'extra/data.bin', chunk: 200, everyMs: 20 }] }
    const events: PullProgress[][] = [[], []]
    const first = store.pull('tiny-radio', { hub: hub.url, onProgress: (e) => events[0]!.push(e) })
    await new Promise((r) => setTimeout(r, 100))
    const second = new ModelStore(home).pull('tiny-radio', { hub: hub.url, onProgress: (e) => events[1]!.push(e) })
    const [a, b] = await Promise.all([first, second])
    expect(a).toMatchObject({ upToDate: false, fetchedFiles: 2 })
    expect(a.waitedFor).toBeUndefined()
    expect(b).toMatchObject({ upToDate: true, fetchedFiles: 0, fetchedBytes: 0 })
    expect(b.waitedFor).toMatch(new RegExp(`^pid ${process.pid} on ${hostname()}, since `))
    const waiting = events[1]!.filter((e) => e.phase === 'waiting')
    expect(waiting).toHaveLength(1)
    expect(waiting[0]!.note).toMatch(new RegExp(`^waiting for another pull of tiny-radio@1\\.0\\.0 \\(pid ${process.pid} on `))
    expect(events[1]!.filter((e) => e.phase === 'file')).toEqual([])
    // one download of each file: the second pull only read the manifest
    expect(hub.requests.filter((q) => q.file === 'extra/data.bin')).toHaveLength(1)
    expect(hub.bytesSent('extra/data.bin')).toBe(3000)
    expect((await store.verify('tiny-radio'))[0]!.diagnostics).toEqual([])
    expect(existsSync(lockOf(store))).toBe(false)
    expect(store.partials()).toEqual([])
  })

  it('two processes pulling at once both succeed with one download', async () => {
    const { hub, home } = await setup()
    hub.faults = { throttle: [{ path: 'extra/data.bin', chunk: 300, everyMs: 30 }] }
    // the built package, as the other child-process tests use it
    const core = pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'index.js')).href
    const script = `import { ModelStore } from ${JSON.stringify(core)}
const r = await new ModelStore(process.argv[1]).pull('tiny-radio', { hub: process.argv[2] })
console.log(JSON.stringify({ upToDate: r.upToDate, fetchedFiles: r.fetchedFiles, waited: !!r.waitedFor }))`
    const run = () => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const p = spawn(process.execPath, ['--input-type=module', '-e', script, home, hub.url], { stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      let err = ''
      p.stdout.on('data', (d: Buffer) => (out += d))
      p.stderr.on('data', (d: Buffer) => (err += d))
      p.on('close', (code) => resolve({ code, out, err }))
    })
    const results = await Promise.all([run(), new Promise((r) => setTimeout(r, 300)).then(run)])
    expect(results.map((r) => [r.code, r.err])).toEqual([[0, ''], [0, '']])
    const parsed = results.map((r) => JSON.parse(r.out) as { upToDate: boolean; fetchedFiles: number; waited: boolean })
    expect(parsed.filter((p) => !p.upToDate && p.fetchedFiles === 2)).toHaveLength(1)
    expect(parsed.filter((p) => p.upToDate && p.fetchedFiles === 0)).toHaveLength(1)
    expect(hub.requests.filter((q) => q.file === 'extra/data.bin')).toHaveLength(1)
    expect((await new ModelStore(home).verify('tiny-radio'))[0]!.diagnostics).toEqual([])
  }, 30_000)

  it('a lock left by a dead process on this host is taken over without waiting', async () => {
    const { hub, store } = await setup()
    mkdirSync(join(store.root, '.incoming'), { recursive: true })
    writeFileSync(lockOf(store), lockText(deadPid(), hostname()))
    const events: PullProgress[] = []
    const r = await store.pull('tiny-radio', { hub: hub.url, onProgress: (e) => events.push(e) })
    expect(r).toMatchObject({ upToDate: false, fetchedFiles: 2 })
    expect(events.filter((e) => e.phase === 'waiting')).toEqual([])
    expect(existsSync(lockOf(store))).toBe(false)
  })

  it("another host's lock is waited for while it is refreshed, and taken over once it is not", async () => {
    const { store } = await setup()
    const file = lockOf(store)
    mkdirSync(join(store.root, '.incoming'), { recursive: true })
    writeFileSync(file, lockText(1, 'another-host'))
    const waits: unknown[] = []
    const signal = AbortSignal.timeout(300)
    await expect(acquirePullLock(file, 'tiny-radio@1.0.0', { signal, onWait: (h) => waits.push(h), pollMs: 20 })).rejects.toThrow()
    expect(waits).toEqual([expect.objectContaining({ pid: 1, host: 'another-host' })])
    const old = new Date(Date.now() - 120_000)
    utimesSync(file, old, old)
    const lock = await acquirePullLock(file, 'tiny-radio@1.0.0', { pollMs: 20 })
    expect(lock.tookOver).toMatch(/^pid 1 on another-host, since .*: it was not refreshed for 1[12]\d s$/)
    expect(lock.waitedFor).toBeUndefined()
    const mtime = statSync(file).mtimeMs
    lock.release()
    expect(existsSync(file)).toBe(false)
    expect(mtime).toBeGreaterThan(old.getTime())
  })
})

describe('a hub that stops sending', () => {
  it('is dropped after the stall timeout and resumed from the bytes that arrived', async () => {
    const { hub, store } = await setup()
    hub.faults = { stall: [{ path: 'extra/data.bin', afterBytes: 1200 }] }
    const events: PullProgress[] = []
    const r = await store.pull('tiny-radio', { hub: hub.url, stallSeconds: 0.3, onProgress: (e) => events.push(e) })
    expect(r.fetchedFiles).toBe(2)
    expect(hub.requests.filter((q) => q.file === 'extra/data.bin').map((q) => [q.rangeStart, q.bytesSent])).toEqual([[undefined, 1200], [1200, 1800]])
    const data = events.filter((e) => e.file === 'extra/data.bin')
    // progress counted the bytes that arrived before the stall
    expect(data.some((e) => e.phase === 'file' && e.received === 1200)).toBe(true)
    expect(data.filter((e) => e.phase === 'retry').map((e) => [e.received, e.note])).toEqual([
      [1200, 'the hub stopped sending extra/data.bin after 1200 of 3000 bytes (no data for 0.3 s); resuming, attempt 2 of 4'],
    ])
    expect((await store.verify('tiny-radio'))[0]!.diagnostics).toEqual([])
  })

  it('stalling on every attempt is PLAF_DOWNLOAD_FAILED saying so, and the part is kept', async () => {
    const { hub, store } = await setup()
    hub.faults = { stall: [{ path: 'extra/data.bin', afterBytes: 1200, times: 2 }] }
    const started = Date.now()
    expect(await thrown(store.pull('tiny-radio', { hub: hub.url, stallSeconds: 0.2, retries: 1 }))).toEqual([{
      code: 'PLAF_DOWNLOAD_FAILED', severity: 'error',
      message: 'the hub stopped sending extra/data.bin (model tiny-radio@1.0.0) after 1200 of 3000 bytes (no data for 0.2 s), 2 attempts',
      expected: '3000 bytes', actual: '1200 bytes (no data for 0.2 s)',
      hint: 'the hub or the network hangs; run the pull again later (the partial file is kept and resumed), or raise PLAF_HUB_STALL_SECONDS on a slow link',
    }])
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(store.partials()).toEqual([expect.objectContaining({ ref: 'tiny-radio@1.0.0', bytes: tinyFiles()['onnx/vision.onnx']!.byteLength + 1200 })])
    expect(existsSync(lockOf(store))).toBe(false)
  })

  it('PLAF_HUB_STALL_SECONDS sets the timeout; a bad value is PLAF_INVALID_OPTION', async () => {
    expect(stallSeconds({})).toBe(30)
    expect(stallSeconds({ PLAF_HUB_STALL_SECONDS: '2.5' })).toBe(2.5)
    const { hub, store } = await setup()
    expect((await thrown(store.pull('tiny-radio', { hub: hub.url, stallSeconds: 0 })))[0]).toMatchObject({ code: 'PLAF_INVALID_OPTION', path: 'stallSeconds' })
    // refused before any request to the hub
    expect(hub.requests).toEqual([])
    expect(await thrown(() => stallSeconds({ PLAF_HUB_STALL_SECONDS: 'soon' }))).toEqual([expect.objectContaining({
      code: 'PLAF_INVALID_OPTION', message: 'PLAF_HUB_STALL_SECONDS=soon is not a positive number of seconds', path: 'PLAF_HUB_STALL_SECONDS',
    })])
  })
})

describe('partial downloads', () => {
  it('are listed with their bytes and removed by remove(name); one a live pull holds is kept', async () => {
    const { hub, store } = await setup()
    hub.faults = { drop: [{ path: 'extra/data.bin', afterBytes: 1200, times: 2 }] }
    await thrown(store.pull('tiny-radio', { hub: hub.url, retries: 1 }))
    const visionBytes = tinyFiles()['onnx/vision.onnx']!.byteLength
    const dir = join(store.root, '.incoming', 'pull-tiny-radio@1.0.0')
    expect(store.partials()).toEqual([{ ref: 'tiny-radio@1.0.0', dir, bytes: visionBytes + 1200 }])
    expect(store.partials('other')).toEqual([])
    // while a pull holds the lock, the partial is named active and not removed
    const lock = await acquirePullLock(lockOf(store), 'tiny-radio@1.0.0')
    expect(store.partials()[0]!.activeBy).toMatch(new RegExp(`^pid ${process.pid} on `))
    const kept = store.remove('tiny-radio')
    expect(kept.busy?.map((p) => p.ref)).toEqual(['tiny-radio@1.0.0'])
    expect(kept.partials).toBeUndefined()
    expect(existsSync(dir)).toBe(true)
    lock.release()
    const removed = store.remove('tiny-radio')
    expect([...removed]).toEqual([])
    expect(removed.partials?.map((p) => [p.ref, p.bytes])).toEqual([['tiny-radio@1.0.0', visionBytes + 1200]])
    expect(existsSync(dir)).toBe(false)
    expect(store.partials()).toEqual([])
    expect(existsSync(lockOf(store))).toBe(false)
    // nothing left of that name: PLAF_MODEL_MISSING as before
    expect((await thrown(() => store.remove('tiny-radio')))[0]!.code).toBe('PLAF_MODEL_MISSING')
  })
})
