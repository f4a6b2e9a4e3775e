import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { defineStage, Registry, resolvePipeline, runPipeline, type RunReport } from '../../src/index.js'
import { ownTimed, startOwnTime, stopOwnTime } from '../../src/runtime/own-time.js'
import { countedFrames } from '../fixtures/pipelining-plugins.js'
import { files } from '../pipeline/helpers.js'

/** Keeps the main thread busy for `ms` of wall time (a CPU-bound chunk of JavaScript). */
function spin(ms: number): number {
  const end = performance.now() + ms
  let x = 0
  while (performance.now() < end) x += Math.sqrt(x + 1)
  return x
}

const CHUNK_MS = 10
const CHUNKS = 4
// long enough that the machine's other jobs (preemption stretches every slice's wall time) cannot explain it
const OTHER_MS = 400

/**
 * A CPU-bound stage that yields between chunks (as a JS model awaiting its tensor ops does):
 * CHUNKS × CHUNK_MS of its own work per frame.
 */
const chunked = defineStage<Record<string, never>, { frame: 'Frame' }, Record<string, never>>({
  name: 'chunked-cpu', kind: 'evaluator', version: '1.0.0', description: 'CPU chunks with yields (tests only).',
  options: { type: 'object', additionalProperties: false, properties: {} },
  inputs: { frame: 'Frame' }, outputs: {},
  async create() {
    return {
      async run() {
        for (let i = 0; i < CHUNKS; i++) {
          spin(CHUNK_MS)
          await new Promise<void>((r) => setImmediate(r))
        }
        return {}
      },
    }
  },
})

/** A stage beside it that waits (I/O) and then does OTHER_MS of work in one synchronous chunk. */
const slow = defineStage<Record<string, never>, { frame: 'Frame' }, Record<string, never>>({
  name: 'slow-async', kind: 'evaluator', version: '1.0.0', description: 'A wait, then a long CPU chunk (tests only).',
  options: { type: 'object', additionalProperties: false, properties: {} },
  inputs: { frame: 'Frame' }, outputs: {},
  async create() {
    return {
      async run() {
        await sleep(1)
        spin(OTHER_MS)
        return {}
      },
    }
  },
})

const registry = new Registry([countedFrames, chunked, slow])

async function run(inFlight: number): Promise<{ report: RunReport; dir: string }> {
  const dir = files({ 'p.yaml': `name: t
input: { use: counted-frames, with: { frames: 3, size: 4 } }
stages:
  cpu: { use: chunked-cpu }
  other: { use: slow-async }
runtime: { tensor_backend: reference, cache: false }
output: { dir: out }
` })
  const r = await resolvePipeline(join(dir, 'p.yaml'), registry, { overrides: [`runtime.frames_in_flight=${inFlight}`] })
  expect(r.diagnostics).toEqual([])
  const res = await runPipeline(r.pipeline!, { cwd: dir, outDir: 'out' })
  return { report: res.report, dir: join(dir, 'out') }
}

describe('stage times in report.json', () => {
  it('own_ms_mean is the stage\'s own work: a CPU-bound stage beside a slow async one, 2 frames in flight, does not count the other stage\'s chunk', async () => {
    const { report, dir } = await run(2)
    const cpu = report.stages.cpu
    const other = report.stages.other
    expect(cpu.calls).toBe(3)
    expect(report.frames_in_flight).toBe(2)
    // its own chunks (each slice is wall time, so the machine's load can add to it); never the other stage's 400 ms chunk
    expect(cpu.own_ms_mean!).toBeGreaterThanOrEqual(CHUNKS * CHUNK_MS)
    expect(cpu.own_ms_mean!).toBeLessThan(CHUNKS * CHUNK_MS + OTHER_MS / 2)
    expect(other.own_ms_mean!).toBeGreaterThanOrEqual(OTHER_MS)
    // the wall time around its calls does include the other stage's chunk (the figure the stage table used to show alone)
    expect(cpu.ms_total).toBeGreaterThanOrEqual(cpu.own_ms_total! + OTHER_MS)
    expect(cpu.own_ms_total!).toBeCloseTo(cpu.own_ms_mean! * 3, 6)
    // the run's CPU time and the note saying what the columns mean
    expect(report.cpu_ms!).toBeGreaterThan(0)
    const md = readFileSync(join(dir, 'report.md'), 'utf8')
    expect(md).toContain('| stage | plugin | calls | total ms (wall) | ms/call wall | own ms/call |')
    expect(md).toContain(`| cpu | chunked-cpu 1.0.0 | 3 | ${cpu.ms_total.toFixed(1)} | ${cpu.ms_mean.toFixed(1)} | ${cpu.own_ms_mean!.toFixed(1)} |`)
    expect(md).toContain('the figure to compare plugins by')
  })

  it('one frame at a time, nothing else runs while the CPU-bound stage awaits: own within its wall time', async () => {
    const { report } = await run(1)
    const cpu = report.stages.cpu
    expect(report.frames_in_flight).toBe(1)
    expect(cpu.own_ms_mean!).toBeGreaterThanOrEqual(CHUNKS * CHUNK_MS)
    expect(cpu.ms_mean).toBeLessThan(CHUNKS * CHUNK_MS + OTHER_MS)
    expect(cpu.own_ms_mean!).toBeLessThanOrEqual(cpu.ms_mean)
  })
})

describe('ownTimed', () => {
  it('counts the call\'s continuations after awaits and the timers it started, not another context\'s work meanwhile', async () => {
    startOwnTime()
    try {
      const a = ownTimed(async () => {
        spin(5)
        await sleep(20) // b's 300 ms chunk runs here
        spin(5)
        await new Promise<void>((r) => setTimeout(() => (spin(5), r()), 1))
      })
      const b = ownTimed(async () => {
        await sleep(5)
        spin(300)
      })
      await Promise.all([a.result, b.result])
      // a's three 5 ms chunks (load on the machine can stretch them), never b's 300 ms
      expect(a.clock.ms).toBeGreaterThanOrEqual(15)
      expect(a.clock.ms).toBeLessThan(150)
      expect(b.clock.ms).toBeGreaterThanOrEqual(300)
    } finally {
      stopOwnTime()
    }
  })

  it('with the hooks off, measures the synchronous part only', async () => {
    const a = ownTimed(async () => {
      spin(5)
      await sleep(1)
      spin(200)
    })
    await a.result
    expect(a.clock.ms).toBeGreaterThanOrEqual(5)
    expect(a.clock.ms).toBeLessThan(150)
  })
})
