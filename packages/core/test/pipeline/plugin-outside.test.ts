import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Registry, resolvePipeline } from '../../src/index.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { files } from './helpers.js'

const band = `export default { name: 'band', kind: 'masker', version: '1.0.0', description: 'One band: a test plugin.', options: { type: 'object', additionalProperties: false, properties: {} }, inputs: { frame: 'Frame' }, outputs: { masks: 'MaskSet' }, async create() { return { run: () => ({}) } } }\n`
const pipeline = (plugin: string) => `plugins: [${plugin}]\ninput: { use: flat-frames }\nstages:\n  m: { use: band }\noutput: { dir: out }\n`
const registry = new Registry(fixturePlugins)

describe('a plugin listed from outside the pipeline\'s folder tree', () => {
  it('loads, with an info note naming where its code comes from, at the plugins: entry', async () => {
    const dir = files({ 'shared/band.mjs': band, 'p/p.yaml': pipeline('../shared/band.mjs') })
    const r = await resolvePipeline(join(dir, 'p', 'p.yaml'), registry)
    expect(r.pipeline).toBeDefined()
    expect(r.diagnostics).toEqual([expect.objectContaining({
      code: 'PLAF_PLUGIN_OUTSIDE_TREE', severity: 'info', file: join(dir, 'p', 'p.yaml'), line: 1, path: 'plugins.0',
      message: `plugins[0] loads code from ${join(dir, 'shared', 'band.mjs')}, outside ${join(dir, 'p')}, the folder of the file that lists it; its code runs whenever this pipeline is read, validate included`,
    })])
  })

  it('says nothing for a plugin inside the tree', async () => {
    const dir = files({ 'p/plugins/band.mjs': band, 'p/p.yaml': pipeline('./plugins/band.mjs') })
    expect((await resolvePipeline(join(dir, 'p', 'p.yaml'), registry)).diagnostics).toEqual([])
  })
})
