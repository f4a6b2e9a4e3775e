import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, tempDir } from './helpers.js'

/** A masker plugin whose run() reads a port it does not have (a TypeError on line 8). */
const buggy = `interface Inputs { frame: { rgb: { shape: number[] } } }
export default {
  name: 'bands', kind: 'masker', version: '1.0.0', description: 'A buggy test plugin.',
  options: { type: 'object', additionalProperties: false, properties: {} }, inputs: { frame: 'Frame' }, outputs: { masks: 'MaskSet' },
  async create() {
    return {
      run(inputs: Inputs) {
        const [h, w] = (inputs as unknown as { image: { shape: number[] } }).image.shape
        return { masks: { width: w, height: h, masks: [] } }
      },
    }
  },
}
`
const pipeline = 'plugins: [./bands.ts]\ninput: { use: synthetic-room, with: { frames: 1, color_width: 32, color_height: 24, depth_width: 32, depth_height: 24 } }\nstages:\n  masker: { use: bands }\nruntime: { cache: false }\noutput: { dir: out }\n'

describe('a bug in a plugins: plugin', () => {
  it('a TypeError in run(): exit 2, the plugin file, line and column, whose bug it is, and the stack', async () => {
    const dir = tempDir({ 'bands.ts': buggy, 'p.yaml': pipeline })
    const r = await cli('run', join(dir, 'p.yaml'), '--progress', 'none')
    expect(r.code).toBe(2)
    const file = join(dir, 'bands.ts')
    const [diag, stack] = r.err.split('stack of the error (plugin bands):\n')
    expect(diag).toBe([
      `${file}:8:84 error stage masker (bands) frame 000000: TypeError: Cannot read properties of undefined (reading 'shape')  PLAF_STAGE_FAILED`,
      '   8 |         const [h, w] = (inputs as unknown as { image: { shape: number[] } }).image.shape',
      `     | ${' '.repeat(83)}^`,
      `     a bug in the plugin bands (${file}), not in the pipeline: the stack below shows where; report it to the plugin's author`,
      '',
    ].join('\n'))
    expect(stack!.split('\n')[0]).toBe(`    at Object.run (${file}:8:84)`)
    expect(stack!.split('\n').filter((l) => l.startsWith('    at ')).length).toBeGreaterThan(3)
  })
})
