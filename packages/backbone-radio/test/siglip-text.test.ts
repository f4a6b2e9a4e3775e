import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { clearTextEmbeddingMemory, loadTextTokenizer, openModelDir, openTextEncoder, validateOptions, type TextEmbeddings } from '@plaf/core'
import { createRunContext, createTestContext, describeStagePlugin } from '@plaf/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { siglipTextEncoder, type SiglipTextOptions } from '../src/siglip-text.js'
import { SIGLIP_TEXT_CONTRACT, writeSiglipTextContractModel } from '../src/testing/index.js'
import { dot, editManifest, textStore } from './text-fixtures.js'

const store = textStore()
afterAll(() => store.home.cleanup())
const modelDir = store.folder(SIGLIP_TEXT_CONTRACT.name)
const contract = writeSiglipTextContractModel(modelDir)
const ctx = () => createTestContext({ stage: 'querier', models: store.models })

async function embed(texts: string[], options: Record<string, unknown> = {}): Promise<TextEmbeddings> {
  const v = validateOptions(siglipTextEncoder, options)
  if (!v.ok) throw new Error(JSON.stringify(v.errors))
  const inst = await siglipTextEncoder.create(v.value as unknown as SiglipTextOptions, ctx())
  try {
    return (await inst.run({ text: { texts } }, createRunContext())).embeddings!
  } finally {
    await inst.dispose?.()
  }
}

describeStagePlugin(siglipTextEncoder, [
  { name: 'SigLIP-contract model', inputs: () => ({ text: { texts: ['a chair', 'Red LAMP!', ''] } }), context: { models: store.models } },
  { name: 'templates, batch 1, memory cache', options: { templates: ['a photo of a {}.', 'the {}'], batch_size: 1, cache: 'memory' }, inputs: () => ({ text: { texts: ['sofa', 'wooden table'] } }), context: { models: store.models } },
])

describe('siglip-text on the contract model', () => {
  it('returns unit rows of D 1152 in the RADIO contract\'s space', async () => {
    const e = await embed(['a chair', 'a red lamp'])
    expect(e.shape).toEqual([2, 1152])
    expect(e.space).toBe('siglip-so400m-patch14-384')
    for (let i = 0; i < 2; i++) expect(dot(e.data.subarray(i * 1152, (i + 1) * 1152), e.data.subarray(i * 1152, (i + 1) * 1152))).toBeCloseTo(1, 5)
  })
  it('equals the hand computation: tokenizer ids → mean of table rows → projection → unit length', async () => {
    const tok = loadTextTokenizer(openModelDir(modelDir))
    const { table, bias, projection, padId } = contract.weights
    const E = table.length / contract.weights.vocab
    const ids = tok.encode('A Wooden_Chair.')
    expect(ids).toHaveLength(64)
    expect(ids.slice(0, 5)).toEqual([tok.encodeRaw('a')[0], tok.encodeRaw('wooden')[0], tok.encodeRaw('chair')[0], 1, 1])
    expect(padId).toBe(1)
    const kept = ids.filter((id) => id !== padId)
    expect(kept).toHaveLength(3)
    const pooled = Float64Array.from(bias)
    for (const id of kept) for (let k = 0; k < E; k++) pooled[k] += table[id * E + k]! / kept.length
    const want = new Float64Array(1152)
    for (let k = 0; k < E; k++) for (let d = 0; d < 1152; d++) want[d] += pooled[k]! * projection[k * 1152 + d]!
    const n = Math.hypot(...want)
    const got = (await embed(['A Wooden_Chair.'])).data
    let err = 0
    for (let d = 0; d < 1152; d++) err = Math.max(err, Math.abs(got[d]! - want[d]! / n))
    expect(err).toBeLessThan(1e-5)
  })
  it('different texts give different embeddings; texts that clean alike give the same', async () => {
    const e = await embed(['a chair', 'a red lamp', 'A CHAIR!!'])
    const row = (i: number) => e.data.subarray(i * 1152, (i + 1) * 1152)
    expect(dot(row(0), row(1))).toBeLessThan(0.99)
    expect(Array.from(row(2))).toEqual(Array.from(row(0)))
  })
  it('templates: the normalised mean of the unit embeddings of every prompt', async () => {
    const templates = ['a photo of a {}.', 'a picture of the {}', '{} in a kitchen']
    const got = (await embed(['sofa'], { templates })).data
    const each = (await embed(templates.map((t) => t.replace('{}', 'sofa')))).data
    const want = new Float64Array(1152)
    for (let t = 0; t < 3; t++) for (let d = 0; d < 1152; d++) want[d] += each[t * 1152 + d]!
    const n = Math.hypot(...want)
    for (let d = 0; d < 1152; d++) expect(got[d]).toBeCloseTo(want[d]! / n, 6)
    expect(dot(got, each.subarray(0, 1152))).toBeLessThan(0.9999)
  })
  it('batch size changes how often the session runs, not the result', async () => {
    const texts = ['a chair', 'a lamp', 'a door']
    const one = await openTextEncoder(ctx(), { plugin: 'siglip-text', model: 'siglip-so400m-text', templates: ['{}'], batchSize: 1, cache: 'off' })
    const all = await openTextEncoder(ctx(), { plugin: 'siglip-text', model: 'siglip-so400m-text', templates: ['{}'], batchSize: 32, cache: 'off' })
    const [a, b] = [await one.embed(texts), await all.embed(texts)]
    expect([one.runs, all.runs]).toEqual([3, 1])
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 6)
    await Promise.all([one.dispose(), all.dispose()])
  })
  it('an export with a fixed batch runs its own batch size, padding the last batch', async () => {
    const dir = store.folder('siglip-fixed')
    writeSiglipTextContractModel(dir, { name: 'siglip-fixed' })
    editManifest(dir, (m) => void (m.graphs.text!.inputs[0]!.shape = [2, 64]))
    const texts = ['a chair', 'a lamp', 'a door']
    const fixed = await openTextEncoder(ctx(), { plugin: 'siglip-text', model: 'siglip-fixed', templates: ['{}'], batchSize: 32, cache: 'off' })
    const free = await openTextEncoder(ctx(), { plugin: 'siglip-text', model: 'siglip-so400m-text', templates: ['{}'], batchSize: 32, cache: 'off' })
    const [a, b] = [await fixed.embed(texts), await free.embed(texts)]
    expect(fixed.runs).toBe(2)
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 6)
    await Promise.all([fixed.dispose(), free.dispose()])
  })
})

describe('the embedding cache', () => {
  const open = (cache: 'disk' | 'memory' | 'off') => openTextEncoder(ctx(), { plugin: 'siglip-text', model: 'siglip-so400m-text', templates: ['a photo of a {}.', '{}'], batchSize: 8, cache })
  it('repeated texts never rerun the session: memory within the process, disk across processes', async () => {
    clearTextEmbeddingMemory()
    const cacheDir = join(store.home.dir, 'cache', 'text-embeddings', openModelDir(modelDir).sha256)
    rmSync(cacheDir, { recursive: true, force: true })
    const a = await open('disk')
    const first = await a.embed(['chair', 'lamp'])
    expect([a.runs, a.cache.misses, a.cache.hits]).toEqual([1, 4, 0])
    expect(readdirSync(cacheDir)).toHaveLength(4)
    expect(Array.from(await a.embed(['lamp', 'chair', 'chair']))).toEqual(Array.from([...first.subarray(1152), ...first.subarray(0, 1152), ...first.subarray(0, 1152)]))
    expect([a.runs, a.cache.hits, a.sessionOpen]).toEqual([1, 4, true])
    await a.dispose()
    clearTextEmbeddingMemory()
    const b = await open('disk')
    expect(Array.from(await b.embed(['chair']))).toEqual(Array.from(first.subarray(0, 1152)))
    expect([b.runs, b.cache.hits, b.cache.misses]).toEqual([0, 2, 0])
    expect([a.sessionOpen, b.sessionOpen]).toEqual([false, false]) // a was disposed; b never needed the weights
    await b.dispose()
  })
  it('memory keeps no files; off reruns every time', async () => {
    clearTextEmbeddingMemory()
    const cacheRoot = join(store.home.dir, 'cache', 'text-embeddings')
    rmSync(cacheRoot, { recursive: true, force: true })
    const m = await open('memory')
    await m.embed(['bed'])
    await m.embed(['bed'])
    expect(m.runs).toBe(1)
    expect(existsSync(cacheRoot)).toBe(false)
    const o = await open('off')
    await o.embed(['bed'])
    await o.embed(['bed'])
    expect(o.runs).toBe(2)
    await Promise.all([m.dispose(), o.dispose()])
  })
  it('is keyed by the model: another export of the same name misses', async () => {
    clearTextEmbeddingMemory()
    const other = store.folder('siglip-so400m-text', '2.0.0')
    writeSiglipTextContractModel(other, { version: '2.0.0', seed: 7 })
    const enc = await openTextEncoder(ctx(), { plugin: 'siglip-text', model: 'siglip-so400m-text@1.0.0', templates: ['{}'], batchSize: 8, cache: 'memory' })
    const enc2 = await openTextEncoder(ctx(), { plugin: 'siglip-text', model: 'siglip-so400m-text@2.0.0', templates: ['{}'], batchSize: 8, cache: 'memory' })
    const [x, y] = [await enc.embed(['chair']), await enc2.embed(['chair'])]
    expect(enc2.runs).toBe(1)
    expect(dot(x, y)).toBeLessThan(0.99)
    await Promise.all([enc.dispose(), enc2.dispose()])
    rmSync(other, { recursive: true })
  })
})

describe('embeddingSpace', () => {
  it('reads the manifest\'s space without opening a session', async () => {
    expect(await siglipTextEncoder.embeddingSpace!(validateOptions(siglipTextEncoder, {}).value as never, { models: store.models, baseDir: '.' })).toBe('siglip-so400m-patch14-384')
  })
})

