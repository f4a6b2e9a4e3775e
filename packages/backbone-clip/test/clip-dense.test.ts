import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PlafError, inputGridTransform, localModelAccess, validateOptions, type FeatureGrid, type Frame } from '@plaf/core'
import { createRunContext, createTestContext, describeStagePlugin, makeFrame, mulberry32, tempDir, uniformColourFeatures, type ContractModel } from '@plaf/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { clipDenseBackbone, type ClipDenseOptions } from '../src/clip-dense.js'
import { CLIP_CONTRACT, writeClipContractModel, type ClipContractOptions } from '../src/testing/index.js'

const home = tempDir('clip-store')
afterAll(() => home.cleanup())
const models = localModelAccess(home.dir)
const add = (o: ClipContractOptions = {}): ContractModel => writeClipContractModel(join(home.dir, 'models', `${o.name ?? CLIP_CONTRACT.name}@1.0.0`), o)
const contract = add()

const noise = (): Frame => {
  const r = mulberry32(3)
  return makeFrame(36, 60, () => [r() * 255, r() * 255, r() * 255])
}

async function grid(options: Record<string, unknown>, frame: Frame): Promise<FeatureGrid> {
  const inst = await clipDenseBackbone.create(validateOptions(clipDenseBackbone, options).value as unknown as ClipDenseOptions, createTestContext({ stage: 'backbone', models }))
  try {
    return ((await inst.run({ frame }, createRunContext({ id: frame.id, index: 0 }))) as { features: FeatureGrid }).features
  } finally {
    await inst.dispose?.()
  }
}

/** Largest difference between every listed cell's D values and `want`. */
function worstCell(g: FeatureGrid, cells: Iterable<number>, want: ArrayLike<number>): number {
  const d = g.shape[2]
  let m = 0
  for (const c of cells) for (let j = 0; j < d; j++) m = Math.max(m, Math.abs(g.data[c * d + j]! - want[j]!))
  return m
}
const range = (n: number) => Array.from({ length: n }, (_, i) => i)

describeStagePlugin(clipDenseBackbone, [
  { name: 'the CLIP ViT-B/16 contract at 224²', inputs: () => ({ frame: noise() }), context: { models } },
  { name: 'aspect kept with padding', options: { resize: 'pad' }, inputs: () => ({ frame: noise() }), context: { models } },
])

describe('clip-dense on the CLIP-contract model', () => {
  it('returns the 14×14×512 grid in the CLIP space, CLIP mean/std applied before the graph', async () => {
    const orange = [250, 140, 20] as const
    const g = await grid({}, makeFrame(36, 60, () => orange))
    expect(g.shape).toEqual([14, 14, 512])
    expect(g.space).toBe('openai-clip-vit-b-16')
    expect(g.transform).toEqual(inputGridTransform([36, 60], [224, 224], [224, 224], 16))
    expect(worstCell(g, range(196), uniformColourFeatures(contract, orange, 'features'))).toBeLessThan(1e-4)
  })

  it('follows the manifest\'s resize policy unless the option overrides it; padding cells see zeros after normalisation', async () => {
    const padded = add({ name: 'clip-pad', resize: 'pad' })
    const green = [30, 200, 60] as const
    const frame = makeFrame(40, 80, () => green) // fits 224² as 112×224: 7 rows of 14 hold the image
    const g = await grid({ model: 'clip-pad' }, frame)
    expect(g.transform).toEqual(inputGridTransform([40, 80], [224, 224], [112, 224], 16))
    // pad_value 0 is the normalised value, so a padding patch gives the projected bias
    const { bias, projections } = padded.weights
    const proj = projections.features!
    const zero = new Float64Array(512)
    for (let k = 0; k < bias.length; k++) for (let j = 0; j < 512; j++) zero[j] += bias[k]! * proj[k * 512 + j]!
    expect(worstCell(g, range(7 * 14), uniformColourFeatures(padded, green, 'features'))).toBeLessThan(1e-4)
    expect(worstCell(g, range(7 * 14).map((c) => c + 7 * 14), zero)).toBeLessThan(1e-4)
    const squashed = await grid({ model: 'clip-pad', resize: 'squash' }, frame)
    expect(squashed.transform).toEqual(inputGridTransform([40, 80], [224, 224], [224, 224], 16))
    expect(worstCell(squashed, range(196), uniformColourFeatures(padded, green, 'features'))).toBeLessThan(1e-4)
  })

  it('gives different patches different features (content reaches the output)', async () => {
    const g = await grid({}, makeFrame(64, 64, (x, y) => (x < 32 === y < 32 ? [255, 255, 255] : [0, 0, 0])))
    const d = 512
    let diff = 0
    for (let j = 0; j < d; j++) diff = Math.max(diff, Math.abs(g.data[j]! - g.data[13 * d + j]!))
    expect(diff).toBeGreaterThan(0.1)
    expect(Array.from(g.data.subarray(0, d))).toEqual(Array.from(g.data.subarray((13 * 14 + 13) * d, (13 * 14 + 14) * d)))
  })

  it('refuses an export without a features output, naming what it has', async () => {
    const m = add({ name: 'clip-pooled-only' })
    const man = structuredClone(m.manifest)
    man.graphs.vision!.outputs[0]!.role = 'image_embeds'
    writeFileSync(join(m.dir, 'plaf-model.json'), JSON.stringify(man))
    const err = await grid({ model: 'clip-pooled-only' }, noise()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PlafError)
    const { cause: _c, ...d } = (err as PlafError).diagnostics[0]!
    expect(d).toEqual({
      code: 'PLAF_MODEL_INVALID',
      severity: 'error',
      message: 'model clip-pooled-only@1.0.0 has no graph output with role "features"; it offers vision.features (role image_embeds)',
      file: join(m.dir, 'plaf-model.json'),
      plugin: 'clip-dense',
      stage: 'backbone',
      expected: 'an output with role features',
      actual: 'vision.features (role image_embeds)',
      hint: 'export the model with its language-aligned output (tools/export)',
    })
  })
})
