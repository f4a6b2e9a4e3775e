import { validateOptions } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { colorLexiconBackbone } from '../src/index.js'

describe('sizes that drive allocations are bounded in the schema (an option error at validate, not "Invalid typed array length" at run)', () => {
  it('resolution at most 8192, as one side or [h, w]', () => {
    for (const resolution of [1e12, 8193, [512, 1e9]]) expect(validateOptions(colorLexiconBackbone, { resolution }).ok, JSON.stringify(resolution)).toBe(false)
    for (const resolution of [8192, [64, 8192], 512]) expect(validateOptions(colorLexiconBackbone, { resolution }).ok, JSON.stringify(resolution)).toBe(true)
  })
})
