import { writeFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { PlafError, buildModel, readOnnxIo } from '../../src/index.js'
import { tempDir, type TempDir } from '../../src/testing/index.js'
import { textTowerOnnx } from './model-fixtures.js'

const dirs: TempDir[] = []
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()))
const file = (name: string, bytes: Uint8Array): string => {
  const t = tempDir('onnx-io')
  dirs.push(t)
  writeFileSync(t.path(name), bytes)
  return t.path(name)
}

describe('readOnnxIo', () => {
  it('reads names, element types and fixed and symbolic dims of the graph inputs and outputs', () => {
    expect(readOnnxIo(file('t.onnx', textTowerOnnx(64, 8, 'text_embeds')))).toEqual({
      inputs: [{ name: 'input_ids', dtype: 'int64', shape: ['batch_size', 64] }],
      outputs: [{ name: 'text_embeds', dtype: 'float32', shape: ['batch_size', 8] }],
    })
  })

  it('leaves out inputs that are initializers (old exports list weights as inputs)', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', type: 'float16', shape: [2] }, { name: 'bias', type: 'float16', shape: [2] }],
      outputs: [{ name: 'y', type: 'float16', shape: [2] }],
      initializers: [{ name: 'bias', type: 'float16', dims: [2], data: new Uint16Array([0x3c00, 0x3c00]) }],
      nodes: [{ op: 'Add', inputs: ['x', 'bias'], outputs: ['y'] }],
    })
    expect(readOnnxIo(file('b.onnx', bytes))).toEqual({
      inputs: [{ name: 'x', dtype: 'float16', shape: [2] }],
      outputs: [{ name: 'y', dtype: 'float16', shape: [2] }],
    })
  })

  it('a file that is not an ONNX model is PLAF_MODEL_INVALID', () => {
    const f = file('x.onnx', new TextEncoder().encode('{"not": "onnx"}'))
    let d: unknown
    try {
      readOnnxIo(f)
    } catch (e) {
      d = (e as PlafError).diagnostics
    }
    expect(d).toEqual([{
      code: 'PLAF_MODEL_INVALID', severity: 'error', message: `${f} is not a readable ONNX model (bad protobuf field at byte 0)`,
      file: f, expected: 'an ONNX ModelProto', actual: 'malformed data at byte 0',
    }])
  })
})
