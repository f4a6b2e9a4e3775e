import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PlafError } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { classSet } from '../src/classes.js'
import { classPrompts } from '../src/prompts.js'

const promptsFile = (v: unknown): string => {
  const f = join(mkdtempSync(join(tmpdir(), 'plaf-prompts-')), 'p2.json')
  writeFileSync(f, JSON.stringify(v))
  return f
}
const error = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    if (e instanceof PlafError) return e.diagnostics[0]!
    throw e
  }
  throw new Error('no error')
}

describe('classPrompts', () => {
  it('a background class in the prompts file under --background exclude says that exclude leaves it out, not that it is no class', () => {
    const f = promptsFile({ chair: 'a chair', floor: 'the floor' })
    expect(classPrompts(classSet('scannet20'), [], f).classes.length).toBe(2)
    const d = error(() => classPrompts(classSet('scannet20', 'exclude'), [], f))
    expect([d.code, d.message, d.hint]).toEqual(['PLAF_INPUT_INVALID',
      `${f}: "floor" is a background class of scannet20, which --background exclude leaves out (not queried, its ground truth ignored)`,
      `drop "floor" from ${f}, or evaluate with --background include`])
    // a name of no class is still that
    expect(error(() => classPrompts(classSet('scannet20', 'exclude'), [], promptsFile({ chiar: 'x' }))).message).toContain('"chiar" is not a class of scannet20 (did you mean "chair"?)')
  })
})
