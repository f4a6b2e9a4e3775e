import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'
import { afterAll, describe, expect, it } from 'vitest'
import { buildModel, type GraphNode } from '../../src/backends/onnx-graph.js'
import { liveOnnxSessions, onnxWorkerScript, openOnnxSession, type OnnxSession } from '../../src/backends/onnx-session.js'
import { checkFeedNames } from '../../src/backends/onnx-worker.js'
import { tempDir } from '../../src/testing/temp.js'
import { cudaProviderLibraries } from '../../src/backends/ort-providers.js'
import { PlafError } from '../../src/diagnostics.js'
import { float16ToFloat32 } from '../../src/formats/float16.js'

const tmp = tempDir('onnx-session')
const dir = tmp.dir
afterAll(() => tmp.cleanup())

/** scores = x·W (W = [[1,0],[0,2],[1,1]]), label = argmax(scores), half = float16(scores). */
const small = buildModel({
  inputs: [{ name: 'pixel_values', type: 'float32', shape: ['batch', 3] }],
  outputs: [
    { name: 'scores', type: 'float32', shape: ['batch', 2] },
    { name: 'label', type: 'int64', shape: ['batch'] },
    { name: 'half', type: 'float16', shape: ['batch', 2] },
  ],
  initializers: [{ name: 'W', type: 'float32', dims: [3, 2], data: [1, 0, 0, 2, 1, 1] }],
  nodes: [
    { op: 'MatMul', inputs: ['pixel_values', 'W'], outputs: ['scores'] },
    { op: 'ArgMax', inputs: ['scores'], outputs: ['label'], attributes: { axis: 1, keepdims: 0 } },
    { op: 'Cast', inputs: ['scores'], outputs: ['half'], attributes: { to: 10 } },
  ],
})
const feeds = (data = Float32Array.of(1, 2, 3, 4, 0, 1)) => ({ pixel_values: { type: 'float32' as const, data, dims: [2, 3] } })

async function expectPlafError(p: Promise<unknown>, code: string, text: RegExp): Promise<PlafError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(PlafError)
  expect((e as PlafError).code).toBe(code)
  expect((e as PlafError).message).toMatch(text)
  return e as PlafError
}

describe('openOnnxSession', () => {
  it('runs a generated model in a worker and reports its inputs, outputs and provider', async () => {
    const s = await openOnnxSession(small, { name: 'tiny-classifier' })
    try {
      expect(s.model).toBe('tiny-classifier')
      expect(s.inputs).toEqual([{ name: 'pixel_values', type: 'float32', shape: ['batch', 3] }])
      expect(s.outputs).toEqual([
        { name: 'scores', type: 'float32', shape: ['batch', 2] },
        { name: 'label', type: 'int64', shape: ['batch'] },
        { name: 'half', type: 'float16', shape: ['batch', 2] },
      ])
      expect(s.provider).toBe('cpu')
      if (cudaProviderLibraries().some((l) => !l.present)) expect(s.providerReasons.join('\n')).toMatch(/^cuda: provider libraries not installed/)
      const out = await s.run(feeds())
      expect(out.scores).toEqual({ type: 'float32', data: Float32Array.of(4, 7, 5, 1), dims: [2, 2] })
      expect(out.label).toEqual({ type: 'int64', data: BigInt64Array.of(1n, 0n), dims: [2] })
      expect(out.half.type).toBe('float16')
      expect(Array.from(float16ToFloat32(out.half.data as Uint16Array))).toEqual([4, 7, 5, 1])
      const only = await s.run(feeds(), ['label'])
      expect(Object.keys(only)).toEqual(['label'])
    } finally {
      await s.release()
    }
  })

  it('opens a model by path, and moves feed buffers only when asked', async () => {
    const file = join(dir, 'small.onnx')
    writeFileSync(file, small)
    const s = await openOnnxSession(file, { device: 'cpu', threads: 1 })
    try {
      expect(s.model).toBe(file)
      expect(s.providerReasons).toEqual([])
      const kept = Float32Array.of(1, 2, 3, 4, 0, 1)
      await s.run(feeds(kept))
      expect(kept.byteLength).toBe(24)
      const moved = Float32Array.of(1, 2, 3, 4, 0, 1)
      const out = await s.run(feeds(moved), undefined, { transfer: true })
      expect(moved.byteLength).toBe(0) // detached: it went to the worker without a copy
      expect(Array.from(out.scores.data as Float32Array)).toEqual([4, 7, 5, 1])
    } finally {
      await s.release()
    }
  })

  it('keeps the event loop ticking during a heavy run', async () => {
    // A chain of 1024×1024 MatMuls with one shared weight: hundreds of ms of ORT work.
    const n = 1024
    const steps = 24
    const w = new Float32Array(n * n)
    for (let i = 0; i < w.length; i++) w[i] = (((i * 2654435761) >>> 0) % 2001) / 1000 - 1
    const nodes: GraphNode[] = []
    for (let i = 0; i < steps; i++) nodes.push({ op: 'MatMul', inputs: [i ? `h${i}` : 'x', 'W'], outputs: [i === steps - 1 ? 'y' : `h${i + 1}`] })
    const s = await openOnnxSession(
      buildModel({
        inputs: [{ name: 'x', type: 'float32', shape: ['m', n] }],
        outputs: [{ name: 'y', type: 'float32', shape: ['m', n] }],
        initializers: [{ name: 'W', type: 'float32', dims: [n, n], data: w }],
        nodes,
      }),
    )
    try {
      const x = new Float32Array(n * n).fill(1e-6)
      let ticks = 0
      const timer = setInterval(() => ticks++, 5)
      const t0 = performance.now()
      const out = await s.run({ x: { type: 'float32', data: x, dims: [n, n] } })
      const ms = performance.now() - t0
      clearInterval(timer)
      expect(out.y.dims).toEqual([n, n])
      expect(ms).toBeGreaterThan(50) // long enough for a free loop to tick several times
      // A blocked loop would fire the 5 ms timer at most once, after the run; a free one fires
      // many times. Three is a bound that load on the machine cannot break.
      expect(ticks).toBeGreaterThanOrEqual(3)
    } finally {
      await s.release()
    }
  })

  it('falls back to CPU when a requested provider cannot start, and says why', async () => {
    const s = await openOnnxSession(small, { device: 'webgpu' })
    try {
      if (s.provider === 'cpu') expect(s.providerReasons.some((r) => r.startsWith('webgpu: '))).toBe(true)
      expect(Array.from((await s.run(feeds())).scores.data as Float32Array)).toEqual([4, 7, 5, 1])
    } finally {
      await s.release()
    }
  })

  it('counts live sessions: open adds one, release (once, however often called) removes it', async () => {
    const before = liveOnnxSessions()
    const a = await openOnnxSession(small)
    const b = await openOnnxSession(small)
    expect(liveOnnxSessions()).toBe(before + 2)
    await a.release()
    await a.release()
    expect(liveOnnxSessions()).toBe(before + 1)
    await b.release()
    expect(liveOnnxSessions()).toBe(before)
    await expect(openOnnxSession(Buffer.from('not a model'))).rejects.toThrow(PlafError)
    expect(liveOnnxSessions()).toBe(before) // a model that fails to load never counts
  })

  it('a missing model path is PLAF_MODEL_MISSING naming the file', async () => {
    const file = join(dir, 'nope.onnx')
    const e = await expectPlafError(openOnnxSession(file), 'PLAF_MODEL_MISSING', /ONNX model not found: .*nope\.onnx/)
    expect(e.diagnostics[0].file).toBe(file)
  })

  it('a model ORT cannot load is a PlafError naming the file, with ORT’s reason', async () => {
    const file = join(dir, 'corrupt.onnx')
    writeFileSync(file, Buffer.from('this is not a protobuf'))
    const e = await expectPlafError(openOnnxSession(file), 'PLAF_MODEL_INVALID', /cannot load ONNX model .*corrupt\.onnx: /)
    expect(e.diagnostics[0].file).toBe(file)
  })

  it('a rejected run is a PlafError naming the model, and the session keeps working', async () => {
    const s: OnnxSession = await openOnnxSession(small, { name: 'tiny' })
    try {
      await expectPlafError(s.run({ wrong_name: feeds().pixel_values }), 'PLAF_MODEL_RUN_FAILED', /ONNX run failed for tiny: /)
      await expectPlafError(s.run({ pixel_values: { type: 'float32', data: new Float32Array(4), dims: [1, 4] } }), 'PLAF_MODEL_RUN_FAILED', /tiny/)
      expect(Array.from((await s.run(feeds())).scores.data as Float32Array)).toEqual([4, 7, 5, 1])
    } finally {
      await s.release()
    }
    await expectPlafError(s.run(feeds()), 'PLAF_INTERNAL', /was released/)
    await s.release() // twice is harmless
  })
})

describe('the session worker module (src/backends/onnx-worker.ts)', () => {
  it('is what the session runs: its feed-name check (ORT has none) answers a misspelt input', async () => {
    expect(checkFeedNames(['pixel_values'], ['pixel_values'])).toBeUndefined()
    const s = await openOnnxSession(small, { name: 'tiny' })
    try {
      // ORT alone says only that "pixel_values" is missing; the worker names the misspelt feed too.
      const e = await expectPlafError(s.run({ pixel_valeus: feeds().pixel_values }), 'PLAF_MODEL_RUN_FAILED', /ONNX run failed for tiny: /)
      expect(e.message).toContain(`unknown input "pixel_valeus"; missing input "pixel_values" (the model's inputs: "pixel_values")`)
    } finally {
      await s.release()
    }
  })

  it('runs from the sources transpiled to CommonJS, since Node 20 cannot start a .ts worker', async () => {
    const script = await onnxWorkerScript()
    expect(script.kind).toBe('source')
    if (script.kind !== 'source') return
    expect(script.entry).toBe(fileURLToPath(new URL('../../src/backends/onnx-worker.ts', import.meta.url)))
    expect(script.code).toContain('function serveOnnxSession(')
    expect(script.code).not.toMatch(/^import /m) // CommonJS: an eval worker has no ES module loader
  })

  it('runs from a build: onnx-worker.js next to onnx-session.js, in a plain node process', () => {
    // The build's layout (what tsc writes to dist/ and npm pack ships), transpiled here so the test
    // does not depend on a stale dist/. It sits in packages/core/node_modules so dependencies
    // resolve as they do for the package (and linters skip it); its own package.json makes it ESM.
    const src = fileURLToPath(new URL('../../src/', import.meta.url))
    const cache = join(dirname(src), 'node_modules', '.cache')
    mkdirSync(cache, { recursive: true })
    const out = mkdtempSync(join(cache, 'plaf-test-build-'))
    try {
      writeFileSync(join(out, 'package.json'), '{ "type": "module" }')
      const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]))
      for (const file of walk(src).filter((f) => f.endsWith('.ts'))) {
        const js = ts.transpileModule(readFileSync(file, 'utf8'), {
          fileName: file,
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        }).outputText
        const target = join(out, relative(src, file)).replace(/\.ts$/, '.js')
        mkdirSync(dirname(target), { recursive: true })
        writeFileSync(target, js)
      }
      const model = join(out, 'small.onnx')
      writeFileSync(model, small)
      const program = `
        const { onnxWorkerScript, openOnnxSession } = await import(${JSON.stringify(pathToFileURL(join(out, 'backends/onnx-session.js')).href)})
        const script = await onnxWorkerScript()
        const s = await openOnnxSession(${JSON.stringify(model)}, { device: 'cpu', threads: 1 })
        const out = await s.run({ pixel_values: { type: 'float32', data: Float32Array.of(1, 2, 3, 4, 0, 1), dims: [2, 3] } })
        const bad = await s.run({ nope: { type: 'float32', data: new Float32Array(3), dims: [1, 3] } }).catch((e) => e.message)
        await s.release()
        console.log(JSON.stringify({ kind: script.kind, url: String(script.url), scores: Array.from(out.scores.data), bad }))`
      const got = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8' }))
      expect(got).toMatchObject({ kind: 'built', url: pathToFileURL(join(out, 'backends/onnx-worker.js')).href, scores: [4, 7, 5, 1] })
      expect(got.bad).toMatch(/unknown input "nope"/)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
})
