import fc from 'fast-check'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DIAGNOSTIC_CODES, PlafError, Registry, resolvePipeline, type Diagnostic } from '../../src/index.js'
import { tempDir } from '../../src/testing/temp.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { FUZZ_RUNS, fuzzParams, mutate, mutationArb } from './mutate.js'

// Random mutations of valid pipeline files: `plaf validate` must answer each with diagnostics
// (or a pipeline), never an uncaught exception, an internal error or a hang.
const registry = new Registry(fixturePlugins)
const tmp = tempDir('fuzz-yaml')
afterAll(() => tmp.cleanup())

const BASES = [
  `name: fuzz
input: { use: flat-frames, with: { frames: 3, size: 8 } }
stages:
  backbone: { use: block-mean, with: { block: 2, scale: 1.5 } }
  masker:
    use: halves
    with: { mode: vertical }
  count: { use: counter, with: { label: "\${name}-\${env.USER:-someone}" } }
runtime: { tensor_backend: reference, cache: off, stage_timeout: 60 }
output: { dir: runs/\${name} }
`,
  `# a sweep over two options
name: sweep
input:
  use: flat-frames
  with:
    frames: 2
stages:
  backbone:
    use: block-mean
    with:
      block: 2
  masker: { use: halves }
sweep:
  matrix:
    stages.backbone.with.block: [1, 2, 4]
    stages.masker.with.mode: [vertical, horizontal]
  exclude:
    - { stages.backbone.with.block: 4, stages.masker.with.mode: vertical }
output: { dir: out }
`,
  `name: anchors
defaults: &b { block: 2 }
input: { use: flat-frames }
stages:
  backbone: { use: block-mean, with: *b }
  masker: { use: halves, from: { frame: input.frame } }
output: { dir: out }
`,
].map((s) => new TextEncoder().encode(s))

// YAML's own syntax, inserted where it breaks structure in interesting ways
const TOKENS = [': ', '- ', '{', '}', '[', ']', '&x ', '*x', '*b', '!!str ', '!!binary ', '|\n', '>-\n', '\n  ', '\n', '\t', '${', '${env.', '}', "'", '"', '# ', '%YAML 1.2\n---\n', '<<: *b\n', '? ', '---\n', '...\n', '\u0000', '\ufeff', 'use: ', 'with: ', 'from: ', 'null', '~', '1e400', '-.inf', '0x10']
const tokenInsert = fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.constantFrom(...TOKENS).map((t) => new TextEncoder().encode(t)) })
const yamlArb = fc.tuple(fc.constantFrom(...BASES), fc.array(fc.oneof(mutationArb(), tokenInsert, tokenInsert), { minLength: 1, maxLength: 5 }))
  .map(([b, muts]) => mutate(b, muts))

const CODES = new Set<string>(DIAGNOSTIC_CODES)

function checkDiagnostics(list: readonly Diagnostic[], file: string): void {
  for (const d of list) {
    expect(CODES.has(d.code), d.code).toBe(true)
    expect(d.code).not.toBe('PLAF_INTERNAL')
    expect(['error', 'warning', 'info']).toContain(d.severity)
    expect(typeof d.message).toBe('string')
    // an error in the file is located in it
    if (d.severity === 'error' && d.file === file) expect(d.line, d.message).toBeGreaterThanOrEqual(1)
  }
}

describe(`fuzzing the pipeline loader (${FUZZ_RUNS} mutated files; PLAF_FUZZ_RUNS for more)`, () => {
  it('every mutated pipeline resolves or is answered with located diagnostics; nothing throws', async () => {
    const file = join(tmp.dir, 'p.yaml')
    await fc.assert(fc.asyncProperty(yamlArb, async (bytes) => {
      writeFileSync(file, bytes)
      try {
        const r = await resolvePipeline(file, registry, { cwd: tmp.dir, env: { USER: 'fuzz' } })
        checkDiagnostics(r.diagnostics, file)
        if (!r.pipeline) expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(true)
      } catch (e) {
        if (!(e instanceof PlafError)) throw new Error(`resolvePipeline threw ${(e as Error)?.stack ?? String(e)}\n--- file:\n${Buffer.from(bytes).toString('utf8')}`)
        checkDiagnostics(e.diagnostics, file)
      }
    }), fuzzParams())
  }, 120_000)
})

describe('cases the fuzzing found', () => {
  it('a merge key whose source is not a map, inside a complex key, is a YAML error, not an exception', async () => {
    const file = join(tmp.dir, 'merge.yaml')
    writeFileSync(file, 'a: &x 1\n? { <<: *x }\n: 2\n')
    const r = await resolvePipeline(file, registry, { cwd: tmp.dir })
    expect(r.diagnostics.map(({ cause: _c, ...d }) => d)).toEqual([{
      code: 'PLAF_YAML_SYNTAX', severity: 'error', file, line: 1, column: 1, message: 'YAML error: Merge sources must be maps or map aliases',
    }])
  })
})
