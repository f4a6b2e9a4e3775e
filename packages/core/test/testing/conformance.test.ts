import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildModel } from '../../src/backends/onnx-graph.js'
import { liveOnnxSessions, openOnnxSession, type OnnxSession } from '../../src/backends/onnx-session.js'
import type { PluginContext, StageInstance, StagePlugin } from '../../src/plugin.js'
import { describeStagePlugin, runStageCase, unusedVolatile, type StageCase, type StageSuiteOptions } from '../../src/testing/index.js'

// Deliberately broken plugins, each run through the kit's case runner (what each `it` of
// describeStagePlugin calls), which must report the fault; and a well-behaved twin that passes.

type Writes = (ctx: PluginContext) => string | Uint8Array

/** A querier-like sink: no output ports, writes `report.json` under its outDir in finish(). */
function sink(name: string, content: Writes, extra: Partial<StagePlugin> = {}): StagePlugin {
  return {
    name,
    kind: 'querier',
    version: '1.0.0',
    description: 'A test sink that writes one file.',
    options: { type: 'object', additionalProperties: false, properties: { label: { type: 'string', default: 'x', description: 'A label.' } } },
    inputs: { text: 'TextBatch' },
    outputs: {},
    async create(_opts, ctx) {
      return {
        run: () => ({}),
        finish: () => {
          mkdirSync(ctx.outDir, { recursive: true })
          writeFileSync(join(ctx.outDir, 'report.json'), content(ctx))
          return {}
        },
      }
    },
    ...extra,
  }
}

const sinkCase: StageCase = { name: 'one batch', inputs: () => ({ text: { texts: ['a'] } }) }

/** A text encoder to be created through ctx.instantiate. */
const child: StagePlugin = {
  name: 'child',
  kind: 'text-encoder',
  version: '1.0.0',
  description: 'A child instance created by its parent.',
  options: { type: 'object', additionalProperties: false, properties: {} },
  inputs: { text: 'TextBatch' },
  outputs: {},
  async create() {
    return { run: () => ({}) }
  },
}

/** A parent that creates the child in create() and runs `dispose` as given. */
function parent(name: string, dispose: (c: StageInstance) => unknown): StagePlugin {
  return {
    ...sink(name, () => '{}'),
    async create(_opts, ctx) {
      const c = await ctx.instantiate('text-encoder', 'child', {})
      return { run: () => ({}), dispose: () => dispose(c) as void }
    },
  }
}
const parentCase: StageCase = { ...sinkCase, context: { plugins: [child] } }

const failure = async (plugin: StagePlugin, c: StageCase, suite?: StageSuiteOptions): Promise<string> => {
  const e = await runStageCase(plugin, c, suite).then(
    () => undefined,
    (err: unknown) => err as Error,
  )
  expect(e, `the kit reports ${plugin.name}`).toBeInstanceOf(Error)
  return e!.message
}

describe('conformance kit: determinism of what a sink writes', () => {
  it('passes a sink that writes the same bytes each run', async () => {
    await runStageCase(sink('steady', () => JSON.stringify({ n: 1 })), sinkCase)
  })

  it('fails a sink that writes a timestamp', async () => {
    const msg = await failure(sink('clock', () => JSON.stringify({ at: new Date().toISOString(), n: Math.random() })), sinkCase)
    expect(msg).toMatch(/second run equals the first/)
    expect(msg).toMatch(/querier\/report\.json/)
  })

  it('fails a sink that writes random bytes', async () => {
    expect(await failure(sink('noise', () => randomBytes(16)), sinkCase)).toMatch(/second run equals the first/)
  })

  it('fails a sink whose file name changes between runs', async () => {
    const named = sink('named', () => '{}', {
      async create(_opts, ctx) {
        return {
          run: () => {
            mkdirSync(ctx.outDir, { recursive: true })
            writeFileSync(join(ctx.outDir, `${process.hrtime.bigint()}.txt`), 'same')
            return {}
          },
        }
      },
    })
    expect(await failure(named, sinkCase)).toMatch(/second run equals the first/)
  })

  it('ignores only declared volatile fields, and records which ones it saw', async () => {
    const timed = (extra: () => number) => sink('timed', () => JSON.stringify({ n: 1, timings_ms: { total: Math.random() }, extra: extra() }))
    const suite: StageSuiteOptions = { volatile: [{ file: 'querier/*.json', fields: ['timings_ms.*'], why: 'wall-clock milliseconds' }] }
    const seen = new Set<string>()
    await runStageCase(timed(() => 0), sinkCase, suite, seen)
    expect([...seen]).toEqual(['querier/*.json timings_ms.*'])
    expect(await failure(timed(() => Math.random()), sinkCase, suite)).toMatch(/second run equals the first/)
  })

  it('reports a declared volatile field that no case wrote (a stale declaration)', async () => {
    const suite: StageSuiteOptions = { volatile: [{ file: 'querier/report.json', fields: ['n', 'timings_ms.total'], why: 'wall-clock milliseconds' }] }
    const seen = new Set<string>()
    await runStageCase(sink('untimed', () => JSON.stringify({ n: 1 })), sinkCase, suite, seen)
    expect(unusedVolatile(suite, seen)).toEqual(['querier/report.json timings_ms.total'])
  })
})

describe('conformance kit: create and dispose pair up', () => {
  it('passes a parent that disposes the instance it created', async () => {
    await runStageCase(
      parent('tidy', (c) => c.dispose?.()),
      parentCase,
    )
  })

  it('fails a parent whose create leaks an instance', async () => {
    expect(await failure(parent('leaky', () => undefined), parentCase)).toMatch(/text-encoder child \(instantiated #1\): disposed 0 times, expected once/)
  })

  it('counts a frozen instance too', async () => {
    const frozen: StagePlugin = { ...child, name: 'frozen', async create() { return Object.freeze({ run: () => ({}) }) } }
    const leaky: StagePlugin = { ...parent('leaky-frozen', () => undefined), async create(_o, ctx) { await ctx.instantiate('text-encoder', 'frozen', {}); return { run: () => ({}) } } }
    expect(await failure(leaky, { ...sinkCase, context: { plugins: [frozen] } })).toMatch(/text-encoder frozen \(instantiated #1\): disposed 0 times/)
    await runStageCase({ ...sink('frozen-top', () => '{}'), async create() { return Object.freeze({ run: () => ({}), dispose: () => {} }) } }, sinkCase)
  })

  it('fails a parent that disposes its child twice', async () => {
    const twice = parent('twice', async (c) => {
      await c.dispose?.()
      await c.dispose?.()
    })
    expect(await failure(twice, parentCase)).toMatch(/disposed 2 times, expected once/)
  })

  it('fails a plugin whose dispose throws, naming it', async () => {
    const thrower = parent('thrower', () => {
      throw new Error('handle already closed')
    })
    expect(await failure(thrower, parentCase)).toBe('dispose() of querier thrower threw: handle already closed')
  })

  it('fails a plugin that leaves an ONNX session open, and passes one that releases it', async () => {
    const model = buildModel({
      inputs: [{ name: 'x', type: 'float32', shape: [1] }],
      outputs: [{ name: 'y', type: 'float32', shape: [1] }],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
    })
    const opened: OnnxSession[] = []
    const withSession = (name: string, release: boolean): StagePlugin => ({
      ...sink(name, () => '{}'),
      async create() {
        const s = await openOnnxSession(model, { threads: 1 })
        opened.push(s)
        return { run: () => ({}), dispose: () => (release ? s.release() : undefined) }
      },
    })
    const before = liveOnnxSessions()
    try {
      await runStageCase(withSession('releases', true), sinkCase)
      expect(await failure(withSession('forgets', false), sinkCase)).toMatch(/ONNX sessions opened and still open after dispose/)
    } finally {
      for (const s of opened) await s.release()
    }
    expect(liveOnnxSessions()).toBe(before)
  })
})

// The registered form of the same checks, on the well-behaved plugins.
describeStagePlugin(sink('steady-sink', () => JSON.stringify({ n: 1, timings_ms: { total: Math.random() } })), [sinkCase], {
  volatile: [{ file: 'querier/report.json', fields: ['timings_ms.total'], why: 'wall-clock milliseconds' }],
})
describeStagePlugin(
  parent('tidy-parent', (c) => c.dispose?.()),
  [parentCase],
)
