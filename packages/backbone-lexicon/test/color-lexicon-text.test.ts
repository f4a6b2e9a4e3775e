import { PlafError, validateOptions } from '@plaf/core'
import { createRunContext, createTestContext, describeStagePlugin } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { colorLexiconTextEncoder, type ColorLexiconTextOptions } from '../src/color-lexicon-text.js'
import { vocabulary } from '../src/vocabulary.js'

describeStagePlugin(colorLexiconTextEncoder, [
  { name: 'colour phrases', inputs: () => ({ text: { texts: ['red', 'navy blue chair', 'Dark green!'] } }) },
  { name: 'unknown words as zero', options: { unknown: 'zero', temperature: 5 }, inputs: () => ({ text: { texts: ['chair', 'teal'] } }) },
  { name: 'a named shade', options: { temperature: 20 }, inputs: () => ({ text: { texts: ['brick red mug'] } }) },
])

async function embed(texts: string[], options: Partial<ColorLexiconTextOptions> = {}) {
  const opts = validateOptions(colorLexiconTextEncoder, options).value as unknown as ColorLexiconTextOptions
  const inst = await colorLexiconTextEncoder.create(opts, createTestContext({ stage: 'text' }))
  const rc = createRunContext()
  const out = await inst.run({ text: { texts } }, rc)
  return { ...out.embeddings!, notes: rc.notes }
}

const d = vocabulary().entries.length
const row = (e: { data: Float32Array }, i: number) => [...e.data.subarray(i * d, (i + 1) * d)]

describe('color-lexicon-text', () => {
  it('embeds phrases as unit vectors in the lexicon space', async () => {
    const e = await embed(['red', 'blue'])
    expect(e.shape).toEqual([2, d])
    expect(e.space).toBe('color-lexicon/0.3.0')
    expect(e.texts).toEqual(['red', 'blue'])
    for (const i of [0, 1]) expect(Math.hypot(...row(e, i))).toBeCloseTo(1, 6)
    // a basic term is its own dimension
    expect(row(e, 0)).toEqual(vocabulary().entries.map((t) => (t.name === 'red' ? 1 : 0)))
  })

  it('embeds a named shade as the terms people use for it: navy blue is mostly blue, not the term itself', async () => {
    const e = await embed(['navy blue chair', 'navy blue', 'blue', 'brick red', 'dark green', 'green'])
    expect(row(e, 0)).toEqual(row(e, 1))
    const blue = vocabulary().index.get('blue')!
    const red = vocabulary().index.get('red')!
    const green = vocabulary().index.get('green')!
    const top = (r: number[]) => r.indexOf(Math.max(...r))
    expect(top(row(e, 0))).toBe(blue)
    expect(row(e, 0)[blue]).toBeLessThan(1)
    expect(row(e, 0)).not.toEqual(row(e, 2))
    expect(top(row(e, 3))).toBe(red)
    expect(top(row(e, 4))).toBe(green)
    expect(row(e, 4)).not.toEqual(row(e, 5))
  })

  it('fails on a text with no colour, naming the text', async () => {
    const err = await embed(['red', 'wooden chair']).catch((x: unknown) => x)
    expect(err).toBeInstanceOf(PlafError)
    expect((err as PlafError).diagnostics[0]).toMatchObject({
      code: 'PLAF_INVALID_OPTION',
      actual: 'wooden chair',
      message: 'text "wooden chair" names no colour, so color-lexicon-text cannot embed it',
    })
  })

  it('with unknown: zero, embeds a zero row and warns', async () => {
    const e = await embed(['wooden chair', 'red'], { unknown: 'zero' })
    expect(row(e, 0).every((x) => x === 0)).toBe(true)
    expect(Math.hypot(...row(e, 1))).toBeCloseTo(1, 6)
    expect(e.notes).toHaveLength(1)
    expect(e.notes[0]).toMatchObject({ code: 'PLAF_INVALID_OPTION', severity: 'warning', actual: 'wooden chair' })
  })

  it('puts a non-default temperature in the space id and sharpens the vectors of named shades', async () => {
    const sharp = await embed(['tan'], { temperature: 2 })
    const soft = await embed(['tan'], { temperature: 30 })
    expect(sharp.space).toBe('color-lexicon/0.3.0;t=2')
    expect(Math.max(...row(sharp, 0))).toBeGreaterThan(Math.max(...row(soft, 0)))
  })
})
