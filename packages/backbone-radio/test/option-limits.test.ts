import { validateOptions } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { radioBackbone } from '../src/index.js'

describe('radio: resolution is bounded in the schema', () => {
  it('refuses 1e12 and 8193, takes 8192', () => {
    expect(validateOptions(radioBackbone, { resolution: 1e12 }).ok).toBe(false)
    expect(validateOptions(radioBackbone, { resolution: 8193 }).ok).toBe(false)
    expect(validateOptions(radioBackbone, { resolution: 8192 }).ok).toBe(true)
  })
})
