import { findPython } from '../../src/testing/python.js'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import onnxProto from 'onnx-proto'
import type * as Ort from 'onnxruntime-node'
import { afterAll, describe, expect, it } from 'vitest'
import { buildModel, tensorRawData, type ModelSpec } from '../../src/backends/onnx-graph.js'
import { PlafError } from '../../src/diagnostics.js'
import { float16ToFloat32, float32ToFloat16 } from '../../src/formats/float16.js'
import { tempDir } from '../../src/testing/temp.js'

const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof Ort

/** A model that touches every builder feature: symbolic dims, rawData initializers of several types, every attribute kind. */
const spec: ModelSpec = {
  inputs: [{ name: 'x', type: 'float32', shape: ['batch', 4] }],
  outputs: [
    { name: 'picked', type: 'float32', shape: ['batch', 2] },
    { name: 'half', type: 'float16', shape: ['batch', 3] },
  ],
  initializers: [
    { name: 'W', type: 'float32', dims: [4, 3], data: [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1] },
    { name: 'B', type: 'float32', dims: [3], data: [0.5, -10, 0] },
    { name: 'idx', type: 'int64', dims: [2], data: BigInt64Array.of(2n, 0n) },
    { name: 'h', type: 'float16', dims: [3], data: float32ToFloat16(Float32Array.of(0.25, 0, -1)) },
  ],
  nodes: [
    { op: 'MatMul', inputs: ['x', 'W'], outputs: ['xw'] },
    { op: 'Add', inputs: ['xw', 'B'], outputs: ['xwb'] },
    { op: 'LeakyRelu', inputs: ['xwb'], outputs: ['act'], attributes: { alpha: 0.5 } },
    { op: 'Constant', inputs: [], outputs: ['two'], attributes: { value: { tensor: { type: 'float32', dims: [], data: [2] } } } },
    { op: 'Mul', inputs: ['act', 'two'], outputs: ['scaled'] },
    { op: 'Gather', inputs: ['scaled', 'idx'], outputs: ['picked'], attributes: { axis: 1 } },
    { op: 'Cast', inputs: ['h'], outputs: ['hf'], attributes: { to: 1 } },
    { op: 'Add', inputs: ['scaled', 'hf'], outputs: ['sum'] },
    { op: 'Cast', inputs: ['sum'], outputs: ['half'], attributes: { to: 10 } },
  ],
}

/** The same maths in plain loops. */
function expected(x: number[][]): { picked: number[]; half: number[] } {
  const picked: number[] = []
  const half: number[] = []
  for (const [a, b, c, d] of x) {
    const xwb = [a + d + 0.5, b + d - 10, c + d]
    const scaled = xwb.map((v) => (v < 0 ? 0.5 * v : v) * 2)
    picked.push(scaled[2], scaled[0])
    half.push(scaled[0] + 0.25, scaled[1], scaled[2] - 1)
  }
  return { picked, half }
}

const tmp = tempDir('onnx-graph')
const dir = tmp.dir
afterAll(() => tmp.cleanup())

describe('buildModel', () => {
  it('builds a model onnxruntime loads and runs with the declared names, types and symbolic dims', async () => {
    const session = await ort.InferenceSession.create(buildModel(spec))
    expect(session.inputMetadata).toEqual([{ name: 'x', isTensor: true, type: 'float32', shape: ['batch', 4] }])
    expect(session.outputMetadata.map((m) => [m.name, m.isTensor && m.type])).toEqual([['picked', 'float32'], ['half', 'float16']])
    const x = [[1, 2, 3, 4], [-8, 0, 1, -2], [0, 0, 0, 0]]
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x.flat()), [3, 4]) })
    const want = expected(x)
    expect(out.picked.dims).toEqual([3, 2])
    expect(Array.from(out.picked.data as Float32Array)).toEqual(want.picked)
    expect(out.half.dims).toEqual([3, 3])
    expect(Array.from(float16ToFloat32(out.half.data as Uint16Array))).toEqual(Array.from(float16ToFloat32(float32ToFloat16(Float32Array.from(want.half)))))
    await session.release()
  })

  it('encodes attribute kinds as ONNX expects: integer → INT, fraction → FLOAT, forced floats, strings', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', type: 'float32', shape: [2] }],
      outputs: [{ name: 'y', type: 'float32', shape: [2] }],
      nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'], attributes: { a: 3, b: 0.5, c: { float: 1 }, d: [1, 2], e: [0.5, 1], f: { floats: [1] }, g: 'edge', h: ['p', 'q'] } }],
    })
    const model = onnxProto.onnx.ModelProto.decode(bytes)
    expect(Number(model.irVersion)).toBe(8)
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]])
    const T = onnxProto.onnx.AttributeProto.AttributeType
    const attrs: Record<string, onnxProto.onnx.AttributeProto> = Object.fromEntries(model.graph!.node![0].attribute!.map((a) => [a.name, a]))
    expect([attrs.a.type, Number(attrs.a.i)]).toEqual([T.INT, 3])
    expect([attrs.b.type, attrs.b.f]).toEqual([T.FLOAT, 0.5])
    expect([attrs.c.type, attrs.c.f]).toEqual([T.FLOAT, 1])
    expect([attrs.d.type, attrs.d.ints.map(Number)]).toEqual([T.INTS, [1, 2]])
    expect([attrs.e.type, attrs.e.floats]).toEqual([T.FLOATS, [0.5, 1]])
    expect([attrs.f.type, attrs.f.floats]).toEqual([T.FLOATS, [1]])
    expect([attrs.g.type, new TextDecoder().decode(attrs.g.s)]).toEqual([T.STRING, 'edge'])
    expect([attrs.h.type, attrs.h.strings.map((s: Uint8Array) => new TextDecoder().decode(s))]).toEqual([T.STRINGS, ['p', 'q']])
  })

  it('picks the IR version that goes with the opset', () => {
    const ir = (opset: number) =>
      Number(onnxProto.onnx.ModelProto.decode(buildModel({ inputs: [], outputs: [], nodes: [], opset })).irVersion)
    expect([ir(17), ir(18), ir(19), ir(21), ir(23)]).toEqual([8, 8, 9, 10, 11])
  })

  it('writes rawData little-endian for each element type', () => {
    expect(Array.from(tensorRawData('float32', [1]))).toEqual([0, 0, 0x80, 0x3f])
    expect(Array.from(tensorRawData('int64', [-2]))).toEqual([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
    expect(Array.from(tensorRawData('float16', Uint16Array.of(0x3c00)))).toEqual([0x00, 0x3c])
    expect(Array.from(tensorRawData('bool', [0, 3]))).toEqual([0, 1])
  })

  it('rejects undefined tensors, unproduced outputs and initializers whose data does not fit', () => {
    const bad = (s: Partial<ModelSpec>) => () => buildModel({ inputs: [], outputs: [], nodes: [], ...s })
    expect(bad({ nodes: [{ op: 'Relu', inputs: ['nope'], outputs: ['y'] }] })).toThrow(/reads undefined tensor "nope"/)
    expect(bad({ outputs: [{ name: 'y', type: 'float32', shape: [1] }] })).toThrow(/"y" is never produced/)
    expect(bad({ initializers: [{ name: 'w', type: 'float32', dims: [2, 2], data: [1, 2, 3] }] })).toThrow(PlafError)
  })

  const python = (findPython(['onnx']) ?? undefined)
  const checkerTest = python ? it : it.skip
  checkerTest(
    python
      ? `passes onnx.checker.check_model(full_check=True) (${python})`
      : 'onnx.checker: skipped, no python3 with the onnx package here (Debian: apt-get install python3-onnx)',
    () => {
      const file = join(dir, 'features.onnx')
      writeFileSync(file, buildModel(spec))
      const script = 'import onnx, sys\nm = onnx.load(sys.argv[1])\nonnx.checker.check_model(m, full_check=True)\nprint("ok", m.ir_version)'
      const r = spawnSync(python!, ['-c', script, file], { encoding: 'utf8', timeout: 30_000 })
      expect(r.stderr).toBe('')
      expect(r.stdout.trim()).toBe('ok 8')
    },
  )
})
