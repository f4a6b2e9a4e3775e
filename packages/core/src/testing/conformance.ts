import { rmSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { optionsValidator, validateOptions } from '../options.js'
import type { InputPlugin, Plugin, PortRecord, StagePlugin } from '../plugin.js'
import { PORT_SCOPES, checkPort, type PortName } from '../ports.js'
import { createRunContext, createStandaloneContext as createTestContext, type StandaloneContextOptions as TestContextOptions } from '../runtime/context.js'

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

function checkOutputs(ports: Record<string, PortName>, scope: 'frame' | 'scene', out: PortRecord): void {
  for (const [name, type] of Object.entries(ports)) {
    if (PORT_SCOPES[type] !== scope) continue
    expect(out, `output port "${name}"`).toHaveProperty(name)
    expect(checkPort(type, out[name]), `output port "${name}" (${type})`).toBeNull()
  }
}

function schemaChecks(plugin: Plugin, required: Record<string, unknown>): void {
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

/** The conformance suite every stage plugin runs as its first test. */
export function describeStagePlugin(plugin: StagePlugin, cases: StageCase[]): void {
  describe(`conformance: ${plugin.kind} ${plugin.name}`, () => {
    schemaChecks(plugin, cases[0]?.options ?? {})
    it('declares known ports', () => {
      for (const t of [...Object.values(plugin.inputs), ...Object.values(plugin.outputs)]) expect(PORT_SCOPES).toHaveProperty(t)
    })
    const hasFrameInputs = Object.values(plugin.inputs).some((t) => PORT_SCOPES[t] === 'frame')
    for (const c of cases) {
      it(`case ${c.name}: create/dispose pair up, outputs match ports, runs are deterministic`, async () => {
        const opts = validateOptions(plugin, c.options ?? {})
        expect(opts.errors).toEqual([])
        const results: string[] = []
        for (let round = 0; round < 2; round++) {
          const ctx = createTestContext({ stage: plugin.kind, ...c.context })
          const inst = await plugin.create(structuredClone(opts.value), ctx)
          try {
            const out = (await inst.run((await c.inputs()) as never, createRunContext({ id: '000000', index: 0 }))) as PortRecord
            checkOutputs(plugin.outputs, hasFrameInputs ? 'frame' : 'scene', out)
            let fin: PortRecord = {}
            if (inst.finish) {
              fin = (await inst.finish((await c.sceneInputs?.()) ?? {}, createRunContext())) as PortRecord
              checkOutputs(plugin.outputs, 'scene', fin)
            }
            results.push(fingerprint({ out, fin }))
          } finally {
            await inst.dispose?.()
            if (!c.context?.runDir) rmSync(ctx.runDir, { recursive: true, force: true })
          }
        }
        expect(results[1], 'second run equals the first').toBe(results[0])
      })
    }
  })
}

/** The conformance suite for input plugins. */
export function describeInputPlugin(plugin: InputPlugin, cases: InputCase[]): void {
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
