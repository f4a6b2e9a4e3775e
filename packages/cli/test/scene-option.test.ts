import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, tempDir } from './helpers.js'

const pipeline = `name: small
input: { use: scannet, with: { scene: ./none } }
stages:
  backbone: { use: color-lexicon, with: { resolution: 64 } }
  masker: { use: grid, with: { cell_size: 40 } }
  aggregator: { use: mask-mean }
  storage2d: { use: mask-indexed }
`

describe('plaf run --scenes: errors about the listed scene point at the flags the user typed', () => {
  it('a misspelt --scene-option is shown at --scene-option, never at a --set nobody typed', async () => {
    const dir = tempDir({ 'p.yaml': pipeline, 'list.txt': 'a\n' })
    expect((await cli('make-scene', join(dir, 'a'), '--frames', '1')).code).toBe(0)
    const r = await cli('run', join(dir, 'p.yaml'), '--scenes', join(dir, 'list.txt'), '--scene-option', 'scen', '--out', join(dir, 'runs'), '--progress', 'none')
    expect(r.code).toBe(1)
    expect(r.err).toContain('--scene-option scen error input.with.scen is not a known option')
    // the caret under the option name in the flag's own text
    expect(r.err).toContain('     | --scene-option scen\n     |                ^')
    expect(r.err).toContain('did you mean "scene"?')
    expect(r.err).not.toContain('--set')
  })

  it('an option whose value the listed path cannot be is shown at --scene-option too', async () => {
    const dir = tempDir({ 'p.yaml': pipeline, 'list.txt': 'a\n' })
    expect((await cli('make-scene', join(dir, 'a'), '--frames', '1')).code).toBe(0)
    const r = await cli('run', join(dir, 'p.yaml'), '--scenes', join(dir, 'list.txt'), '--scene-option', 'frame_step', '--out', join(dir, 'runs'), '--progress', 'none')
    expect(r.code).toBe(1)
    expect(r.err).toContain('--scene-option frame_step error')
    expect(r.err).not.toContain('--set')
  })
})
