import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { Ajv } from 'ajv'
import { writeScene } from '@plaf/datasets'
import { builtins } from '../src/builtins.js'
import { cli, tempDir } from './helpers.js'

const good = `input: { use: synthetic-room, with: { frames: 2 } }
stages:
  backbone: { use: color-lexicon }
  masker: { use: grid, with: { cell_size: 32 } }
  aggregator: { use: mask-mean }
`

describe('plaf validate', () => {
  it('accepts a good pipeline and shows the wiring', async () => {
    const dir = tempDir({ 'p.yaml': good })
    const r = await cli('validate', join(dir, 'p.yaml'))
    expect(r.code).toBe(0)
    expect(r.out).toContain('aggregator   mask-mean')
    expect(r.out).toContain('features←backbone.features, masks←masker.masks')
  })
  it('prints file:line:col, the option path and a caret, and exits 1', async () => {
    const dir = tempDir({ 'p.yaml': good.replace('cell_size: 32', 'cell_size: 3.5') })
    const r = await cli('validate', join(dir, 'p.yaml'))
    expect(r.code).toBe(1)
    const lines = r.err.split('\n')
    expect(lines[0]).toMatch(/p\.yaml:4:43 error stages\.masker\.with\.cell_size must be integer {2}PLAF_INVALID_OPTION$/)
    expect(lines[1]).toBe('   4 |   masker: { use: grid, with: { cell_size: 3.5 } }')
    expect(lines[2]).toBe('     | ' + ' '.repeat(42) + '^')
    expect(lines[3]).toContain('expected integer; got 3.5; options: plaf plugins grid')
  })
  it('points a --set error at the argument', async () => {
    const dir = tempDir({ 'p.yaml': good })
    const r = await cli('validate', join(dir, 'p.yaml'), '--set', 'stages.masker.with.cell_size=big')
    expect(r.code).toBe(1)
    expect(r.err).toContain('--set stages.masker.with.cell_size=big error stages.masker.with.cell_size must be integer')
    expect(r.err).toContain('     | --set stages.masker.with.cell_size=big\n     | ' + ' '.repeat(35) + '^')
  })
  it('the paper configuration names only registered plugins, with valid options', async () => {
    const r = await cli('validate', join(__dirname, '../../../pipelines/scannet.yaml'))
    expect(r.code).toBe(1) // the default ScanNet scene is not on this machine
    expect(r.err).toContain('PLAF_FILE_NOT_FOUND')
    expect(r.err).not.toContain('PLAF_UNKNOWN_PLUGIN')
    expect(r.err).not.toContain('PLAF_INVALID_OPTION')
  })
  it('emits JSON diagnostics with --json', async () => {
    const dir = tempDir({ 'p.yaml': good.replace('use: grid', 'use: gird') })
    const r = await cli('validate', join(dir, 'p.yaml'), '--json')
    expect(r.code).toBe(1)
    expect(JSON.parse(r.err)[0]).toMatchObject({ code: 'PLAF_UNKNOWN_PLUGIN', line: 4, column: 18, actual: 'gird', hint: expect.stringContaining('grid') })
  })
})

describe('plaf plugins, schema, doctor', () => {
  it('lists every built-in plugin with a compiling schema', async () => {
    const r = await cli('plugins', '--json')
    expect(r.code).toBe(0)
    const list = JSON.parse(r.out) as { name: string; kind: string; options: object }[]
    expect(list.map((p) => p.name).sort()).toEqual(builtins.map((p) => p.name).sort())
    const ajv = new Ajv({ strict: false })
    for (const p of list) expect(() => ajv.compile(p.options), p.name).not.toThrow()
  })
  it('shows one plugin with its options table', async () => {
    const r = await cli('plugins', 'grid')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/cell_size\s+integer\s+64/)
    expect((await cli('plugins', 'gird')).err).toContain('closest: grid')
  })
  it('writes a JSON Schema that checks a pipeline by plugin', async () => {
    const r = await cli('schema')
    const schema = JSON.parse(r.out)
    const validate = new Ajv({ strict: false }).compile(schema)
    const pipeline = { input: { use: 'synthetic-room' }, stages: { masker: { use: 'grid', with: { cell_size: 8 } } } }
    expect(validate(pipeline)).toBe(true)
    expect(validate({ ...pipeline, stages: { masker: { use: 'grid', with: { cell_size: 'x' } } } })).toBe(false)
  })
  it('schema --out creates a missing folder (the README\'s .plaf/pipeline.schema.json); a file in the way is exit 1 naming it', async () => {
    const dir = tempDir({ afile: 'x' })
    const out = join(dir, '.plaf', 'pipeline.schema.json')
    const r = await cli('schema', '--out', out)
    expect(r.code).toBe(0)
    expect(r.err).toBe(`wrote ${out} (created ${join(dir, '.plaf')}/); add "# yaml-language-server: $schema=${out}" to a pipeline file\n`)
    expect(JSON.parse(readFileSync(out, 'utf8')).$schema).toBeTruthy()
    const b = await cli('schema', '--out', join(dir, 'afile', 'x.json'))
    expect(b.code).toBe(1)
    expect(b.err).toBe(`${join(dir, 'afile')} error cannot mkdir ${join(dir, 'afile')}: a file is in the way of a directory (EEXIST)  PLAF_OUTPUT_UNWRITABLE\n     choose another --out <file> path\n`)
  })
  it('doctor names the active tensor backend and why', async () => {
    const r = await cli('doctor', '--json')
    expect(r.code).toBe(0)
    const d = JSON.parse(r.out)
    expect(d.activeTensorBackend.name).toBeTruthy()
    expect(d.activeTensorBackend.why.length).toBeGreaterThan(5)
    expect(d.selection.find((c: { name: string }) => c.name === 'tfjs-node-gpu').status).toBe('skipped')
    const text = await cli('doctor')
    expect(text.out).toContain(`active tensor backend: ${d.activeTensorBackend.name}`)
    expect(text.out).toContain(typeof (globalThis as { Float16Array?: unknown }).Float16Array === 'function'
      ? '\nFloat16Array   built in: onnxruntime returns float16 tensors as Float16Array, which plaf reads as their bits\n'
      : '\nFloat16Array   not in this Node (added in Node 24): plaf converts float16 from its bits (Uint16Array), no effect on results\n')
  })
})

describe('exit codes', () => {
  it('1 for a missing file, 1 for a bad command, 0 for --help', async () => {
    expect((await cli('validate', '/nonexistent/p.yaml')).code).toBe(1)
    expect((await cli('frobnicate')).code).toBe(1)
    expect((await cli('--help')).code).toBe(0)
    expect((await cli('query', '/nonexistent-run')).err).toContain('at least one --text')
  })
})

describe('pipelines/pipeline.schema.json', () => {
  it('is what `plaf schema` writes today (editors read the committed file)', async () => {
    const committed = readFileSync(join(__dirname, '../../../pipelines/pipeline.schema.json'), 'utf8')
    const r = await cli('schema')
    expect(committed.trimEnd(), 'stale: run npx plaf schema --out pipelines/pipeline.schema.json').toBe(r.out.trimEnd())
  })
})

describe('the shipped pipelines', () => {
  it('demo.yaml, ablation.yaml and scannet.yaml validate', async () => {
    const dir = join(__dirname, '../../../pipelines')
    // validate checks the input scene exists: give each pipeline a small written one
    const scene = join(tempDir(), 'scene0000_00')
    await writeScene(scene, { frames: 2, color_width: 64, color_height: 48, depth_width: 32, depth_height: 24, mesh_spacing: 0.5 })
    const set = ['--set', `input.with.scene=${scene}`]
    expect((await cli('validate', join(dir, 'demo.yaml'), ...set)).code).toBe(0)
    expect((await cli('validate', join(dir, 'ablation.yaml'), ...set)).code).toBe(0)
    // Only warnings may remain (models not installed here: their embedding spaces cannot be checked).
    const r = await cli('validate', join(dir, 'scannet.yaml'), '--json', ...set)
    expect(r.code).toBe(0)
    const diags = (r.err ? JSON.parse(r.err) : []) as { severity: string }[]
    expect(diags.filter((d) => d.severity !== 'warning')).toEqual([])
  })
  it('scannet.yaml: validate names every model not installed (backbone, masker, text encoder), each with its pull command', async () => {
    const home = tempDir()
    vi.stubEnv('PLAF_HOME', home)
    try {
      const scene = join(tempDir(), 'scene0000_00')
      await writeScene(scene, { frames: 1, color_width: 64, color_height: 48, depth_width: 32, depth_height: 24, mesh_spacing: 0.5 })
      const r = await cli('validate', join(__dirname, '../../../pipelines/scannet.yaml'), '--json', '--set', `input.with.scene=${scene}`)
      expect(r.code).toBe(0)
      const diags = JSON.parse(r.err) as { code: string; severity: string; stage: string; actual: string; hint: string }[]
      expect(diags.map((d) => [d.code, d.severity, d.stage, d.actual, d.hint])).toEqual(['sam-vit-h', 'radio-v2.5-b', 'siglip-so400m-text'].map((m, i) => [
        'PLAF_MODEL_MISSING', 'warning', ['masker', 'backbone', 'querier'][i], m, `get it with: plaf models pull ${m} (or plaf models import <dir>)`,
      ]))
    } finally {
      vi.unstubAllEnvs()
    }
  })
  it('points an unknown key given with --set at the key', async () => {
    const r = await cli('validate', join(__dirname, '../../../pipelines/ablation.yaml'), '--set', 'stages.masker.with.min_sise=32')
    expect(r.code).toBe(1)
    expect(r.err).toContain('     | --set stages.masker.with.min_sise=32\n     | ' + ' '.repeat(25) + '^')
    expect(r.err).toContain('did you mean "min_size"?')
  })
})
