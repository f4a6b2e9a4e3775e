import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { PlafError, Registry, resolvePipeline, runPipeline } from '../../src/index.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { pipeliningPlugins, probe } from '../fixtures/pipelining-plugins.js'
import { files } from '../pipeline/helpers.js'

const registry = new Registry([...fixturePlugins, ...pipeliningPlugins])
const pipeline = (frames = 9) => `name: t
input: { use: counted-frames, with: { frames: ${frames}, size: 8 } }
stages:
  backbone: { use: jitter-backbone }
  masker: { use: spy-masker }
  sink: { use: ledger }
  count: { use: counter }
runtime: { tensor_backend: reference, cache_dir: cache }
output: { dir: out }
`

async function run(dir: string, inFlight: number, opts: { out?: string; resume?: boolean; set?: string[] } = {}) {
  const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides: [`runtime.frames_in_flight=${inFlight}`, ...(opts.set ?? [])] })
  expect(r.diagnostics).toEqual([])
  return runPipeline(r.pipeline!, {
    cwd: dir, outDir: opts.out ?? 'out', resume: opts.resume,
    onProgress: (e) => void (e.phase === 'frame' && probe.completed++),
  })
}

/**
 * Every file under `root` with its bytes, minus what legitimately differs between two runs: times,
 * memory, the temp directory's name, and the `frames_in_flight` setting itself.
 */
function snapshot(root: string, tmp = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const rel of readdirSync(root, { recursive: true, encoding: 'utf8' }).sort()) {
    const f = join(root, rel)
    if (!statSync(f).isFile()) continue
    let text = readFileSync(f).toString('base64')
    if (rel === 'manifest.json') continue // start and end times
    if (rel === 'config.resolved.yaml') text = readFileSync(f, 'utf8').replace(/\n\s*frames_in_flight: \d+/, '').split(tmp || '\0').join('<tmp>')
    if (rel === 'progress.json') text = JSON.stringify({ ...JSON.parse(readFileSync(f, 'utf8')), config_hash: 'x' })
    if (rel === 'report.json' || rel === 'report.md') text = timeless(rel, readFileSync(f, 'utf8'))
    out[rel] = text
  }
  return out
}

/** A report without what is measured in time or memory. */
function timeless(rel: string, text: string): string {
  if (rel === 'report.md') {
    return text
      .replace(/^- wall time: .*$/m, '')
      .replace(/^(\| [^|]+ \| [^|]+ \| \d+ \| )[\d.]+ \| [\d.]+ \| [\d.]+ (\| [^|]+ \| )\d+ \|/gm, '$1$2|')
  }
  const r = JSON.parse(text)
  delete r.wall_ms
  delete r.cpu_ms
  delete r.frames_in_flight
  delete r.peak_rss_mib
  delete r.run_dir
  for (const st of Object.values(r.stages) as Record<string, unknown>[]) for (const k of ['ms_total', 'ms_mean', 'own_ms_total', 'own_ms_mean', 'peak_rss_mib']) delete st[k]
  return JSON.stringify(r)
}

beforeEach(() => probe.reset())

describe('frames in flight', () => {
  it('gives the sequential run byte for byte: outputs, cache, notes and report, with 2 and 4 frames in flight', async () => {
    const dirs = [1, 2, 4].map(() => files({ 'p.yaml': pipeline() }))
    const results = []
    for (const [i, n] of [1, 2, 4].entries()) results.push(await run(dirs[i], n))
    const [seq, ...piped] = dirs.map((d) => ({ out: snapshot(join(d, 'out'), d), cache: snapshot(join(d, 'cache')) }))
    expect(seq.out['report.md']).toContain('| backbone | jitter-backbone 1.0.0 | 9 | | 0/9 | | cells=144 |')
    expect(Object.keys(seq.out)).toContain('sink/000008.txt')
    expect(Object.keys(seq.cache).length).toBe(18) // backbone and masker, 9 frames each
    for (const p of piped) {
      expect(p.out).toEqual(seq.out)
      expect(p.cache).toEqual(seq.cache)
    }
    // the notes come in the sequential order: by frame, then by stage
    const notes = results.map((r) => r.report.notes.map((n) => n.message))
    expect(notes[0].slice(0, 5)).toEqual(['backbone note on 000000', 'masker note on 000001', 'source note before 2', 'backbone note on 000003', 'masker note on 000003'])
    expect(notes[0].at(-1)).toBe('source note after the last frame')
    expect(notes[1]).toEqual(notes[0])
    expect(notes[2]).toEqual(notes[0])
  })

  it('keeps at most N frames read and not completed, and runs the masker beside the backbone', async () => {
    for (const n of [1, 2, 4]) {
      probe.reset()
      await run(files({ 'p.yaml': pipeline() }), n)
      expect(probe.read).toBe(9)
      expect(probe.maxAlive, `frames_in_flight ${n}`).toBe(n) // reached, never exceeded
      if (n === 1) expect(probe.overlaps).toBe(0)
      else expect(probe.overlaps).toBeGreaterThan(0)
    }
  })

  it('stops on a failing frame, names it, completes the frames before it, and resumes to the same result', async () => {
    const dir = files({ 'p.yaml': pipeline(), armed: 'x' })
    const seq = files({ 'p.yaml': pipeline(), armed: 'x' })
    const set = (d: string) => ['stages.sink.with.fail_at=5', `stages.sink.with.trigger=${join(d, 'armed')}`]
    const err = await run(dir, 4, { set: set(dir) }).catch((e) => e)
    expect(err).toBeInstanceOf(PlafError)
    expect(err.diagnostics[0]).toMatchObject({ code: 'PLAF_STAGE_FAILED', stage: 'sink', frame: '000005', message: 'stage sink (ledger) frame 000005: armed failure' })
    expect(err.diagnostics[0].hint).toBe(`a bug in the built-in plugin ledger: please report it with the command you ran and the stack below; 5 completed frames kept in ${join(dir, 'out')}: continue with --resume`)
    expect(JSON.parse(readFileSync(join(dir, 'out', 'progress.json'), 'utf8'))).toMatchObject({ completed: 5, last_frame: '000004', complete: false })
    // what the failed run leaves is what the sequential loop leaves: frames 6 to 8 were in flight
    // (their backbone and masker ran) but left no cache entry; frame 5's stages before the sink did
    const seqErr = await run(seq, 1, { set: set(seq) }).catch((e) => e)
    expect(seqErr.diagnostics).toEqual(err.diagnostics.map((d: object) => ({ ...d, hint: expect.any(String) })))
    expect(snapshot(join(dir, 'cache'))).toEqual(snapshot(join(seq, 'cache')))
    expect(Object.keys(snapshot(join(dir, 'cache')))).toHaveLength(12)
    expect(readdirSync(join(dir, 'out', 'sink')).sort()).toEqual(readdirSync(join(seq, 'out', 'sink')).sort())
    rmSync(join(dir, 'armed'))
    const resumed = await run(dir, 4, { set: set(dir), resume: true })
    expect(resumed.report.frames).toEqual({ total: 9, processed: 9, resumed_from: 5 })
    // the same run directory as a run that never failed
    const clean = files({ 'p.yaml': pipeline() })
    await run(clean, 1, { set: set(clean) }) // no `armed` file there: the failure never fires
    const a = snapshot(join(dir, 'out'), dir)
    const b = snapshot(join(clean, 'out'), clean)
    for (const s of [a, b]) for (const f of ['report.json', 'report.md']) delete s[f] // resumed_from and cache hits differ
    expect(a).toEqual(b)
  })

  it('drops the frames in flight when stopped, leaving a run that resumes', async () => {
    const dir = files({ 'p.yaml': pipeline() })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides: ['runtime.frames_in_flight=3'] })
    const abort = new AbortController()
    const err = await runPipeline(r.pipeline!, { cwd: dir, signal: abort.signal, onProgress: (e) => void (e.done === 2 && abort.abort()) }).catch((e) => e)
    expect(err.diagnostics[0]).toMatchObject({ code: 'PLAF_INTERRUPTED', message: expect.stringContaining('interrupted after 2 of 9 frames') })
    expect(readdirSync(join(dir, 'cache'), { recursive: true }).filter((f) => String(f).endsWith('.bin'))).toHaveLength(4)
    const res = await runPipeline(r.pipeline!, { cwd: dir, resume: true })
    expect(res.report.frames).toMatchObject({ processed: 9, resumed_from: 2 })
    expect(res.report.stages.backbone).toMatchObject({ cache_hits: 2, cache_misses: 7 })
    expect(readFileSync(join(dir, 'out', 'sink', 'total.txt'), 'utf8')).toMatch(/over 9 frames/)
  })

  it('is a runtime option with a bound', async () => {
    const dir = files({ 'p.yaml': pipeline() })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides: ['runtime.frames_in_flight=0'] })
    expect(r.diagnostics[0]).toMatchObject({ code: expect.any(String), path: 'runtime.frames_in_flight' })
    const ok = await resolvePipeline(join(dir, 'p.yaml'), registry)
    expect(ok.pipeline!.runtime.frames_in_flight).toBe(2)
  })
})
