import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { PlafError, RUN_LOCK_FILE, type RunLockInfo } from '../../src/index.js'
import { acquireRunLock } from '../../src/runtime/run-lock.js'
import { files } from '../pipeline/helpers.js'

/** The error `link` gives, while set: a file system without hard links (FAT, some network and FUSE mounts). */
const linkFails = vi.hoisted(() => ({ code: null as string | null }))
vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>()
  const linkSync: typeof fs.linkSync = (existing, target) => {
    if (linkFails.code) throw Object.assign(new Error(`${linkFails.code}: link ${String(existing)} -> ${String(target)}`), { code: linkFails.code, syscall: 'link' })
    return fs.linkSync(existing, target)
  }
  return { ...fs, default: { ...fs, linkSync }, linkSync }
})
const noLinks = (code: string): void => void (linkFails.code = code)
const diagnosticOf = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(PlafError)
    return (e as PlafError).diagnostics[0]
  }
  throw new Error('expected a PlafError')
}

const children: number[] = []
afterEach(() => {
  linkFails.code = null
  for (const pid of children.splice(0)) try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
})

describe('the run lock on a file system without hard links', () => {
  it.each(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'])('link failing with %s: the lock is created in place, whole, and still excludes a second run', (code) => {
    const dir = files({})
    noLinks(code)
    const lock = acquireRunLock(dir, '/p.yaml')
    const file = join(dir, RUN_LOCK_FILE)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(lock.info)
    expect(lock.info).toMatchObject({ pid: process.pid, host: hostname(), pipeline: '/p.yaml' })
    expect(readdirSync(dir)).toEqual([RUN_LOCK_FILE]) // no temporary file left
    expect(diagnosticOf(() => acquireRunLock(dir, '/q.yaml'))).toMatchObject({
      code: 'PLAF_RUN_LOCKED', severity: 'error', message: expect.stringContaining(`another run is writing into ${dir}: pid ${process.pid} on ${hostname()}`),
    })
    lock.release()
    expect(existsSync(file)).toBe(false)
    acquireRunLock(dir, '/q.yaml').release()
  })

  it('a stale lock is taken over through the fallback too', () => {
    const dir = files({})
    const dead: RunLockInfo = { pid: 2 ** 22 + 12345, host: hostname(), started_at: '2026-01-02T03:04:05.000Z', proc_start: null, pipeline: '/old.yaml' }
    writeFileSync(join(dir, RUN_LOCK_FILE), JSON.stringify(dead))
    noLinks('EPERM')
    const lock = acquireRunLock(dir, '/p.yaml')
    expect(lock.tookOver).toMatchObject({ code: 'PLAF_RUN_LOCKED', severity: 'warning', message: expect.stringContaining(`process ${dead.pid} is no longer running`) })
    expect(JSON.parse(readFileSync(join(dir, RUN_LOCK_FILE), 'utf8'))).toEqual(lock.info)
    lock.release()
  })

  it('a lock seen before its writer wrote it (created in place, still empty) is waited for, not called foreign', async () => {
    const dir = files({})
    const file = join(dir, RUN_LOCK_FILE)
    writeFileSync(file, '')
    // another process writes the holder 200 ms later, as a run creating its lock in place would
    const holder: RunLockInfo = { pid: process.pid, host: hostname(), started_at: '2026-01-02T03:04:05.000Z', proc_start: null, pipeline: '/other.yaml' }
    // (it says when it is up, so a slow start on a loaded machine does not use up the reader's patience)
    const writer = spawn(process.execPath, ['-e', `console.log('up'); setTimeout(() => require('fs').writeFileSync(${JSON.stringify(file)}, ${JSON.stringify(JSON.stringify(holder))}), 200)`])
    children.push(writer.pid!)
    await new Promise((r) => writer.stdout.once('data', r))
    noLinks('EPERM')
    expect(diagnosticOf(() => acquireRunLock(dir, '/p.yaml'))).toMatchObject({
      code: 'PLAF_RUN_LOCKED', severity: 'error', message: `another run is writing into ${dir}: pid ${process.pid} on ${hostname()}, started 2026-01-02T03:04:05.000Z (/other.yaml)`,
    })
  })

  it('any other link error stays an error', () => {
    const dir = files({})
    noLinks('EIO')
    expect(() => acquireRunLock(dir, '/p.yaml')).toThrow('EIO')
    expect(readdirSync(dir)).toEqual([])
  })
})
