// The tests must run the TypeScript sources, not a stale dist/: the vitest configs resolve the
// `@plaf/source` export condition. If that wiring broke, every other test would silently test
// whatever was last built; this one fails instead. (Stack traces cannot tell: dist/ has source
// maps back to src/.)
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

describe('tests resolve @plaf/* to their sources', () => {
  it.each([
    ['@plaf/core', 'packages/core/src/index.ts'],
    ['@plaf/core/testing', 'packages/core/src/testing/index.ts'],
    ['@plaf/storage', 'packages/storage/src/index.ts'],
    ['@plaf/cli', 'packages/cli/src/index.ts'],
  ])('%s resolves to %s', (specifier, file) => {
    expect(fileURLToPath(import.meta.resolve(specifier))).toMatch(new RegExp(`${file.replace(/[/.]/g, '\\$&')}$`))
  })
})
