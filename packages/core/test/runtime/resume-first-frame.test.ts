import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { Registry, defineStage, resolvePipeline, runPipeline } from '../../src/index.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { files } from '../pipeline/helpers.js'

// A run killed before its first frame completed (SIGKILL: no handler runs, nothing is cleaned up)
// must be resumable: `--resume` runs it from frame 0 with its configuration checked, and its
// outputs are those of a run never interrupted, byte for byte. The runs happen in processes of
// their own (core's build), so the kill is a real one.

const core = pathToFileURL(join(__dirname, '..', '..', 'dist', 'index.js')).href

/**
 * The child: 3 frames → a masker that, while the file `hang-run` (or `hang-create`) sits next to the
 * pipeline, writes `reached` and never returns from frame 0 (or from create) → a writer of one file
 * per frame and a summary at the end. argv: run directory, `resume` or `fresh`.
 */
const script = (dir: string): string => `
import { Registry, defineInput, defineStage, resolvePipeline, runPipeline } from ${JSON.stringify(core)}
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
const base = ${JSON.stringify(dir)}
const hang = (what) => {
  if (!existsSync(join(base, 'hang-' + what))) return null
  writeFileSync(join(base, 'reached'), what)
  setInterval(() => {}, 1000)
  return new Promise(() => {})
}
const k = { fx: 4, fy: 4, cx: 2, cy: 2, width: 4, height: 4 }
const input = defineInput({ name: 'three', kind: 'input', version: '1.0.0', description: 'Three frames.', options: { type: 'object', additionalProperties: false, properties: {} }, outputs: { frame: 'Frame' },
  async create() { return { identity: 'three', describe: 'three', frameCount: 3, async *frames() {
    for (let i = 0; i < 3; i++) yield { id: String(i).padStart(6, '0'), index: i, rgb: { data: Uint8Array.from({ length: 48 }, (_, j) => (j * 7 + i * 31) % 256), shape: [4, 4, 3] }, pose: null, colorIntrinsics: k }
  } } } })
const gate = defineStage({ name: 'gate', kind: 'masker', version: '1.0.0', description: 'Masks of bright pixels.', cacheable: true,
  options: { type: 'object', additionalProperties: false, properties: {} }, inputs: { frame: 'Frame' }, outputs: { masks: 'MaskSet' },
  async create() {
    await hang('create')
    return { async run({ frame }) {
      if (frame.index === 0) await hang('run')
      const bitmap = new Uint8Array(16)
      let area = 0
      for (let p = 0; p < 16; p++) if (frame.rgb.data[p * 3] > 127) { bitmap[p] = 1; area++ }
      return { masks: { width: 4, height: 4, masks: area ? [{ bbox: [0, 0, 4, 4], area, bitmap }] : [] } }
    } }
  } })
const writer = defineStage({ name: 'writer', kind: 'evaluator', version: '1.0.0', description: 'One file per frame and a summary.',
  options: { type: 'object', additionalProperties: false, properties: {} }, inputs: { frame: 'Frame', masks: 'MaskSet' }, outputs: {},
  async create(_o, ctx) {
    const seen = []
    return {
      run({ frame, masks }) {
        mkdirSync(ctx.outDir, { recursive: true })
        const areas = masks.masks.map((m) => m.area)
        writeFileSync(join(ctx.outDir, frame.id + '.json'), JSON.stringify({ frame: frame.id, areas }))
        seen.push([frame.id, ...areas])
        return {}
      },
      finish() { writeFileSync(join(ctx.outDir, 'summary.json'), JSON.stringify(seen)); return {} },
    }
  } })
const [out, mode] = process.argv.slice(2)
const r = await resolvePipeline(join(base, 'p.yaml'), new Registry([input, gate, writer]))
try {
  const res = await runPipeline(r.pipeline, { cwd: base, outDir: out, resume: mode === 'resume' })
  console.log(JSON.stringify({ frames: res.report.frames, notes: res.report.notes.map((n) => n.code + ' ' + n.severity) }))
} catch (e) {
  console.log(JSON.stringify({ error: e.diagnostics?.[0] ?? String(e) }))
}
`
const pipeline = 'name: t\ninput: { use: three }\nstages:\n  masker: { use: gate }\n  writer: { use: writer }\nruntime: { tensor_backend: reference, cache_dir: cache }\noutput: { dir: out }\n'

/** Every file under `d` (but the run's own bookkeeping of when and how long) with its bytes. */
function outputs(d: string): Map<string, Buffer> {
  const volatile = new Set(['manifest.json', 'report.json', 'report.md'])
  const names = readdirSync(d, { recursive: true, encoding: 'utf8' }).filter((n) => !volatile.has(n)).sort()
  return new Map(names.filter((n) => statSync(join(d, n)).isFile()).map((n) => [n, readFileSync(join(d, n))]))
}

const runChild = (dir: string, out: string, mode: 'fresh' | 'resume'): { frames?: object; notes?: string[]; error?: { code: string; message: string } } => {
  const res = spawnSync(process.execPath, [join(dir, 'child.mjs'), out, mode], { encoding: 'utf8', timeout: 60_000 })
  expect(res.status, res.stderr).toBe(0)
  return JSON.parse(res.stdout.trim().split('\n').pop()!)
}

const killed: number[] = []
afterEach(() => {
  for (const pid of killed.splice(0)) try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
})

/** Starts a fresh run that hangs at `where`, waits until it got there, and SIGKILLs it. */
async function killWhileStarting(dir: string, out: string, where: 'create' | 'run'): Promise<void> {
  writeFileSync(join(dir, `hang-${where}`), '')
  const child = spawn(process.execPath, [join(dir, 'child.mjs'), out, 'fresh'], { stdio: 'ignore' })
  killed.push(child.pid!)
  const t0 = Date.now()
  while (!existsSync(join(dir, 'reached'))) {
    if (Date.now() - t0 > 60_000) throw new Error('the child never reached the point to kill it at')
    await new Promise((r) => setTimeout(r, 20))
  }
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGKILL')
  await exited
  rmSync(join(dir, `hang-${where}`))
  rmSync(join(dir, 'reached'))
}

describe('--resume after a run killed before its first frame completed', () => {
  it.each(['run', 'create'] as const)('killed in frame 0 (%s): --resume runs from frame 0, outputs byte-identical to an uninterrupted run', async (where) => {
    const dir = files({ 'p.yaml': pipeline })
    writeFileSync(join(dir, 'child.mjs'), script(dir))
    const out = join(dir, 'killed')
    await killWhileStarting(dir, out, where)
    expect(JSON.parse(readFileSync(join(out, 'progress.json'), 'utf8'))).toMatchObject({ completed: 0, last_frame: null, complete: false })

    const resumed = runChild(dir, out, 'resume')
    expect(resumed.error).toBeUndefined()
    expect(resumed.frames).toEqual({ total: 3, processed: 3, resumed_from: 0 })
    // the dead run's lock was taken over, said in the report
    expect(resumed.notes).toContain('PLAF_RUN_LOCKED warning')

    const fresh = runChild(dir, join(dir, 'fresh'), 'fresh')
    expect(fresh.frames).toEqual({ total: 3, processed: 3, resumed_from: 0 })
    const a = outputs(out)
    const b = outputs(join(dir, 'fresh'))
    expect([...a.keys()]).toEqual([...b.keys()])
    expect([...a.keys()]).toEqual(expect.arrayContaining(['progress.json', 'config.resolved.yaml', 'writer/000000.json', 'writer/summary.json']))
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name)!), name).toBe(true)
  }, 120_000)

  it('with another configuration, --resume of that killed run is refused', async () => {
    const dir = files({ 'p.yaml': pipeline })
    writeFileSync(join(dir, 'child.mjs'), script(dir))
    const out = join(dir, 'killed')
    await killWhileStarting(dir, out, 'run')
    writeFileSync(join(dir, 'p.yaml'), pipeline.replace('cache_dir: cache', 'cache_dir: cache2'))
    // that run completed no frame, so a fresh run (no --resume) may replace it: the hint says so
    expect(runChild(dir, out, 'resume').error).toMatchObject({
      code: 'PLAF_RESUME_MISMATCH', message: expect.stringContaining(`cannot resume ${out}: it was started with another configuration`),
      hint: expect.stringMatching(/^that run completed no frame: run without --resume to start this configuration there, or choose another --out;/),
    })
    expect(runChild(dir, out, 'fresh').frames).toEqual({ total: 3, processed: 3, resumed_from: 0 })
  }, 120_000)
})

describe('a run that completed no frame holds no result', () => {
  it('a new configuration replaces it without --overwrite, with an info note', async () => {
    const boom = defineStage<{ at: number }, { frame: 'Frame' }, Record<string, never>>({
      name: 'boom-at', kind: 'evaluator', version: '1.0.0', description: 'Throws on one frame.',
      options: { type: 'object', additionalProperties: false, properties: { at: { type: 'integer', default: 0, description: 'Frame index.' } } },
      inputs: { frame: 'Frame' }, outputs: {},
      async create(o) { return { run({ frame }) { if (frame.index === o.at) throw new Error('deliberate'); return {} } } },
    })
    const registry = new Registry([...fixturePlugins, boom])
    const yaml = (at: number) => `name: t\ninput: { use: flat-frames, with: { frames: 2, size: 4 } }\nstages:\n  boom: { use: boom-at, with: { at: ${at} } }\nruntime: { tensor_backend: reference, cache: false }\noutput: { dir: mine }\n`
    // a folder that existed before the run, so the failed run leaves its progress.json there
    const dir = files({ 'a.yaml': yaml(0), 'b.yaml': yaml(5), 'mine/.keep': '' })
    const a = await resolvePipeline(join(dir, 'a.yaml'), registry)
    await expect(runPipeline(a.pipeline!, { cwd: dir })).rejects.toThrow('deliberate')
    expect(JSON.parse(readFileSync(join(dir, 'mine', 'progress.json'), 'utf8'))).toMatchObject({ completed: 0, complete: false })
    const b = await resolvePipeline(join(dir, 'b.yaml'), registry)
    const notes: string[] = []
    const res = await runPipeline(b.pipeline!, { cwd: dir, onNote: (d) => notes.push(`${d.code} ${d.severity}: ${d.message}`) })
    expect(res.report.frames.processed).toBe(2)
    expect(notes[0]).toMatch(new RegExp(`^PLAF_RUN_DIR_USED info: another configuration: cleared ${join(dir, 'mine')}, which held a run of ${join(dir, 'a.yaml')} that started \\S+ and was interrupted after 0 frames$`))
  })
})
