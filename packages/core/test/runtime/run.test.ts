import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PlafError, Registry, resolvePipeline, runPipeline, type ProgressEvent } from '../../src/index.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { files } from '../pipeline/helpers.js'

const registry = new Registry(fixturePlugins)
const pipeline = `name: t
input: { use: flat-frames, with: { frames: 3, size: 8 } }
stages:
  backbone: { use: block-mean, with: { block: 2 } }
  masker: { use: halves }
  count: { use: counter }
runtime: { tensor_backend: reference, cache_dir: cache }
output: { dir: out }
`

async function run(dir: string, overrides: string[] = [], opts: { resume?: boolean; outDir?: string } = {}) {
  const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides })
  expect(r.diagnostics).toEqual([])
  const events: ProgressEvent[] = []
  const res = await runPipeline(r.pipeline!, { cwd: dir, onProgress: (e) => events.push(e), ...opts })
  return { res, events }
}

const listAll = (d: string): string[] => readdirSync(d, { recursive: true, encoding: 'utf8' })

describe('runtime', () => {
  it('writes a complete run directory with config, manifest, report and progress', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const { res, events } = await run(dir)
    const out = join(dir, 'out')
    for (const f of ['config.resolved.yaml', 'manifest.json', 'report.json', 'report.md', 'progress.json']) expect(existsSync(join(out, f)), f).toBe(true)
    expect(listAll(out).filter((f) => f.endsWith('.tmp'))).toEqual([])
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))
    expect(manifest).toMatchObject({ input: { plugin: 'flat-frames', identity: 'flat-frames:3:8', frames: 3 }, tensor_backend: { chosen: 'reference' }, node: process.version })
    expect(manifest.ended_at).toBeTruthy()
    expect(res.report.frames).toEqual({ total: 3, processed: 3, resumed_from: 0 })
    expect(res.report.stages.count.metrics).toEqual({ count_frames: 3, count_masks: 6 })
    expect(res.report.stages.count.frame_metrics['000001']).toEqual({ count_frames: 1, count_masks: 2 })
    expect(res.report.stages.backbone).toMatchObject({ calls: 3, cache_hits: 0, cache_misses: 3 })
    expect(events.map((e) => e.phase)).toEqual(['start', 'frame', 'frame', 'frame', 'finish', 'done'])
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('| backbone | block-mean 1.0.0 | 3 |')
    expect(readFileSync(join(out, 'config.resolved.yaml'), 'utf8')).toContain('scale: 1')
  })

  it('reuses cached backbone outputs when only the masker changes', async () => {
    const dir = files({ 'p.yaml': pipeline })
    await run(dir)
    const { res } = await run(dir, ['stages.masker.with.mode=horizontal'], { outDir: 'out2' })
    expect(res.report.stages.backbone).toMatchObject({ cache_hits: 3, cache_misses: 0, calls: 0 })
    expect(res.report.stages.masker).toMatchObject({ cache_hits: 0, cache_misses: 3 })
    const { res: third } = await run(dir, ['stages.backbone.with.scale=2'], { outDir: 'out3' })
    expect(third.report.stages.backbone.cache_misses).toBe(3)
    // a cache hit reports the figures the original call measured
    expect(third.report.stages.masker).toMatchObject({ cache_hits: 3, calls: 0, metrics: { masks: 6 } })
  })

  it('wraps a stage failure with stage, plugin and frame, and leaves the run resumable', async () => {
    const dir = files({ 'p.yaml': pipeline + '  # failing stage added by --set\n' })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides: ['stages.boom.use=failing', 'stages.boom.with.fail_at=1'], addStages: true })
    const err = await runPipeline(r.pipeline!, { cwd: dir }).catch((e) => e)
    expect(err).toBeInstanceOf(PlafError)
    expect(err.diagnostics[0]).toMatchObject({ code: 'PLAF_STAGE_FAILED', stage: 'boom', plugin: 'failing', frame: '000001', message: 'stage boom (failing) frame 000001: deliberate failure' })
    const out = join(dir, 'out')
    expect(existsSync(join(out, 'report.json'))).toBe(false)
    expect(JSON.parse(readFileSync(join(out, 'progress.json'), 'utf8'))).toMatchObject({ completed: 1, last_frame: '000000', complete: false })
    // resuming with a different configuration is refused
    const mismatch = await runPipeline((await resolvePipeline(join(dir, 'p.yaml'), registry)).pipeline!, { cwd: dir, resume: true }).catch((e) => e)
    // naming the first differing path (as plaf merge does) and what works instead: --overwrite or another --out
    expect(mismatch.diagnostics[0]).toMatchObject({
      code: 'PLAF_RESUME_MISMATCH', path: 'stages.boom',
      message: `cannot resume ${out}: it was started with another configuration: stages.boom is absent now, {"use":"failing","with":{"fail_at":1}} in that run`,
      hint: `add --overwrite instead of --resume to replace that run (its outputs are deleted), or choose another --out for this configuration; to continue that run, resume it with its own configuration (${join(out, 'config.resolved.yaml')})`,
    })
  })

  it('resumes an interrupted run from the last completed frame', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
    // interrupt after the second frame by throwing from the progress callback
    const stop = await runPipeline(r.pipeline!, { cwd: dir, onProgress: (e) => { if (e.phase === 'frame' && e.done === 2) throw new Error('interrupted') } }).catch((e) => e)
    expect(stop.message).toBe('interrupted')
    expect(existsSync(join(dir, 'out', 'report.json'))).toBe(false)
    const { res } = await run(dir, [], { resume: true })
    expect(res.report.frames).toEqual({ total: 3, processed: 3, resumed_from: 2 })
    expect(res.report.stages.backbone).toMatchObject({ cache_hits: 2, cache_misses: 1 })
    expect(res.report.stages.count.metrics).toEqual({ count_frames: 3, count_masks: 6 })
  })

  it('stops between frames when aborted, leaving a resumable run', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
    const abort = new AbortController()
    const err = await runPipeline(r.pipeline!, { cwd: dir, signal: abort.signal, onProgress: (e) => { if (e.done === 1) abort.abort() } }).catch((e) => e)
    expect(err.diagnostics[0]).toMatchObject({ code: 'PLAF_INTERRUPTED', message: expect.stringContaining('interrupted after 1 of 3 frames') })
    expect(listAll(join(dir, 'out')).filter((f) => f.endsWith('.tmp') || f === 'report.json')).toEqual([])
    const { res } = await run(dir, [], { resume: true })
    expect(res.report.frames).toMatchObject({ processed: 3, resumed_from: 1 })
  })
})

describe('what a failed run leaves behind', () => {
  const failAt = (n: number) => ['stages.boom.use=failing', `stages.boom.with.fail_at=${n}`]
  const fail = async (dir: string, overrides: string[], opts: { outDir?: string; resume?: boolean; overwrite?: boolean; signal?: AbortSignal } = {}) => {
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides, addStages: true })
    return (await runPipeline(r.pipeline!, { cwd: dir, ...opts }).catch((e) => e)) as PlafError
  }

  it('removes a run directory it created, with the parents it created, when no frame completed', async () => {
    const dir = files({ 'p.yaml': pipeline, 'runs/keep.txt': 'not ours' })
    const err = await fail(dir, failAt(0), { outDir: 'runs/new/out' })
    expect(err.diagnostics[0]).toMatchObject({ code: 'PLAF_STAGE_FAILED', frame: '000000' })
    expect(err.diagnostics[0].hint).toBe('a bug in the built-in plugin failing: please report it with the command you ran and the stack below') // nothing kept to resume: only whose bug it is
    expect(existsSync(join(dir, 'runs', 'new'))).toBe(false)
    expect(readdirSync(join(dir, 'runs'))).toEqual(['keep.txt'])
  })

  it('removes it when the run stops before the first frame, and does not offer --resume', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const abort = new AbortController()
    abort.abort()
    const err = await fail(dir, [], { signal: abort.signal })
    expect(err.diagnostics[0]).toMatchObject({ code: 'PLAF_INTERRUPTED', message: 'interrupted after 0 of 3 frames; no frame completed, nothing to resume' })
    expect(existsSync(join(dir, 'out'))).toBe(false)
  })

  it('keeps a run directory with completed frames and says --resume continues', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const err = await fail(dir, failAt(2))
    expect(err.diagnostics[0]).toMatchObject({ code: 'PLAF_STAGE_FAILED', message: 'stage boom (failing) frame 000002: deliberate failure' })
    expect(err.diagnostics[0].hint).toBe(`a bug in the built-in plugin failing: please report it with the command you ran and the stack below; 2 completed frames kept in ${join(dir, 'out')}: continue with --resume`)
    expect(err.cause).toBeInstanceOf(Error)
    expect(JSON.parse(readFileSync(join(dir, 'out', 'progress.json'), 'utf8'))).toMatchObject({ completed: 2, complete: false })
  })

  it('never removes a directory that existed before the run', async () => {
    const dir = files({ 'p.yaml': pipeline, 'mine/notes.txt': 'user data' })
    const err = await fail(dir, failAt(0), { outDir: 'mine' })
    expect(err.diagnostics[0].code).toBe('PLAF_STAGE_FAILED')
    expect(readFileSync(join(dir, 'mine', 'notes.txt'), 'utf8')).toBe('user data')
    mkdirSync(join(dir, 'empty'))
    await fail(dir, failAt(0), { outDir: 'empty' })
    expect(existsSync(join(dir, 'empty'))).toBe(true)
  })

  it('a fresh run in a used directory drops the last run\'s progress: --resume cannot continue the earlier run', async () => {
    const dir = files({ 'p.yaml': pipeline })
    await run(dir)
    const earlier = JSON.parse(readFileSync(join(dir, 'out', 'progress.json'), 'utf8'))
    expect(earlier).toMatchObject({ completed: 3, complete: true })
    // another configuration: --overwrite clears the earlier run (without it: run-dir-lock.test.ts)
    const err = await fail(dir, failAt(0), { overwrite: true })
    expect(err.diagnostics[0]).toMatchObject({ code: 'PLAF_STAGE_FAILED', frame: '000000' })
    // the failed run's own progress (0 frames, its configuration) replaced the earlier run's
    const now = JSON.parse(readFileSync(join(dir, 'out', 'progress.json'), 'utf8'))
    expect(now).toMatchObject({ completed: 0, last_frame: null, complete: false })
    expect(now.config_hash).not.toBe(earlier.config_hash)
    // the earlier configuration cannot resume; the failed one resumes from frame 0 (and fails there again)
    expect((await fail(dir, [], { resume: true })).diagnostics[0]).toMatchObject({ code: 'PLAF_RESUME_MISMATCH' })
    expect((await fail(dir, failAt(0), { resume: true })).diagnostics[0]).toMatchObject({ code: 'PLAF_STAGE_FAILED', frame: '000000' })
  })

  it('never removes a resumed run directory, even when the resumed run completes no frame', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const first = new AbortController()
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
    await runPipeline(r.pipeline!, { cwd: dir, signal: first.signal, onProgress: (e) => { if (e.done === 1) first.abort() } }).catch((e) => e)
    const again = new AbortController()
    again.abort()
    const err = await fail(dir, [], { resume: true, signal: again.signal })
    expect(err.diagnostics[0]).toMatchObject({ code: 'PLAF_INTERRUPTED', message: expect.stringContaining('continue with --resume') })
    expect(JSON.parse(readFileSync(join(dir, 'out', 'progress.json'), 'utf8'))).toMatchObject({ completed: 1 })
    const { res } = await run(dir, [], { resume: true })
    expect(res.report.frames).toMatchObject({ processed: 3, resumed_from: 1 })
  })
})
