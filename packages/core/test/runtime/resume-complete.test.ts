import { readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Registry, resolvePipeline, runPipeline, type ProgressEvent } from '../../src/index.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { files } from '../pipeline/helpers.js'

const registry = new Registry(fixturePlugins)
const pipeline = `name: t
input: { use: flat-frames, with: { frames: 3, size: 8 } }
stages:
  backbone: { use: block-mean, with: { block: 2 } }
  masker: { use: halves }
  count: { use: counter }
runtime: { tensor_backend: reference, cache: false }
output: { dir: out }
`

async function run(dir: string, opts: { resume?: boolean; overwrite?: boolean } = {}, overrides: string[] = []) {
  const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides })
  expect(r.diagnostics).toEqual([])
  const events: ProgressEvent[] = []
  const res = await runPipeline(r.pipeline!, { cwd: dir, onProgress: (e) => events.push(e), ...opts })
  return { res, events }
}

const snapshot = (out: string) => Object.fromEntries(['report.json', 'report.md', 'manifest.json', 'progress.json', 'config.resolved.yaml'].map((f) => [f, `${readFileSync(join(out, f), 'utf8')}@${statSync(join(out, f)).mtimeMs}`]))

describe('--resume of a run that already completed', () => {
  it('is a no-op: nothing opened, run or rewritten; the finished report and manifest are returned', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const first = await run(dir)
    const out = join(dir, 'out')
    const before = snapshot(out)
    const again = await run(dir, { resume: true })
    expect(again.res.alreadyComplete).toBe(true)
    // not even the input was opened: no progress event at all
    expect(again.events).toEqual([])
    expect(again.res.runDir).toBe(out)
    expect(again.res.report).toEqual(JSON.parse(JSON.stringify(first.res.report)))
    expect(again.res.manifest).toMatchObject({ input: { plugin: 'flat-frames' } })
    expect(snapshot(out)).toEqual(before)
    // a plain rerun (no --resume) still runs it again
    const rerun = await run(dir)
    expect(rerun.res.alreadyComplete).toBeUndefined()
    expect(rerun.events.some((e) => e.phase === 'frame')).toBe(true)
  })

  it('runs again when the finished run has no report left, and refuses another configuration as before', async () => {
    const dir = files({ 'p.yaml': pipeline })
    await run(dir)
    rmSync(join(dir, 'out', 'report.json'))
    const again = await run(dir, { resume: true })
    expect(again.res.alreadyComplete).toBeUndefined()
    expect(again.res.report.frames).toEqual({ total: 3, processed: 3, resumed_from: 0 })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides: ['stages.backbone.with.block=4'] })
    const err = await runPipeline(r.pipeline!, { cwd: dir, resume: true }).catch((e) => e)
    expect(err.diagnostics[0].code).toBe('PLAF_RESUME_MISMATCH')
  })

  it('--resume with --overwrite is still refused, complete or not', async () => {
    const dir = files({ 'p.yaml': pipeline })
    await run(dir)
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
    const err = await runPipeline(r.pipeline!, { cwd: dir, resume: true, overwrite: true }).catch((e) => e)
    expect(err.diagnostics[0]).toMatchObject({ code: 'PLAF_INVALID_OPTION', message: expect.stringContaining('exclude each other') })
  })
})
