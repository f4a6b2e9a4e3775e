import { describe, expect, it } from 'vitest'
import { PlafError, createStandaloneContext, flagOrigin, optionDiagnostics, validateOptions } from '../../src/index.js'
import { blockMean } from '../fixtures/plugins.js'

const check = (value: Record<string, unknown>, source: Omit<Parameters<typeof optionDiagnostics>[2], 'value'>) =>
  optionDiagnostics(blockMean, validateOptions(blockMean, value).errors, { value, ...source })

describe('optionDiagnostics: option errors outside pipeline files', () => {
  it('points a wrong type at the flag that gave it, with the dotted path', () => {
    expect(check({ block: 1.5 }, { flags: { block: '--block 1.5' } })).toMatchInlineSnapshot(`
      [
        {
          "actual": "1.5",
          "code": "PLAF_INVALID_OPTION",
          "column": 9,
          "expected": "integer",
          "hint": "options: plaf plugins block-mean",
          "message": "block must be integer",
          "path": "block",
          "plugin": "block-mean",
          "severity": "error",
          "source": "--block 1.5",
        },
      ]
    `)
  })
  it('names an unknown key with "did you mean", under a path prefix and a --set flag', () => {
    expect(check({ block: 2, scael: 3 }, { path: 'stages.b.with', flags: { scael: '--set scael=3' }, stage: 'b' })).toMatchInlineSnapshot(`
      [
        {
          "actual": "scael",
          "code": "PLAF_UNKNOWN_OPTION",
          "column": 7,
          "expected": "one of block, scale",
          "hint": "did you mean "scale"? options: plaf plugins block-mean",
          "message": "stages.b.with.scael is not a known option",
          "path": "stages.b.with.scael",
          "plugin": "block-mean",
          "severity": "error",
          "source": "--set scael=3",
          "stage": "b",
        },
      ]
    `)
  })
  it('falls back to the command for options without a flag, and names the options themselves', () => {
    const errors = validateOptions(blockMean, 3).errors
    expect(optionDiagnostics(blockMean, errors, { value: 3, source: 'plaf query runs/x', hint: 'see plaf query --help' })).toMatchInlineSnapshot(`
      [
        {
          "actual": "3",
          "code": "PLAF_INVALID_OPTION",
          "expected": "object",
          "hint": "see plaf query --help",
          "message": "block-mean options must be object",
          "path": "",
          "plugin": "block-mean",
          "severity": "error",
          "source": "plaf query runs/x",
        },
      ]
    `)
  })
  it('puts the caret under the value of a flag', () => {
    expect(flagOrigin('--frames 1.5')).toEqual({ source: '--frames 1.5', column: 10, keyColumn: 1 })
    expect(flagOrigin('--threshold=2')).toEqual({ source: '--threshold=2', column: 13, keyColumn: 1 })
    expect(flagOrigin('--set input.with.frames=x')).toEqual({ source: '--set input.with.frames=x', column: 25, keyColumn: 18 })
  })
  it('is what ctx.instantiate reports for bad options', async () => {
    const ctx = createStandaloneContext({ plugins: [blockMean] })
    const e = await ctx.instantiate('backbone', 'block-mean', { block: 2, scale: 'big' }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(PlafError)
    expect((e as PlafError).diagnostics).toEqual([{
      code: 'PLAF_INVALID_OPTION', severity: 'error', message: 'scale must be number', path: 'scale', plugin: 'block-mean',
      expected: 'number', actual: '"big"', hint: 'options: plaf plugins block-mean',
    }])
  })
})

describe('optionDiagnostics: a list option that repeats an item', () => {
  const tags = { ...blockMean, name: 'tagged', options: { type: 'object', additionalProperties: false, properties: { tags: { type: 'array', items: { type: 'string' }, uniqueItems: true } } } } as unknown as typeof blockMean
  it('names the repeated item and both 1-based positions, pointing at the repeat', () => {
    const value = { tags: ['chair', 'table', 'lamp', 'table'] }
    const [d, ...rest] = optionDiagnostics(tags, validateOptions(tags, value).errors, { value, path: 'stages.q.with' })
    expect(rest).toEqual([])
    expect(d).toMatchObject({
      code: 'PLAF_INVALID_OPTION', path: 'stages.q.with.tags.3', actual: '"table"', expected: 'each item once',
      message: 'stages.q.with.tags names "table" twice (items 2 and 4)',
    })
    expect(d.hint).toMatch(/^remove the repeated item/)
  })
  it('accepts the same list without the repeat', () => {
    expect(validateOptions(tags, { tags: ['chair', 'table', 'lamp'] }).errors).toEqual([])
  })
})
