import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Registry, resolvePipeline, runPipeline } from '../../src/index.js'
import { CODE_HASH_LIMITS, hashPluginCode } from '../../src/pipeline/plugin-source.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { files } from '../pipeline/helpers.js'

/** A cacheable masker that reports `bands` (a constant of its own file or of a file it imports) as a metric. */
const plugin = (bands: string, from = '') => `${from}
export default {
  name: 'bands', kind: 'masker', version: '1.0.0', description: 'Reports a band count: a test plugin.', cacheable: true,
  options: { type: 'object', additionalProperties: false, properties: {} }, inputs: { frame: 'Frame' }, outputs: { masks: 'MaskSet' },
  async create() {
    return { run({ frame }, rc) { rc.metric('bands', ${bands}); return { masks: { width: frame.rgb.shape[1], height: frame.rgb.shape[0], masks: [] } } } }
  },
}
`
const pipeline = (entry: string) => `plugins: [${entry}]\ninput: { use: flat-frames, with: { frames: 2, size: 4 } }\nstages:\n  m: { use: bands }\nruntime: { tensor_backend: reference, cache_dir: cache }\noutput: { dir: out }\n`
const registry = new Registry(fixturePlugins)

async function run(dir: string) {
  const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
  expect(r.diagnostics).toEqual([])
  const { report } = await runPipeline(r.pipeline!, { cwd: dir })
  const s = report.stages.m!
  return { hits: s.cache_hits, misses: s.cache_misses, bands: s.metrics.bands }
}

describe('the stage cache keys a plugins: plugin on its code', () => {
  it('a TypeScript plugin edited between two runs (version unchanged) is recomputed; unchanged, it hits', async () => {
    const dir = files({ 'bands.ts': plugin('3'), 'p.yaml': pipeline('./bands.ts') })
    expect(await run(dir)).toEqual({ hits: 0, misses: 2, bands: 6 })
    expect(await run(dir)).toEqual({ hits: 2, misses: 0, bands: 6 })
    writeFileSync(join(dir, 'bands.ts'), plugin('1'))
    expect(await run(dir)).toEqual({ hits: 0, misses: 2, bands: 2 }) // the new code ran (3 bands a frame became 1)
    expect(await run(dir)).toEqual({ hits: 2, misses: 0, bands: 2 })
  })

  // (In one process Node keeps the first code of an imported file, so only the counts are checked here;
  // each `plaf run` is a process of its own.)
  it('an edit of a local file the plugin imports is a miss too', async () => {
    const dir = files({ 'bands.mjs': plugin('N', "import { N } from './lib/n.mjs'"), 'lib/n.mjs': 'export const N = 3\n', 'p.yaml': pipeline('./bands.mjs') })
    expect(await run(dir)).toMatchObject({ hits: 0, misses: 2 })
    writeFileSync(join(dir, 'lib/n.mjs'), 'export const N = 1\n')
    expect(await run(dir)).toMatchObject({ hits: 0, misses: 2 })
    expect(await run(dir)).toMatchObject({ hits: 2, misses: 0 })
  })

  it('the hash covers the entry and its relative imports, transitively, and nothing else', () => {
    const dir = files({
      'e.ts': "import { a } from './a.js'\nimport type { T } from '../outside/t'\nexport * from './b'\nconst c = await import('./c.mjs')\n",
      'a.ts': "import './b'\n", 'b.ts': '', 'c.mjs': "import x from 'some-package'\n", 'unrelated.ts': '',
    })
    const first = hashPluginCode(join(dir, 'e.ts'))
    expect(first).toMatchObject({ file: join(dir, 'e.ts'), files: 4, truncated: false })
    writeFileSync(join(dir, 'unrelated.ts'), 'changed')
    expect(hashPluginCode(join(dir, 'e.ts')).codeHash).toBe(first.codeHash)
    writeFileSync(join(dir, 'b.ts'), 'changed')
    expect(hashPluginCode(join(dir, 'e.ts')).codeHash).not.toBe(first.codeHash)
    expect(CODE_HASH_LIMITS.files).toBeGreaterThan(4)
  })
})
