import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, tempDir } from './helpers.js'

/** A user's own masker with one option, loaded by the pipeline's plugins:. */
const bands = `export default {
  name: 'bands', kind: 'masker', version: '1.0.0', description: 'Horizontal bands (a test plugin).',
  options: { type: 'object', additionalProperties: false, properties: { rows: { type: 'integer', minimum: 1, default: 4, description: 'number of bands' } } },
  inputs: { frame: 'Frame' }, outputs: { masks: 'MaskSet' },
  async create() { return { run() { return { masks: { width: 1, height: 1, masks: [] } } } } },
}
`
const pipeline = 'plugins: [./bands.ts]\ninput: { use: synthetic-room, with: { frames: 1, color_width: 32, color_height: 24, depth_width: 32, depth_height: 24 } }\nstages:\n  masker: { use: bands }\nruntime: { cache: false }\noutput: { dir: out }\n'

describe('plaf plugins --pipeline', () => {
  it('an option error of a plugins: plugin hints the exact command that lists its options, and that command works', async () => {
    const dir = tempDir({ 'bands.ts': bands, 'bands.yaml': pipeline })
    const file = join(dir, 'bands.yaml')
    const bad = await cli('validate', file, '--set', 'stages.masker.with.band=3')
    expect(bad.code).toBe(1)
    const hint = /options: (plaf plugins bands --pipeline \S+)/.exec(bad.err)?.[1]
    expect(hint, bad.err).toBe(`plaf plugins bands --pipeline ${file}`)
    const listed = await cli(...hint!.split(' ').slice(1))
    expect(listed.code, listed.err).toBe(0)
    expect(listed.out).toContain('bands (masker) 1.0.0')
    expect(listed.out).toMatch(/rows\s+integer\s+4\s+number of bands/)
    // a built-in plugin's hint stays plain
    const builtin = await cli('validate', file, '--set', 'input.with.frame=3')
    expect(builtin.err).toContain('options: plaf plugins synthetic-room\n')
    // without --pipeline the plugin is unknown, and the message says how to list it
    const plain = await cli('plugins', 'bands')
    expect(plain.code).toBe(1)
    expect(plain.err).toContain('a plugin a pipeline loads with plugins: is listed with --pipeline <file>')
  })
})
