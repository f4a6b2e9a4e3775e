import { rmSync } from 'node:fs'
import { liveOnnxSessions } from '../backends/onnx-session.js'
import { optionsValidator, validateOptions } from '../options.js'
import type { InputPlugin, Plugin, PortRecord, StagePlugin } from '../plugin.js'
import { PORT_SCOPES, checkPort, type PortName } from '../ports.js'
import { createRunContext, createStandaloneContext as createTestContext, type StandaloneContextOptions as TestContextOptions } from '../runtime/context.js'
import { InstanceLedger } from './lifecycle.js'
import { runner } from './runner.js'
import { fingerprintFiles, type VolatileField } from './written-files.js'

/** One scenario for a stage plugin. */
export interface StageCase {
  name: string
  /** The `with:` block (defaults are filled in). */
  options?: Record<string, unknown>
  /** Frame-scoped inputs for run() (or scene inputs for a scene-only stage). Called per run. */
  inputs: () => PortRecord | Promise<PortRecord>
  /** Scene-scoped inputs for finish(), for stages that have one. */
  sceneInputs?: () => PortRecord | Promise<PortRecord>
  /** Context options (plugins to instantiate, a fixed run directory). */
  context?: TestContextOptions
}

/** One scenario for an input plugin. */
export interface InputCase {
  name: string
  options?: Record<string, unknown>
  /** How many frames to pull and compare (default 2). */
  frames?: number
  context?: TestContextOptions
}

/** Options for a whole stage suite (every case). */
export interface StageSuiteOptions {
  /**
   * Values the stage writes that differ between identical runs (timings), each with why. Every
   * other byte of every file under the run directory must be the same in both rounds, and each
   * declared field must turn up in some case.
   */
  volatile?: VolatileField[]
}

function checkOutputs(ports: Record<string, PortName>, scope: 'frame' | 'scene', out: PortRecord): void {
  const { expect } = runner()
  for (const [name, type] of Object.entries(ports)) {
    if (PORT_SCOPES[type] !== scope) continue
    expect(out, `output port "${name}"`).toHaveProperty(name)
    expect(checkPort(type, out[name]), `output port "${name}" (${type})`).toBeNull()
  }
}

function schemaChecks(plugin: Plugin, required: Record<string, unknown>): void {
  const { expect, it } = runner()
  it('has a compiling, non-empty options schema that rejects unknown keys', () => {
    expect(() => optionsValidator(plugin)).not.toThrow()
    const props = (plugin.options as { properties?: Record<string, { description?: string }> }).properties ?? {}
    expect(Object.keys(props).length, 'schema has options').toBeGreaterThan(0)
    expect(plugin.options.additionalProperties, 'additionalProperties').toBe(false)
    for (const [k, p] of Object.entries(props)) expect(p.description, `option ${k} has a description`).toBeTruthy()
    expect(validateOptions(plugin, { ...required }).ok, 'defaults validate').toBe(true)
    const bad = validateOptions(plugin, { ...required, definitely_not_an_option: 1 })
    expect(bad.ok).toBe(false)
    expect(bad.errors.some((e) => e.keyword === 'additionalProperties')).toBe(true)
  })
  it('has a kebab-case name, a version and a description', () => {
    expect(plugin.name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/)
    expect(plugin.version).toMatch(/^\d+\.\d+\.\d+/)
    expect(plugin.description.length).toBeGreaterThan(10)
  })
}

/** What one round of a case produced: outputs, and a hash of every file written under the run directory. */
interface RoundPrint {
  out: string
  fin: string
  files: Record<string, string>
}

/**
 * One round of a case: `create` with a fresh test context, `run`, `finish` if any, `dispose`; then
 * checks that every instance created (by the plugin or through `ctx.instantiate`) was disposed
 * exactly once and that no ONNX session opened meanwhile is still open, and hashes what was written.
 */
async function stageRound(plugin: StagePlugin, options: unknown, c: StageCase, suite: StageSuiteOptions, seen: Set<string>): Promise<RoundPrint> {
  const { expect } = runner()
  const hasFrameInputs = Object.values(plugin.inputs).some((t) => PORT_SCOPES[t] === 'frame')
  const ctx = createTestContext({ stage: plugin.kind, ...c.context })
  const ledger = new InstanceLedger()
  ledger.watch(ctx)
  const sessions = liveOnnxSessions()
  try {
    const inst = ledger.track(`${plugin.kind} ${plugin.name}`, await plugin.create(structuredClone(options) as never, ctx))
    let print: RoundPrint | undefined
    let failure: unknown
    try {
      const out = (await inst.run((await c.inputs()) as never, createRunContext({ id: '000000', index: 0 }))) as PortRecord
      checkOutputs(plugin.outputs, hasFrameInputs ? 'frame' : 'scene', out)
      let fin: PortRecord = {}
      if (inst.finish) {
        fin = (await inst.finish((await c.sceneInputs?.()) ?? {}, createRunContext())) as PortRecord
        checkOutputs(plugin.outputs, 'scene', fin)
      }
      print = { out: fingerprint(out), fin: fingerprint(fin), files: {} }
    } catch (e) {
      failure = e
    }
    try {
      await inst.dispose?.()
    } catch (e) {
      failure ??= new Error(`dispose() of ${plugin.kind} ${plugin.name} threw: ${(e as Error)?.message ?? e}`, { cause: e })
    }
    if (failure !== undefined) throw failure
    const unbalanced = ledger.unbalanced()
    expect(unbalanced, `every instance created (by create or ctx.instantiate) is disposed exactly once: ${unbalanced.join('; ')}`).toEqual([])
    expect(liveOnnxSessions() - sessions, 'ONNX sessions opened and still open after dispose').toBe(0)
    // Sinks (storage codecs, queriers) return nothing: what they wrote is their output.
    print!.files = fingerprintFiles(ctx.runDir, suite.volatile, seen)
    return print!
  } finally {
    if (!c.context?.runDir) rmSync(ctx.runDir, { recursive: true, force: true })
  }
}

/**
 * Runs one case the way `describeStagePlugin` does, outside `describe`/`it`: validates its options,
 * runs two rounds (see the README) and compares them. Throws (an assertion error) on the first
 * failure. `seen` collects the volatile declarations that matched a value.
 */
export async function runStageCase(plugin: StagePlugin, c: StageCase, suite: StageSuiteOptions = {}, seen = new Set<string>()): Promise<void> {
  const { expect } = runner()
  const opts = validateOptions(plugin, c.options ?? {})
  expect(opts.errors).toEqual([])
  const first = await stageRound(plugin, opts.value, c, suite, seen)
  const second = await stageRound(plugin, opts.value, c, suite, seen)
  expect(second, `second run equals the first: outputs, and every file written (sha256); differs in ${differences(first, second)}`).toEqual(first)
}

/** What differs between two rounds, in words: output ports, files changed, files only in one. */
function differences(a: RoundPrint, b: RoundPrint): string {
  const out: string[] = []
  if (a.out !== b.out) out.push('run() outputs')
  if (a.fin !== b.fin) out.push('finish() outputs')
  for (const f of new Set([...Object.keys(a.files), ...Object.keys(b.files)])) {
    if (!(f in b.files)) out.push(`${f} (first run only)`)
    else if (!(f in a.files)) out.push(`${f} (second run only)`)
    else if (a.files[f] !== b.files[f]) out.push(`${f} (content)`)
  }
  return out.join(', ') || 'nothing'
}

/** The declared volatile fields (`file field`) that no value matched in `seen`: stale declarations. */
export function unusedVolatile(suite: StageSuiteOptions, seen: ReadonlySet<string>): string[] {
  return (suite.volatile ?? []).flatMap((v) => v.fields.map((f) => `${v.file} ${f}`)).filter((d) => !seen.has(d))
}

/** The conformance suite every stage plugin runs as its first test. */
export function describeStagePlugin(plugin: StagePlugin, cases: StageCase[], suite: StageSuiteOptions = {}): void {
  const { describe, expect, it } = runner()
  describe(`conformance: ${plugin.kind} ${plugin.name}`, () => {
    schemaChecks(plugin, cases[0]?.options ?? {})
    it('declares known ports', () => {
      for (const t of [...Object.values(plugin.inputs), ...Object.values(plugin.outputs)]) expect(PORT_SCOPES).toHaveProperty(t)
    })
    const seen = new Set<string>()
    for (const c of cases) {
      it(`case ${c.name}: create/dispose pair up, outputs match ports, runs (and files written) are deterministic`, () => runStageCase(plugin, c, suite, seen))
    }
    if (suite.volatile?.length) {
      it('declares only volatile fields it writes', () => {
        expect(unusedVolatile(suite, seen), 'volatile fields no case wrote').toEqual([])
      })
    }
  })
}

/** The conformance suite for input plugins. */
export function describeInputPlugin(plugin: InputPlugin, cases: InputCase[]): void {
  const { describe, expect, it } = runner()
  describe(`conformance: input ${plugin.name}`, () => {
    schemaChecks(plugin, cases[0]?.options ?? {})
    for (const c of cases) {
      it(`case ${c.name}: yields conforming frames, deterministically`, async () => {
        const opts = validateOptions(plugin, c.options ?? {})
        expect(opts.errors).toEqual([])
        const prints: string[] = []
        for (let round = 0; round < 2; round++) {
          const ctx = createTestContext({ stage: 'input', ...c.context })
          const src = await plugin.create(structuredClone(opts.value), ctx)
          try {
            expect(src.identity.length).toBeGreaterThan(0)
            expect(src.frameCount).toBeGreaterThan(0)
            const got: PortRecord[] = []
            for await (const f of src.frames()) {
              expect(checkPort('Frame', f)).toBeNull()
              got.push({ f })
              if (got.length >= (c.frames ?? 2)) break
            }
            prints.push(src.identity + fingerprint(got))
          } finally {
            await src.dispose?.()
          }
        }
        expect(prints[1]).toBe(prints[0])
      })
    }
  })
}

/** A stable digest-like string of a value with typed arrays (FNV-1a over their bytes). */
export function fingerprint(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (ArrayBuffer.isView(v)) {
      const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
      let h = 0x811c9dc5
      for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193)
      return `${v.constructor.name}(${b.length}):${(h >>> 0).toString(16)}`
    }
    return v
  })
}
