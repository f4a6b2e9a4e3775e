import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { PlafError, RUN_LOCK_FILE, Registry, resolvePipeline, runPipeline, type Diagnostic, type RunLockInfo, type RunOptions } from '../../src/index.js'
import { processStart } from '../../src/runtime/run-lock.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { files } from '../pipeline/helpers.js'

const registry = new Registry(fixturePlugins)
const pipeline = `name: t
input: { use: flat-frames, with: { frames: 2, size: 8 } }
stages:
  backbone: { use: block-mean, with: { block: 2 } }
  masker: { use: halves }
runtime: { tensor_backend: reference, cache_dir: cache }
output: { dir: out }
`

async function start(dir: string, overrides: string[] = [], opts: RunOptions = {}) {
  const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides, addStages: true })
  expect(r.diagnostics).toEqual([])
  return runPipeline(r.pipeline!, { cwd: dir, ...opts })
}
const failure = async (p: Promise<unknown>): Promise<Diagnostic[]> => {
  const e = await p.then(() => null, (x: unknown) => x)
  expect(e).toBeInstanceOf(PlafError)
  return (e as PlafError).diagnostics.map(({ cause: _c, ...d }) => d)
}
const lockOf = (out: string) => join(out, RUN_LOCK_FILE)
const writeLock = (out: string, info: Partial<RunLockInfo>) => {
  mkdirSync(out, { recursive: true })
  const full: RunLockInfo = { pid: process.pid, host: hostname(), started_at: '2026-01-02T03:04:05.000Z', proc_start: null, pipeline: '/elsewhere/p.yaml', ...info }
  writeFileSync(lockOf(out), JSON.stringify(full))
}

const children: number[] = []
afterEach(() => {
  for (const pid of children.splice(0)) process.kill(pid, 'SIGKILL')
})

describe('run directory lock', () => {
  it('refuses a second run into a directory a running run holds, naming the holder; the first completes', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const out = join(dir, 'out')
    let second: Promise<Diagnostic[]> | undefined
    const first = await start(dir, [], {
      // the second run starts while the first is between its start and its first frame
      onProgress: (e) => { if (e.phase === 'start') second = failure(start(dir)) },
    })
    const [d, ...rest] = await second!
    expect(rest).toEqual([])
    const held = `pid ${process.pid} on ${hostname()}, started `
    expect(d).toMatchObject({
      code: 'PLAF_RUN_LOCKED', severity: 'error', file: lockOf(out),
      message: expect.stringMatching(new RegExp(`^another run is writing into ${out}: ${held}\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(${join(dir, 'p.yaml')}\\)$`)),
      actual: expect.stringContaining(held),
      hint: 'wait for it to finish, or choose another --out',
    })
    expect(Object.keys(d).sort()).toEqual(['actual', 'code', 'file', 'hint', 'message', 'severity'])
    expect(first.report.frames.processed).toBe(2)
    // released at the end; the refused run touched nothing
    expect(existsSync(lockOf(out))).toBe(false)
    expect(JSON.parse(readFileSync(join(out, 'progress.json'), 'utf8'))).toMatchObject({ complete: true, completed: 2 })
  })

  it('is refused while another live process holds it, and released after a failed run', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const out = join(dir, 'out')
    const child = spawn('sleep', ['30'], { stdio: 'ignore' })
    children.push(child.pid!)
    writeLock(out, { pid: child.pid!, proc_start: processStart(child.pid!) })
    const [d] = await failure(start(dir))
    expect(d).toEqual({
      code: 'PLAF_RUN_LOCKED', severity: 'error', file: lockOf(out),
      message: `another run is writing into ${out}: pid ${child.pid} on ${hostname()}, started 2026-01-02T03:04:05.000Z (/elsewhere/p.yaml)`,
      actual: `pid ${child.pid} on ${hostname()}, started 2026-01-02T03:04:05.000Z`,
      hint: 'wait for it to finish, or choose another --out',
    })
    expect(readdirSync(out)).toEqual([RUN_LOCK_FILE])
    // a run that fails releases its lock too
    const free = files({ 'p.yaml': pipeline })
    await failure(start(free, ['stages.boom.use=failing', 'stages.boom.with.fail_at=1']))
    expect(existsSync(lockOf(join(free, 'out')))).toBe(false)
  })

  it('takes over the lock of a process that is gone, with a warning in the report', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const out = join(dir, 'out')
    const dead = spawnSync('true').pid!
    writeLock(out, { pid: dead })
    const res = await start(dir)
    const note = res.report.notes.find((n) => n.code === 'PLAF_RUN_LOCKED')
    expect(note).toEqual({
      code: 'PLAF_RUN_LOCKED', severity: 'warning', file: lockOf(out),
      message: `took over the lock of ${out} from an earlier run that ended without releasing it (pid ${dead} on ${hostname()}, started 2026-01-02T03:04:05.000Z): process ${dead} is no longer running`,
      actual: `pid ${dead} on ${hostname()}, started 2026-01-02T03:04:05.000Z`,
    })
    expect(res.report.warnings).toMatchObject({ PLAF_RUN_LOCKED: 1 })
    expect(existsSync(lockOf(out))).toBe(false)
  })

  it('tells a reused process id from the holder by its start time', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const out = join(dir, 'out')
    if (processStart(process.pid) === null) return // no /proc: the start time cannot be compared
    writeLock(out, { pid: process.pid, proc_start: '1' })
    const res = await start(dir)
    expect(res.report.notes.find((n) => n.code === 'PLAF_RUN_LOCKED')?.message).toMatch(new RegExp(`: process id ${process.pid} now belongs to another process$`))
  })

  it('never takes over a lock from another host, and names the file to delete', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const out = join(dir, 'out')
    writeLock(out, { host: 'other-host.example', pid: 1 })
    const [d] = await failure(start(dir))
    expect(d).toEqual({
      code: 'PLAF_RUN_LOCKED', severity: 'error', file: lockOf(out),
      message: `another run is writing into ${out}: pid 1 on other-host.example, started 2026-01-02T03:04:05.000Z (/elsewhere/p.yaml)`,
      actual: 'pid 1 on other-host.example, started 2026-01-02T03:04:05.000Z',
      hint: `the run holding the lock is on another host and cannot be checked from here; if it is no longer running, delete ${lockOf(out)}`,
    })
  })

  it('leaves an unreadable lock file alone and says what to do', async () => {
    const dir = files({ 'p.yaml': pipeline, [`out/${RUN_LOCK_FILE}`]: 'not json' })
    const out = join(dir, 'out')
    expect(await failure(start(dir))).toEqual([{
      code: 'PLAF_RUN_LOCKED', severity: 'error', file: lockOf(out),
      message: `${out} is locked by ${lockOf(out)}, which is not a readable PLAF lock`,
      hint: `if no run is writing into ${out}, delete ${lockOf(out)}`,
    }])
    expect(readFileSync(lockOf(out), 'utf8')).toBe('not json')
  })
})

describe('a run directory holding an earlier run', () => {
  const other = ['stages.backbone.with.block=4']

  it('is refused to a run of another configuration, and left as it was', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const out = join(dir, 'out')
    const first = await start(dir)
    const before = readdirSync(out, { recursive: true }).sort()
    const [d, ...rest] = await failure(start(dir, other))
    expect(rest).toEqual([])
    const started = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).started_at
    expect(d).toEqual({
      code: 'PLAF_RUN_DIR_USED', severity: 'error', file: out,
      message: `${out} holds the outputs of another run (a run of ${join(dir, 'p.yaml')} that started ${started} and finished) with a different configuration; a new run would mix the two`,
      expected: expect.stringMatching(/^[0-9a-f]{12}$/),
      actual: JSON.parse(readFileSync(join(out, 'progress.json'), 'utf8')).config_hash.slice(0, 12),
      hint: 'choose another --out, or add --overwrite to delete that run first',
    })
    expect(d.expected).not.toBe(d.actual)
    expect(readdirSync(out, { recursive: true }).sort()).toEqual(before)
    expect(first.report.complete).toBe(true)
  })

  it('--overwrite clears it first, so nothing of the earlier run remains', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const out = join(dir, 'out')
    await start(dir)
    mkdirSync(join(out, 'masker'))
    writeFileSync(join(out, 'masker', 'left-by-the-first-run.txt'), 'x')
    const res = await start(dir, other, { overwrite: true })
    expect(existsSync(join(out, 'masker'))).toBe(false)
    expect(res.report.notes.filter((n) => n.code === 'PLAF_RUN_DIR_USED')).toEqual([expect.objectContaining({
      severity: 'info', file: out, message: expect.stringMatching(new RegExp(`^--overwrite: cleared ${out}, which held a run of .*p\\.yaml that started .* and finished$`)),
    })])
  })

  it('a rerun of the same configuration replaces it (plaf demo reruns), noting an interrupted run --resume could have continued', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const out = join(dir, 'out')
    await start(dir)
    writeFileSync(join(out, 'left-over.txt'), 'x')
    const again = await start(dir)
    expect(existsSync(join(out, 'left-over.txt'))).toBe(false)
    expect(again.report.notes.find((n) => n.code === 'PLAF_RUN_DIR_USED')?.message).toMatch(/^a rerun of the same configuration: cleared .*, which held a run of .* that started .* and finished$/)
    const abort = new AbortController()
    await failure(start(dir, [], { signal: abort.signal, onProgress: (e) => { if (e.done === 1) abort.abort() } }))
    const third = await start(dir)
    expect(third.report.notes.find((n) => n.code === 'PLAF_RUN_DIR_USED')?.message).toMatch(/that started .* and was interrupted after 1 frame; --resume would have continued it$/)
  })

  it('clearing keeps the runs nested in it (shards, sweep variants)', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const out = join(dir, 'out')
    await start(dir)
    await start(dir, [], { outDir: join('out', 'shard-0-of-2') })
    mkdirSync(join(out, 'queries'))
    writeFileSync(join(out, 'queries', 'old.json'), '{}')
    await start(dir, other, { overwrite: true })
    expect(existsSync(join(out, 'shard-0-of-2', 'report.json'))).toBe(true)
    expect(existsSync(join(out, 'queries'))).toBe(false)
  })

  it('a directory holding no run is never cleared, even with --overwrite', async () => {
    const dir = files({ 'p.yaml': pipeline, 'mine/notes.txt': 'user data' })
    const res = await start(dir, [], { outDir: 'mine', overwrite: true })
    expect(readFileSync(join(dir, 'mine', 'notes.txt'), 'utf8')).toBe('user data')
    expect(res.report.notes.find((n) => n.code === 'PLAF_RUN_DIR_USED')).toMatchObject({
      severity: 'info', message: `--overwrite: ${join(dir, 'mine')} holds no PLAF run (no progress.json or manifest.json), so nothing in it was removed`,
    })
  })

  it('--resume and --overwrite exclude each other', async () => {
    const dir = files({ 'p.yaml': pipeline })
    expect(await failure(start(dir, [], { resume: true, overwrite: true }))).toEqual([{
      code: 'PLAF_INVALID_OPTION', severity: 'error', file: join(dir, 'out'),
      message: '--resume and --overwrite exclude each other: --resume continues the run in the directory, --overwrite deletes it',
    }])
    expect(existsSync(join(dir, 'out'))).toBe(false)
  })
})
