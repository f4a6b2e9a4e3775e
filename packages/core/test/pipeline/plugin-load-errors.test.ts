import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { files } from './helpers.js'

const plugin = (body: string) => `interface Options { k?: number }
export default {
  name: 'band', kind: 'masker', version: '1.0.0', description: 'A test plugin.',
  options: { type: 'object', additionalProperties: false, properties: {} }, inputs: { frame: 'Frame' }, outputs: { masks: 'MaskSet' },
  async create(o: Options) {
${body}
    return { run: () => ({}) }
  },
}
`

/**
 * Resolves a pipeline listing `file` in a node process of its own (under vitest, imports go through
 * vite, which reports syntax errors its own way) and returns its diagnostics.
 */
function resolveIn(dir: string, file: string) {
  const core = pathToFileURL(join(__dirname, '..', '..', 'dist', 'index.js')).href
  writeFileSync(join(dir, 'p.yaml'), `plugins: [./${file}]\ninput: { use: nothing }\nstages:\n  m: { use: band }\noutput: { dir: out }\n`)
  const script = join(dir, 'resolve.mjs')
  writeFileSync(script, `import { Registry, resolvePipeline } from ${JSON.stringify(core)}
const r = await resolvePipeline(${JSON.stringify(join(dir, 'p.yaml'))}, new Registry([]))
console.log(JSON.stringify(r.diagnostics.map(({ cause, ...d }) => d)))
`)
  const res = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 })
  expect(res.status, res.stderr).toBe(0)
  return JSON.parse(res.stdout.trim().split('\n').pop()!) as Record<string, unknown>[]
}

describe('a plugin that cannot be loaded: its file, line and column named', () => {
  it('a syntax error in a .ts plugin (transpiled on Node 20: the place mapped back to the .ts file)', () => {
    const dir = files({ 'band.ts': plugin('    const [a, b]\n    void a') })
    expect(resolveIn(dir, 'band.ts')[0]).toEqual({
      code: 'PLAF_PLUGIN_LOAD_FAILED', severity: 'error', file: join(dir, 'p.yaml'), line: 1, column: 11, path: 'plugins.0', actual: './band.ts',
      message: `cannot load plugin "./band.ts": ${join(dir, 'band.ts')}:6:11: SyntaxError: Missing initializer in destructuring declaration`,
    })
  })

  it('a syntax error in a .mjs plugin', () => {
    const dir = files({ 'band.mjs': 'export default {\n  name: "band",,\n}\n' })
    expect(resolveIn(dir, 'band.mjs')[0]).toMatchObject({
      code: 'PLAF_PLUGIN_LOAD_FAILED', message: `cannot load plugin "./band.mjs": ${join(dir, 'band.mjs')}:2:16: SyntaxError: Unexpected token ','`,
    })
  })

  it('an error its top level throws: the innermost place in its folder', () => {
    const dir = files({ 'band.mjs': 'const x = undefined\nexport default x.plugin\n' })
    expect(resolveIn(dir, 'band.mjs')[0]).toMatchObject({
      code: 'PLAF_PLUGIN_LOAD_FAILED', message: `cannot load plugin "./band.mjs": ${join(dir, 'band.mjs')}:2:18: TypeError: Cannot read properties of undefined (reading 'plugin')`,
    })
  })
})
