// tools/export (Python, for users with the real weights) in CI: its unittest suite on test-sized
// random models of the real structure, then the manifests it writes read back by PLAF-TS itself
// (schema and paths through openModelDir, hashes, the ONNX files' real I/O through our own ONNX
// sessions) and the graphs run by PLAF-TS against PyTorch's outputs.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRunContext, createStandaloneContext, decodeNpy, openModelDir, openOnnxSession, validateOptions, type FeatureGrid, type ModelAccess, type OnnxTensor, type OpenedModel, type Plugin, type TextEmbeddings } from '@plaf/core'
import { findPython, makeFrame, maxAbsDiff } from '@plaf/core/testing'
import { radioBackbone, siglipTextEncoder } from '@plaf/backbone-radio'
import { clipDenseBackbone, clipTextEncoder } from '@plaf/backbone-clip'
import { tempDir } from './helpers.js'

const repo = join(__dirname, '..')
const tools = join(repo, 'tools', 'export')
const python = findPython(['torch', 'onnx', 'numpy'])
// No __pycache__ folders in the working tree from test runs.
const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }
const skipNote = python ? '' : ' (skipped: no python3 with torch, onnx and numpy; CI installs python3-torch, python3-onnx, python3-numpy)'

describe.skipIf(!python)(`tools/export${skipNote}`, () => {
  const { dir, cleanup } = tempDir('export-tools')
  afterAll(cleanup)

  it('passes its own unittest suite, every test in it discovered and none skipped', () => {
    const r = spawnSync(python!, ['-W', 'ignore', '-m', 'unittest', 'discover', '-s', join(tools, 'tests'), '-v'], { cwd: repo, env, encoding: 'utf8' })
    const log = r.stderr
    expect(r.status, log).toBe(0)
    const defined = readdirSync(join(tools, 'tests'))
      .filter((f) => /^test_.*\.py$/.test(f))
      .reduce((n, f) => n + (readFileSync(join(tools, 'tests', f), 'utf8').match(/^ {4}def test_/gm)?.length ?? 0), 0)
    expect(defined).toBeGreaterThanOrEqual(30)
    expect(log).toMatch(new RegExp(`Ran ${defined} tests? in [\\d.]+s\\s+OK\\s*$`))
    expect(log).not.toMatch(/skipped/)
  })

  describe('manifests and graphs read back by PLAF-TS', () => {
    const models: Record<string, OpenedModel> = {}
    beforeAll(() => {
      const r = spawnSync(python!, ['-W', 'ignore', join(tools, 'tests', 'make_tiny_models.py'), dir], { env, encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`make_tiny_models.py failed (${r.status}): ${r.stderr}`)
      for (const m of ['radio', 'siglip-text', 'clip']) models[m] = openModelDir(join(dir, m))
    }, 120_000)

    it('pass the TypeScript manifest schema with the contract families, roles and spaces', () => {
      expect(Object.fromEntries(Object.entries(models).map(([k, m]) => [k, [m.manifest.family, Object.keys(m.manifest.graphs)]]))).toEqual({
        radio: ['radio', ['vision', 'adaptor']], 'siglip-text': ['siglip-text', ['text']], clip: ['clip', ['vision', 'text']],
      })
      expect(models.radio.manifest.image?.embedding_space).toBe(models['siglip-text'].manifest.text?.embedding_space)
      expect(models.radio.manifest.graphs.vision.outputs.map((o) => [o.role, o.layout])).toEqual([['features', 'nhwc'], ['backbone_features', 'nhwc']])
      expect(models['siglip-text'].manifest.text?.tokenizer).toMatchObject({ context_length: 16, pad_id: 1, clean: 'siglip' })
    })

    it('list every file in the folder with its true sha256 and size', () => {
      for (const m of Object.values(models)) {
        const onDisk = readdirSync(m.dir).filter((f) => f !== 'plaf-model.json').sort()
        expect(m.manifest.files.map((f) => f.path).sort()).toEqual(onDisk)
        for (const f of m.manifest.files) {
          const bytes = readFileSync(m.path(f.path))
          expect([f.sha256, f.bytes], f.path).toEqual([createHash('sha256').update(bytes).digest('hex'), bytes.length])
        }
      }
    })

    it('declare exactly the I/O the ONNX files have, and the graphs give PyTorch\'s outputs through PLAF-TS sessions', async () => {
      for (const [name, m] of Object.entries(models)) {
        for (const [graphName, graph] of Object.entries(m.manifest.graphs)) {
          const session = await openOnnxSession(m.path(graph.file), { device: 'cpu', threads: 1 })
          try {
            const io = (specs: { name: string; dtype?: string; type?: string; shape: (number | string)[] }[]) => specs.map((s) => [s.name, s.dtype ?? s.type, s.shape])
            expect(io([...session.inputs]), `${name}.${graphName} inputs`).toEqual(io(graph.inputs))
            expect(io([...session.outputs]), `${name}.${graphName} outputs`).toEqual(io(graph.outputs))
            const feeds: Record<string, OnnxTensor> = {}
            for (const input of graph.inputs) {
              const a = decodeNpy(readFileSync(join(dir, 'expected', `${name}.${graphName}.${input.name}.npy`)))
              feeds[input.name] = { type: input.dtype as OnnxTensor['type'], data: a.data as OnnxTensor['data'], dims: [...a.shape] }
            }
            const out = await session.run(feeds)
            for (const o of graph.outputs) {
              const want = decodeNpy(readFileSync(join(dir, 'expected', `${name}.${graphName}.${o.name}.npy`)))
              expect(out[o.name]!.dims, `${name}.${graphName}.${o.name}`).toEqual([...want.shape])
              expect(maxAbsDiff(out[o.name]!.data as Float32Array, want.data as Float32Array), `${name}.${graphName}.${o.name}`).toBeLessThan(1e-4)
            }
          } finally {
            await session.release()
          }
        }
      }
    })

    it('run through the radio, siglip-text, clip-dense and clip-text plugins as written (roles, layouts, preprocessing, tokenizer, spaces)', async () => {
      // the store is the export folders themselves: a model ref is the folder name
      const models: ModelAccess = { open: async (ref) => openModelDir(join(dir, ref)) }
      const ctx = createStandaloneContext({ models, session: { device: 'cpu', threads: 1 } })
      const create = async (plugin: Plugin, options: Record<string, unknown>) => {
        const v = validateOptions(plugin, options)
        expect(v.ok, JSON.stringify(v)).toBe(true)
        return (plugin as { create(o: unknown, c: typeof ctx): Promise<{ run(i: unknown, rc: unknown): Promise<Record<string, unknown>>; dispose?(): unknown }> }).create(v.value, ctx)
      }
      // left half red, right half blue: patches on either side must differ
      const frame = makeFrame(60, 90, (x) => (x < 45 ? [220, 30, 30] : [30, 30, 220]))
      const spaces: Record<string, string> = {}
      for (const [plugin, ref, d] of [[radioBackbone, 'radio', 40], [clipDenseBackbone, 'clip', models ? undefined : 0]] as const) {
        const inst = await create(plugin, { model: ref })
        try {
          const { features } = (await inst.run({ frame }, createRunContext())) as { features: FeatureGrid }
          const m = (await models.open(ref)).manifest
          const [gh, gw, fd] = features.shape
          expect([gh, gw], ref).toEqual(m.image!.preprocessing.input_size.map((s) => s / m.image!.patch_size))
          expect(fd).toBe(d ?? m.image!.feature_dim)
          expect(features.space).toBe(m.image!.embedding_space)
          const cell = (y: number, x: number) => features.data.subarray((y * gw + x) * fd, (y * gw + x + 1) * fd)
          expect(maxAbsDiff(cell(0, 0), cell(0, gw - 1)), `${ref}: red and blue patches`).toBeGreaterThan(1e-3)
          spaces[ref] = features.space
          // the RADIO export ships its head alone too (graphs.adaptor): the grid carries the backbone's tokens
          if (ref === 'radio') expect([features.adaptor?.dim, features.adaptor?.model]).toEqual([32, `${m.name}@${m.version}`])
        } finally {
          await inst.dispose?.()
        }
      }
      for (const [plugin, ref, image] of [[siglipTextEncoder, 'siglip-text', 'radio'], [clipTextEncoder, 'clip', 'clip']] as const) {
        const inst = await create(plugin, { model: ref, cache: 'off' })
        try {
          const out = (await inst.run({ text: { texts: ['a chair', 'A  chair!', 'a table'] } }, createRunContext())) as { embeddings?: TextEmbeddings } & Record<string, TextEmbeddings>
          const e = Object.values(out)[0] as TextEmbeddings
          expect(e.space, ref).toBe(spaces[image])
          const row = (i: number) => e.data.subarray(i * e.shape[1], (i + 1) * e.shape[1])
          // both clean-ups fold case and whitespace (siglip also drops punctuation), so rows 0 and 1 agree
          if (ref === 'siglip-text') expect(maxAbsDiff(row(0), row(1))).toBeLessThan(1e-6)
          expect(maxAbsDiff(row(0), row(2)), `${ref}: different texts`).toBeGreaterThan(1e-4)
        } finally {
          await inst.dispose?.()
        }
      }
    })
  })
})
