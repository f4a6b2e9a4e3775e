import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { loadTextTokenizer, localModelAccess, openModelDir, validateOptions, type TextEmbeddings } from '@plaf/core'
import { createRunContext, createTestContext, describeStagePlugin, tempDir } from '@plaf/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { clipTextEncoder, type ClipTextOptions } from '../src/clip-text.js'
import { CLIP_TEXT_CONTRACT, writeClipTextContractModel } from '../src/testing/index.js'

const home = tempDir('clip-text-store')
afterAll(() => home.cleanup())
process.env.PLAF_HOME = home.dir
const modelDir = join(home.dir, 'models', `${CLIP_TEXT_CONTRACT.name}@${CLIP_TEXT_CONTRACT.version}`)
mkdirSync(modelDir, { recursive: true })
const contract = writeClipTextContractModel(modelDir)
const models = localModelAccess(home.dir)
const D = CLIP_TEXT_CONTRACT.featureDim

async function embed(texts: string[], options: Record<string, unknown> = {}): Promise<TextEmbeddings> {
  const v = validateOptions(clipTextEncoder, { cache: 'memory', ...options })
  const inst = await clipTextEncoder.create(v.value as unknown as ClipTextOptions, createTestContext({ stage: 'querier', models }))
  try {
    return (await inst.run({ text: { texts } }, createRunContext())).embeddings!
  } finally {
    await inst.dispose?.()
  }
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0)

describeStagePlugin(clipTextEncoder, [
  { name: 'CLIP-contract model', inputs: () => ({ text: { texts: ['a chair', 'A Red Lamp.', ''] } }), context: { models } },
  { name: 'templates', options: { templates: ['a photo of a {}.', 'a picture of the {}.'], cache: 'off' }, inputs: () => ({ text: { texts: ['sofa'] } }), context: { models } },
])

describe('clip-text on the contract model', () => {
  it('tokenizes as CLIP: <|startoftext|> … <|endoftext|>, 77 ids, pad 0, end token kept on truncation', () => {
    const tok = loadTextTokenizer(openModelDir(modelDir))
    const V = contract.weights.vocab
    const [sot, eot] = [V - 2, V - 1]
    const ids = tok.encode('A Chair.')
    expect(ids).toHaveLength(77)
    expect(ids.slice(0, 5)).toEqual([sot, tok.encodeRaw('a')[1], tok.encodeRaw('chair')[1], tok.encodeRaw('.')[1], eot])
    expect(ids.slice(5).every((i) => i === 0)).toBe(true)
    const long = tok.encode(Array(100).fill('chair').join(' '))
    expect([long.length, long[0], long[75], long[76]]).toEqual([77, sot, tok.encodeRaw('chair')[1], eot])
  })
  it('returns unit rows of D 512 in the clip-dense contract\'s space; punctuation matters, case does not', async () => {
    const e = await embed(['a chair', 'a chair.', 'A CHAIR', 'a red lamp'])
    const row = (i: number) => e.data.subarray(i * D, (i + 1) * D)
    expect(e.shape).toEqual([4, D])
    expect(e.space).toBe('openai-clip-vit-b-16')
    expect(dot(row(0), row(0))).toBeCloseTo(1, 5)
    expect(Array.from(row(2))).toEqual(Array.from(row(0)))
    expect(dot(row(0), row(1))).toBeLessThan(0.999)
    expect(dot(row(0), row(3))).toBeLessThan(0.99)
  })
  it('the hand computation: masked mean of table rows + bias → projection → unit length', async () => {
    const tok = loadTextTokenizer(openModelDir(modelDir))
    const { table, bias, projection, padId, vocab } = contract.weights
    const E = table.length / vocab
    const kept = tok.encode('wooden table').filter((id) => id !== padId)
    const pooled = Float64Array.from(bias)
    for (const id of kept) for (let k = 0; k < E; k++) pooled[k] += table[id * E + k]! / kept.length
    const want = Array.from({ length: D }, (_, d) => pooled.reduce((s, p, k) => s + p * projection[k * D + d]!, 0))
    const n = Math.hypot(...want)
    const got = (await embed(['wooden table'])).data
    expect(Math.max(...want.map((w, d) => Math.abs(w / n - got[d]!)))).toBeLessThan(1e-5)
  })
  it('embeddingSpace names the manifest\'s space', async () => {
    expect(await clipTextEncoder.embeddingSpace!(validateOptions(clipTextEncoder, {}).value as unknown as ClipTextOptions, { models, baseDir: '.' })).toBe('openai-clip-vit-b-16')
  })
})
