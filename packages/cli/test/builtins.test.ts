import { validateOptions } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { builtinRegistry, builtins } from '../src/builtins.js'

describe('built-in plugins', () => {
  // builtinRegistry leaves compiling to first use (startup time); this is where a bad schema shows
  it.each(builtins.map((p) => [`${p.kind} ${p.name}`, p]))('%s: the options schema compiles', (_, p) => {
    expect(() => validateOptions(p, {})).not.toThrow() // compiling happens in the first validation
  })

  it('are all registered', () => {
    const r = builtinRegistry()
    for (const p of builtins) expect(r.get(p.kind, p.name)).toBe(p)
  })
})
