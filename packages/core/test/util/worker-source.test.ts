import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { PlafError } from '../../src/diagnostics.js'
import { startWorker, workerFromSources, workerScript, type WorkerScript } from '../../src/util/worker-source.js'

const dir = mkdtempSync(join(tmpdir(), 'plaf-worker-source-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Writes `files` (name → TypeScript text) into a fresh folder below `dir`. */
function sources(name: string, files: Record<string, string>): string {
  const at = join(dir, name)
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(at, file, '..'), { recursive: true })
    writeFileSync(join(at, file), text)
  }
  return at
}

/** Runs a worker (its script, or the code of one from the sources) to its first message. */
function firstMessage(script: WorkerScript | string, workerData: unknown = null): Promise<unknown> {
  const w = startWorker(typeof script === 'string' ? { kind: 'source', entry: '', code: script } : script, workerData)
  return new Promise<unknown>((resolve, reject) => {
    w.once('message', resolve)
    w.once('error', reject)
    w.once('exit', (c) => reject(new Error(`worker exited with code ${c} before answering`)))
  }).finally(() => w.terminate())
}

// Two tiny modules: the entry imports a value and a type from a helper one folder down, which
// imports a Node built-in; the entry posts what it computed from its workerData.
const TWO = {
  'main.ts': [
    "import { parentPort, workerData } from 'node:worker_threads'",
    "import { sumOfSquares, type Input } from './lib/math.js'",
    'const input: Input = workerData',
    'parentPort!.postMessage({ sum: sumOfSquares(input.values), file: __filename.endsWith("main.ts") })',
  ].join('\n'),
  'lib/math.ts': [
    "import { strict as assert } from 'node:assert'",
    'export interface Input { values: number[] }',
    'export function sumOfSquares(v: readonly number[]): number {',
    '  assert.ok(Array.isArray(v), "values must be an array")',
    '  return v.reduce((a, x) => a + x * x, 0)',
    '}',
  ].join('\n'),
}

describe('workerFromSources', () => {
  it('joins a module and what it imports into one script that a worker runs', async () => {
    const at = sources('two', TWO)
    const code = await workerFromSources(join(at, 'main.ts'))
    expect(code).not.toMatch(/^import /m) // CommonJS: an eval worker has no ES module loader
    expect(await firstMessage(code, { values: [1, 2, 3] })).toEqual({ sum: 14, file: true })
    // kept for the process: the same text, and the same from a file URL
    expect(await workerFromSources(pathToFileURL(join(at, 'main.ts')))).toBe(code)
  })

  it('names the file, line and column of a source that does not parse', async () => {
    const at = sources('broken', { ...TWO, 'lib/math.ts': 'export function sumOfSquares(v: number[]): number {\n  return v.reduce((a, x) => a + x * x, 0\n}\n' })
    const e = (await workerFromSources(join(at, 'main.ts')).catch((x: unknown) => x)) as PlafError
    expect(e).toBeInstanceOf(PlafError)
    expect(e.code).toBe('PLAF_INTERNAL')
    expect(e.message).toBe(`PLAF_INTERNAL: worker source ${join(at, 'lib', 'math.ts')}:3:1 does not parse: ',' expected.`)
    expect(e.diagnostics[0]).toMatchObject({ file: join(at, 'lib', 'math.ts'), line: 3, column: 1 })
    // a failure is not kept: fixed, the same entry joins
    writeFileSync(join(at, 'lib', 'math.ts'), TWO['lib/math.ts'])
    expect(await firstMessage(await workerFromSources(join(at, 'main.ts')), { values: [2] })).toEqual({ sum: 4, file: true })
  })

  it('names the importing file of a relative import with no source behind it', async () => {
    const at = sources('missing', { 'main.ts': "import { x } from './nowhere.js'\nconsole.log(x)\n" })
    await expect(workerFromSources(join(at, 'main.ts'))).rejects.toThrow(`worker source ${join(at, 'main.ts')} imports "./nowhere.js", but nowhere.ts does not exist beside it`)
    await expect(workerFromSources(join(at, 'absent.ts'))).rejects.toThrow(`worker source not found: ${join(at, 'absent.ts')}`)
  })
})

describe('workerScript', () => {
  it('takes name.js beside the starting module when it exists (the build), else name.ts (the sources)', async () => {
    const at = sources('built', { 'work.js': "import { parentPort } from 'node:worker_threads'\nparentPort.postMessage('built')\n", 'package.json': '{ "type": "module" }' })
    const here = pathToFileURL(join(at, 'start.js'))
    const built = await workerScript(here, 'work')
    expect(built).toEqual({ kind: 'built', url: pathToFileURL(join(at, 'work.js')) })
    expect(await firstMessage(built)).toBe('built')

    const src = sources('source', { 'work.ts': "import { parentPort } from 'node:worker_threads'\nconst what: string = 'source'\nparentPort!.postMessage(what)\n" })
    const fromSource = await workerScript(pathToFileURL(join(src, 'start.ts')), 'work')
    expect(fromSource).toMatchObject({ kind: 'source', entry: join(src, 'work.ts') })
    expect(await firstMessage(fromSource)).toBe('source')
  })
})
