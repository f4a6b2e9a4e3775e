import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeClipTextContractModel } from '@plaf/backbone-clip/testing'
import { writeRadioContractModel, writeSiglipTextContractModel } from '@plaf/backbone-radio/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { cli, tempDir } from './helpers.js'

let home = ''
beforeEach(() => {
  home = tempDir()
  vi.stubEnv('PLAF_HOME', home)
  vi.stubEnv('PLAF_HUB', '')
  writeRadioContractModel(join(home, 'models', 'radio-v2.5-b@1.0.0'), { inputSize: 32 })
  writeSiglipTextContractModel(join(home, 'models', 'siglip-so400m-text@1.0.0'))
  writeClipTextContractModel(join(home, 'models', 'clip-vit-b-16-text@1.0.0'))
})
afterEach(() => void vi.unstubAllEnvs())

const pipeline = (encoder: string) => `input: { use: synthetic-room, with: { frames: 1 } }
stages:
  backbone: { use: radio }
  masker: { use: grid }
  aggregator: { use: mask-mean }
  storage2d: { use: mask-indexed }
  lifter: { use: backproject }
  storage3d: { use: index-reference }
  querier:
    use: text
    with:
      encoder: ${encoder}
      queries: [chair]
output: { dir: out }
`

describe('plaf validate: backbone and text encoder must share an embedding space', () => {
  it('radio with clip-text is rejected at the encoder option, both spaces named', async () => {
    const dir = tempDir({ 'p.yaml': pipeline('clip-text') })
    const r = await cli('validate', join(dir, 'p.yaml'), '--json')
    expect(r.code).toBe(1)
    expect(JSON.parse(r.err.split(dir).join('<dir>'))).toMatchInlineSnapshot(`
      [
        {
          "actual": "openai-clip-vit-b-16",
          "code": "PLAF_SPACE_MISMATCH",
          "column": 16,
          "expected": "siglip-so400m-patch14-384",
          "file": "<dir>/p.yaml",
          "hint": "pair the backbone with a text encoder of the same embedding space (the embedding_space of both plaf-model.json files)",
          "line": 12,
          "message": "text encoder clip-text (stages.querier.with.encoder) embeds texts in space "openai-clip-vit-b-16", but backbone radio (stage backbone) produces features in space "siglip-so400m-patch14-384": their similarities would mean nothing",
          "path": "stages.querier.with.encoder",
          "plugin": "clip-text",
          "severity": "error",
          "stage": "querier",
        },
      ]
    `)
  })
  it('radio with siglip-text validates', async () => {
    const dir = tempDir({ 'p.yaml': pipeline('siglip-text') })
    const r = await cli('validate', join(dir, 'p.yaml'))
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
  })
  it('reads manifests only: a damaged weight file is not hashed at validation (the run checks it)', async () => {
    const onnx = join(home, 'models', 'siglip-so400m-text@1.0.0', 'siglip_so400m_text.onnx')
    const bytes = readFileSync(onnx)
    bytes[bytes.length - 1] ^= 0xff
    writeFileSync(onnx, bytes)
    const dir = tempDir({ 'p.yaml': pipeline('siglip-text') })
    const r = await cli('validate', join(dir, 'p.yaml'))
    expect([r.code, r.err]).toEqual([0, ''])
  })
  it('a text model not installed yet is a warning, not an error', async () => {
    const dir = tempDir({ 'p.yaml': pipeline('siglip-text').replace('queries: [chair]', 'queries: [chair]\n      encoder_options: { model: siglip-later }') })
    const r = await cli('validate', join(dir, 'p.yaml'), '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.err).map((d: { code: string; severity: string; line: number }) => [d.code, d.severity, d.line])).toEqual([['PLAF_MODEL_MISSING', 'warning', 12]])
  })
})
