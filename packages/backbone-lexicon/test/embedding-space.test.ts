import { validateOptions } from '@plaf/core'
import { createRunContext, createTestContext } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { colorLexiconTextEncoder, type ColorLexiconTextOptions } from '../src/color-lexicon-text.js'
import { colorLexiconBackbone, type ColorLexiconOptions } from '../src/color-lexicon.js'

// The lexicon has no model: its hook must not need the store.
const ctx = { models: { open: () => Promise.reject(new Error('no model expected')) }, baseDir: '.' }

describe('embeddingSpace (the validate-time check)', () => {
  it('the backbone and the text encoder claim the spaces their outputs carry, temperature included', async () => {
    for (const temperature of [10, 25]) {
      const b = validateOptions(colorLexiconBackbone, { temperature }).value as unknown as ColorLexiconOptions
      const t = validateOptions(colorLexiconTextEncoder, { temperature }).value as unknown as ColorLexiconTextOptions
      const enc = await colorLexiconTextEncoder.create(t, createTestContext())
      const out = await enc.run({ text: { texts: ['red'] } }, createRunContext())
      expect(await colorLexiconTextEncoder.embeddingSpace!(t, ctx)).toBe(out.embeddings!.space)
      expect(await colorLexiconBackbone.embeddingSpace!(b, ctx)).toBe(out.embeddings!.space)
    }
    const [a, b] = await Promise.all([10, 25].map((temperature) => colorLexiconTextEncoder.embeddingSpace!({ temperature, unknown: 'error' }, ctx)))
    expect(a).not.toBe(b)
  })
})
