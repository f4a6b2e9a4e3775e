import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { PlafError, Registry, defineStage, resolvePipeline, runPipeline, type MaskSet } from '../../src/index.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { files } from '../pipeline/helpers.js'

/** A masker that waits `ms` (a live timer) on frame `at`. */
const slow = defineStage<{ ms: number; at: number }, { frame: 'Frame' }, { masks: 'MaskSet' }>({
  name: 'slow', kind: 'masker', version: '1.0.0', description: 'Waits on one frame.',
  options: { type: 'object', additionalProperties: false, properties: { ms: { type: 'integer', minimum: 0, default: 0, description: 'Wait.' }, at: { type: 'integer', minimum: 0, default: 0, description: 'Frame index.' } } },
  inputs: { frame: 'Frame' }, outputs: { masks: 'MaskSet' },
  async create(o) {
    return {
      async run({ frame }): Promise<{ masks: MaskSet }> {
        if (frame.index === o.at) await new Promise((r) => setTimeout(r, o.ms))
        return { masks: { width: frame.rgb.shape[1], height: frame.rgb.shape[0], masks: [] } }
      },
    }
  },
})

describe('runtime.stage_timeout', () => {
  it('fails a stage call that takes longer, naming stage, plugin and frame', async () => {
    const dir = files({ 'p.yaml': 'name: t\ninput: { use: flat-frames, with: { frames: 3, size: 4 } }\nstages:\n  masker: { use: slow, with: { ms: 5000, at: 1 } }\nruntime: { tensor_backend: reference, cache: false, stage_timeout: 0.2 }\noutput: { dir: out }\n' })
    const r = await resolvePipeline(join(dir, 'p.yaml'), new Registry([...fixturePlugins, slow]))
    const t = Date.now()
    const err = (await runPipeline(r.pipeline!, { cwd: dir }).catch((e) => e)) as PlafError
    expect(Date.now() - t).toBeLessThan(4000)
    expect(err.diagnostics[0]).toMatchObject({
      code: 'PLAF_STAGE_TIMEOUT', stage: 'masker', plugin: 'slow', frame: '000001',
      message: 'stage masker (slow) frame 000001: did not return within 0.2 s (runtime.stage_timeout)',
    })
  })
})

describe('a plugin promise that never settles', () => {
  // Only a process of its own can show it: under vitest the event loop never runs dry.
  it('is reported with its stage and frame, not a silent exit 13', () => {
    const dir = files({})
    const core = pathToFileURL(join(__dirname, '..', '..', 'dist', 'index.js')).href
    const script = join(dir, 'stall.mjs')
    writeFileSync(script, `
import { Registry, defineInput, defineStage, resolvePipeline, runPipeline } from ${JSON.stringify(core)}
import { writeFileSync } from 'node:fs'
const k = { fx: 1, fy: 1, cx: 1, cy: 1, width: 2, height: 2 }
const input = defineInput({ name: 'one', kind: 'input', version: '1.0.0', description: 'One frame.', options: { type: 'object', additionalProperties: false, properties: {} }, outputs: { frame: 'Frame' },
  async create() { return { identity: 'one', describe: 'one', frameCount: 1, async *frames() { yield { id: '000000', index: 0, rgb: { data: new Uint8Array(12), shape: [2, 2, 3] }, pose: null, colorIntrinsics: k } } } } })
const stuck = defineStage({ name: 'stuck', kind: 'masker', version: '1.0.0', description: 'Never returns.', options: { type: 'object', additionalProperties: false, properties: {} },
  inputs: { frame: 'Frame' }, outputs: { masks: 'MaskSet' }, async create() { return { run: () => new Promise(() => {}) } } })
writeFileSync(${JSON.stringify(join(dir, 'p.yaml'))}, 'name: t\\ninput: { use: one }\\nstages:\\n  masker: { use: stuck }\\nruntime: { tensor_backend: reference, cache: false }\\noutput: { dir: out }\\n')
const r = await resolvePipeline(${JSON.stringify(join(dir, 'p.yaml'))}, new Registry([input, stuck]))
try {
  await runPipeline(r.pipeline, { cwd: ${JSON.stringify(dir)} })
  console.log('finished?')
} catch (e) {
  console.log(JSON.stringify(e.diagnostics[0]))
}
`)
    const res = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 })
    expect(res.status, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout.trim().split('\n').pop()!)).toMatchObject({
      code: 'PLAF_STAGE_STALLED', stage: 'masker', plugin: 'stuck', frame: '000000',
      message: 'stage masker (stuck) frame 000000: never returned: its promise is still pending with nothing left to run (a plugin bug: a promise nobody resolves)',
    })
  })
})
