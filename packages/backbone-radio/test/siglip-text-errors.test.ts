import { rmSync } from 'node:fs'
import { loadTextTokenizer, openModelDir, validateOptions, type PlafError } from '@plaf/core'
import { createTestContext } from '@plaf/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { siglipTextEncoder } from '../src/siglip-text.js'
import { writeRadioContractModel, writeSiglipTextContractModel } from '../src/testing/index.js'
import { diagnosticOf, editManifest, replaceFile, textStore } from './text-fixtures.js'

const store = textStore()
afterAll(() => store.home.cleanup())

/** A fresh contract model named `name` (edited by `edit`), then create → the diagnostic. */
async function failure(name: string, edit: (dir: string) => void = () => {}, options: Record<string, unknown> = {}, run = false) {
  const dir = store.folder(name)
  rmSync(dir, { recursive: true, force: true })
  writeSiglipTextContractModel(dir, { name })
  edit(dir)
  const opts = validateOptions(siglipTextEncoder, { model: name, cache: 'off', ...options }).value
  const go = async () => {
    const inst = await siglipTextEncoder.create(opts as never, createTestContext({ stage: 'querier', models: store.models }))
    try {
      if (run) await inst.run({ text: { texts: ['a chair', 'a lamp'] } }, { metric: () => {}, warn: () => {} })
    } finally {
      await inst.dispose?.()
    }
  }
  return diagnosticOf(go(), store.home.dir)
}

describe('siglip-text errors, each a whole diagnostic', () => {
  it('a model not in the store', async () => {
    const d = await diagnosticOf(siglipTextEncoder.create(validateOptions(siglipTextEncoder, { model: 'siglip-nope' }).value as never, createTestContext({ models: store.models })), store.home.dir)
    expect(d).toMatchObject({ code: 'PLAF_MODEL_MISSING', severity: 'error', actual: 'siglip-nope' })
    expect(d.hint).toContain('plaf models pull siglip-nope')
  })
  it('tokenizer.json missing: the store notices when the plugin opens the model', async () => {
    expect(await failure('t-missing', (dir) => rmSync(`${dir}/tokenizer.json`))).toMatchInlineSnapshot(`
      {
        "actual": "no file",
        "code": "PLAF_MODEL_CORRUPT",
        "expected": "2660 bytes",
        "file": "<home>/models/t-missing@1.0.0/tokenizer.json",
        "hint": "plaf models pull t-missing fetches it again, plaf models rm t-missing@1.0.0 removes it",
        "message": "model t-missing@1.0.0: tokenizer.json is missing",
        "severity": "error",
      }
    `)
  })
  it('tokenizer.json missing from a model folder opened directly', () => {
    const dir = store.folder('t-direct')
    writeSiglipTextContractModel(dir, { name: 't-direct' })
    rmSync(`${dir}/tokenizer.json`)
    let d: unknown
    try {
      loadTextTokenizer(openModelDir(dir))
    } catch (e) {
      d = JSON.parse(JSON.stringify((e as PlafError).diagnostics[0]).split(store.home.dir).join('<home>'))
    }
    expect(d).toMatchInlineSnapshot(`
      {
        "code": "PLAF_MODEL_CORRUPT",
        "file": "<home>/models/t-direct@1.0.0/tokenizer.json",
        "hint": "plaf models verify t-direct  (re-pull or re-import the model)",
        "message": "model t-direct: tokenizer file <home>/models/t-direct@1.0.0/tokenizer.json does not exist",
        "severity": "error",
      }
    `)
  })
  it('tokenizer.json not JSON', async () => {
    expect(await failure('t-garbled', (dir) => replaceFile(dir, 'tokenizer.json', '{"model": '))).toMatchInlineSnapshot(`
      {
        "code": "PLAF_MODEL_INVALID",
        "file": "<home>/models/t-garbled@1.0.0/tokenizer.json",
        "message": "model t-garbled: tokenizer file <home>/models/t-garbled@1.0.0/tokenizer.json is not a valid JSON object: Unexpected end of JSON input",
        "plugin": "siglip-text",
        "severity": "error",
        "stage": "querier",
      }
    `)
  })
  it('tokenizer.json that is JSON but not a tokenizer', async () => {
    expect(await failure('t-notok', (dir) => replaceFile(dir, 'tokenizer.json', '{"vocab": {"a": 1}}'))).toMatchInlineSnapshot(`
      {
        "code": "PLAF_MODEL_INVALID",
        "expected": "a tokenizer.json with model.type Unigram, BPE or WordPiece",
        "file": "<home>/models/t-notok@1.0.0/tokenizer.json",
        "message": "model t-notok: <home>/models/t-notok@1.0.0/tokenizer.json has no "model" section, so it is not a Hugging Face tokenizer.json",
        "plugin": "siglip-text",
        "severity": "error",
        "stage": "querier",
      }
    `)
  })
  it('a pad id outside the vocabulary', async () => {
    expect(await failure('t-pad', (dir) => editManifest(dir, (m) => void (m.text!.tokenizer.pad_id = 100000)))).toMatchInlineSnapshot(`
      {
        "actual": "100000",
        "code": "PLAF_MODEL_INVALID",
        "expected": "an id of tokenizer.json",
        "file": "<home>/models/t-pad@1.0.0/tokenizer.json",
        "message": "model t-pad: text.tokenizer.pad_id 100000 is not an id of the tokenizer's vocabulary",
        "path": "text.tokenizer.pad_id",
        "plugin": "siglip-text",
        "severity": "error",
        "stage": "querier",
      }
    `)
  })
  it('no output with role text_embeds', async () => {
    expect(await failure('t-role', (dir) => editManifest(dir, (m) => void (m.graphs.text!.outputs[0]!.role = 'pooler_output')))).toMatchInlineSnapshot(`
      {
        "actual": "text.text_embeds (role pooler_output)",
        "code": "PLAF_MODEL_INVALID",
        "expected": "an output with role text_embeds",
        "file": "<home>/models/t-role@1.0.0/plaf-model.json",
        "hint": "export the text tower with its pooled, projected output (tools/export)",
        "message": "model t-role@1.0.0 has no graph output with role "text_embeds"; it offers text.text_embeds (role pooler_output)",
        "plugin": "siglip-text",
        "severity": "error",
        "stage": "querier",
      }
    `)
  })
  it('the manifest names an output the ONNX file does not have', async () => {
    expect(await failure('t-name', (dir) => editManifest(dir, (m) => void (m.graphs.text!.outputs[0]!.name = 'pooler_output')))).toMatchInlineSnapshot(`
      {
        "actual": "text_embeds",
        "code": "PLAF_MODEL_IO_MISMATCH",
        "expected": "pooler_output",
        "file": "<home>/models/t-name@1.0.0/siglip_so400m_text.onnx",
        "message": "model t-name@1.0.0: the manifest's output pooler_output is not in <home>/models/t-name@1.0.0/siglip_so400m_text.onnx, which has outputs text_embeds",
        "plugin": "siglip-text",
        "severity": "error",
        "stage": "querier",
      }
    `)
  })
  it('the declared output D differs from text.feature_dim', async () => {
    expect(await failure('t-decl', (dir) => editManifest(dir, (m) => void (m.text!.feature_dim = 768)))).toMatchInlineSnapshot(`
      {
        "actual": "float32 [B, 1152]",
        "code": "PLAF_MODEL_INVALID",
        "expected": "float32 [B, 768]",
        "file": "<home>/models/t-decl@1.0.0/plaf-model.json",
        "message": "model t-decl@1.0.0: graph text output text_embeds must be float32 [B, 768] (text.feature_dim 768), the manifest declares float32 [B, 1152]",
        "plugin": "siglip-text",
        "severity": "error",
        "stage": "querier",
      }
    `)
  })
  it('the graph returns another D than the manifest says', async () => {
    expect(await failure('t-dim', (dir) => {
      rmSync(dir, { recursive: true })
      writeSiglipTextContractModel(dir, { name: 't-dim', manifestDim: 768 })
    }, {}, true)).toMatchInlineSnapshot(`
      {
        "actual": "float32 [2, 1152]",
        "code": "PLAF_MODEL_IO_MISMATCH",
        "expected": "[2, 768]",
        "file": "<home>/models/t-dim@1.0.0/siglip_so400m_text.onnx",
        "message": "model t-dim@1.0.0: graph text returned float32 [2, 1152] for output text_embeds, expected float32 [2, 768] (text.feature_dim 768 from the manifest)",
        "plugin": "siglip-text",
        "severity": "error",
        "stage": "querier",
      }
    `)
  })
  it('an input of another context length', async () => {
    expect(await failure('t-len', (dir) => editManifest(dir, (m) => void (m.text!.tokenizer.context_length = 77)))).toMatchInlineSnapshot(`
      {
        "actual": "int64 [B, 64]",
        "code": "PLAF_MODEL_INVALID",
        "expected": "int64 [B, 77]",
        "file": "<home>/models/t-len@1.0.0/plaf-model.json",
        "message": "model t-len@1.0.0: graph text input input_ids must be int64 [B, 77] (context_length 77), the manifest declares int64 [B, 64]",
        "plugin": "siglip-text",
        "severity": "error",
        "stage": "querier",
      }
    `)
  })
  it('an image model given as the text model', async () => {
    writeRadioContractModel(store.folder('radio-small'), { name: 'radio-small', inputSize: 32, featureDim: 8, backboneDim: 8 })
    const d = await diagnosticOf(siglipTextEncoder.create(validateOptions(siglipTextEncoder, { model: 'radio-small' }).value as never, createTestContext({ stage: 'querier', models: store.models })), store.home.dir)
    expect(d).toMatchInlineSnapshot(`
      {
        "actual": "radio-small",
        "code": "PLAF_MODEL_INVALID",
        "file": "<home>/models/radio-small@1.0.0/plaf-model.json",
        "message": "model radio-small@1.0.0 (family radio) has no "text" section: it is not a text model",
        "path": "stages.querier.with.model",
        "plugin": "siglip-text",
        "severity": "error",
        "stage": "querier",
      }
    `)
  })
})
