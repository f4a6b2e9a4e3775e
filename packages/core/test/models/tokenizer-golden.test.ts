import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openModelDir } from '../../src/models/access.js'
import { loadTextTokenizer } from '../../src/models/text-tokenizer.js'
import { checkTokenizerGolden } from '../../src/models/tokenizer-golden.js'
import { tempDir } from '../../src/testing/temp.js'
import { writeTextContractModel } from '../../src/testing/text-contract.js'

const { dir, cleanup } = tempDir('golden')
afterAll(cleanup)

/** A SigLIP-like text model whose folder also lists `tokens.json` with the given content. */
function modelWithGolden(name: string, golden: unknown) {
  const d = join(dir, name)
  writeTextContractModel(d, {
    name, version: '1.0.0', family: 'siglip-text', description: 'golden test', file: 'text.onnx', tokenizer: 'unigram', contextLength: 8,
    featureDim: 4, embeddingSpace: 's', clean: 'siglip', pad: 'eos', seed: 1,
  })
  const bytes = Buffer.from(JSON.stringify(golden))
  writeFileSync(join(d, 'tokens.json'), bytes)
  const manifestFile = join(d, 'plaf-model.json')
  const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as { files: object[] }
  m.files.push({ path: 'tokens.json', sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length })
  writeFileSync(manifestFile, JSON.stringify(m))
  return openModelDir(d)
}

describe('checkTokenizerGolden: the exporting tokenizer\'s ids in tokens.json', () => {
  const texts = ['a chair', 'A Chair!!', 'the   lamp_post', '']

  it('passes when every golden string gives the same ids, and says how many it checked', () => {
    const probe = modelWithGolden('probe', { texts: [], input_ids: [] })
    const tok = loadTextTokenizer(probe)
    const model = modelWithGolden('same', { texts, input_ids: texts.map((t) => tok.encode(t)) })
    expect(checkTokenizerGolden(model, loadTextTokenizer(model))).toBe(4)
  })

  it('is a no-op for a model without tokens.json', () => {
    const d = join(dir, 'plain')
    writeTextContractModel(d, { name: 'plain', version: '1.0.0', family: 'siglip-text', description: 'golden test', file: 'text.onnx', tokenizer: 'unigram', contextLength: 8, featureDim: 4, embeddingSpace: 's', clean: 'siglip', pad: 'eos', seed: 1 })
    const m = openModelDir(d)
    expect(checkTokenizerGolden(m, loadTextTokenizer(m))).toBe(0)
  })

  it('refuses the first string whose ids differ, with the position and both id runs', () => {
    const probe = modelWithGolden('probe2', { texts: [], input_ids: [] })
    const ids = texts.map((t) => loadTextTokenizer(probe).encode(t))
    const want = ids.map((r) => r.slice())
    want[1]![1] = 999 // as if the exporting tokenizer kept the '!!' as a piece
    const model = modelWithGolden('differs', { texts, input_ids: want })
    const file = join(dir, 'differs', 'tokens.json')
    expect(() => checkTokenizerGolden(model, loadTextTokenizer(model))).toThrow(expect.objectContaining({
      diagnostics: [expect.objectContaining({
        code: 'PLAF_MODEL_INVALID',
        message: `model differs: the tokenizer gives other ids than the exporting tokenizer for "A Chair!!" (tokens.json, text 1): id ${ids[1]![1]} at position 1, the export has 999`,
        file, path: 'input_ids[1][1]', expected: want[1]!.slice(0, 5).join(' '), actual: ids[1]!.slice(0, 5).join(' '),
      })],
    }))
  })

  it('refuses a tokens.json of the wrong shape', () => {
    const model = modelWithGolden('shape', { texts: ['a'], input_ids: [[1, 2]] })
    expect(() => checkTokenizerGolden(model, loadTextTokenizer(model))).toThrow(expect.objectContaining({
      diagnostics: [expect.objectContaining({ code: 'PLAF_MODEL_INVALID', expected: '{ texts: string[], input_ids: number[n][8] }' })],
    }))
  })
})
