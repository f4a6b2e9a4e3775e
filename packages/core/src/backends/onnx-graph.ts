import type onnxProto from 'onnx-proto'
import { onnxProtos } from './onnx-proto-lazy.js'
import { fail } from '../diagnostics.js'


/** Element types a built graph may use; the names are onnxruntime's tensor type strings. */
export type OnnxDataType =
  | 'float32'
  | 'float16'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'int64'
  | 'uint32'
  | 'uint64'
  | 'bool'

/** ONNX `TensorProto.DataType` code of each element type. */
export const ONNX_DATA_TYPE_CODES: Readonly<Record<OnnxDataType, number>> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
}

/** A graph input or output: a name, an element type and a shape whose strings are symbolic dims. */
export interface GraphValue {
  name: string
  type: OnnxDataType
  shape: (number | string)[]
}

/**
 * Constant tensor data. Numbers are converted to the element type; float16 takes IEEE half bits
 * (`Uint16Array`), int64/uint64 take `BigInt64Array`/`BigUint64Array` or plain numbers.
 */
export type GraphTensorData = ArrayLike<number> | BigInt64Array | BigUint64Array

/** A constant tensor stored in the model (`rawData`, little-endian). */
export interface GraphInitializer {
  name: string
  type: OnnxDataType
  dims: number[]
  data: GraphTensorData
}

/**
 * An attribute value. Integers become INT, other numbers FLOAT; arrays become INTS (all integers)
 * or FLOATS; `{ float }` / `{ floats }` force floats, `{ tensor }` is a TENSOR attribute.
 */
export type AttributeValue =
  | number
  | string
  | number[]
  | string[]
  | { float: number }
  | { floats: number[] }
  | { tensor: Omit<GraphInitializer, 'name'> }

/** One operator node. `domain` defaults to the standard ONNX domain. */
export interface GraphNode {
  op: string
  inputs: string[]
  outputs: string[]
  attributes?: Record<string, AttributeValue>
  name?: string
  domain?: string
}

/** Everything `buildModel` needs. `opset` defaults to 17 (the last opset of ONNX 1.12, IR 8). */
export interface ModelSpec {
  inputs: GraphValue[]
  outputs: GraphValue[]
  nodes: GraphNode[]
  initializers?: GraphInitializer[]
  opset?: number
  /** Graph name; defaults to `plaf`. */
  name?: string
}

/** IR version that introduced each opset (onnx/helper.py VERSION_TABLE). */
function irVersionFor(opset: number): number {
  if (opset <= 18) return 8
  if (opset <= 20) return 9
  if (opset <= 22) return 10
  return 11
}

const BYTES: Readonly<Record<OnnxDataType, number>> = {
  float32: 4, float16: 2, float64: 8, int8: 1, uint8: 1, int16: 2, uint16: 2,
  int32: 4, int64: 8, uint32: 4, uint64: 8, bool: 1,
}

/** Little-endian raw bytes of `data` as `type` (ONNX `rawData` layout). */
export function tensorRawData(type: OnnxDataType, data: GraphTensorData): Uint8Array {
  const n = data.length
  const out = new Uint8Array(n * BYTES[type])
  const view = new DataView(out.buffer)
  for (let i = 0; i < n; i++) {
    const v = data[i] as number | bigint
    switch (type) {
      case 'float32': view.setFloat32(i * 4, Number(v), true); break
      case 'float64': view.setFloat64(i * 8, Number(v), true); break
      case 'float16': case 'uint16': view.setUint16(i * 2, Number(v), true); break
      case 'int16': view.setInt16(i * 2, Number(v), true); break
      case 'int8': view.setInt8(i, Number(v)); break
      case 'uint8': view.setUint8(i, Number(v)); break
      case 'bool': view.setUint8(i, v ? 1 : 0); break
      case 'int32': view.setInt32(i * 4, Number(v), true); break
      case 'uint32': view.setUint32(i * 4, Number(v), true); break
      case 'int64': view.setBigInt64(i * 8, BigInt(v), true); break
      case 'uint64': view.setBigUint64(i * 8, BigInt(v), true); break
    }
  }
  return out
}

function tensorProto(t: Omit<GraphInitializer, 'name'> & { name?: string }): onnxProto.onnx.ITensorProto {
  const count = t.dims.reduce((a, b) => a * b, 1)
  if (count !== t.data.length) {
    fail('PLAF_INTERNAL', `initializer ${t.name ?? '(attribute)'}: dims [${t.dims.join(', ')}] hold ${count} values, data has ${t.data.length}`)
  }
  return { name: t.name, dims: t.dims, dataType: ONNX_DATA_TYPE_CODES[t.type], rawData: tensorRawData(t.type, t.data) }
}

function valueInfo(v: GraphValue): onnxProto.onnx.IValueInfoProto {
  const dim = v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }))
  return { name: v.name, type: { tensorType: { elemType: ONNX_DATA_TYPE_CODES[v.type], shape: { dim } } } }
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const T = onnxProtos().AttributeProto.AttributeType
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: T.INT, i: value } : { name, type: T.FLOAT, f: value }
  }
  if (typeof value === 'string') return { name, type: T.STRING, s: utf8(value) }
  if (Array.isArray(value)) {
    if (value.every((v): v is string => typeof v === 'string')) return { name, type: T.STRINGS, strings: value.map(utf8) }
    const nums = value as number[]
    return nums.every(Number.isInteger) ? { name, type: T.INTS, ints: nums } : { name, type: T.FLOATS, floats: nums }
  }
  if ('float' in value) return { name, type: T.FLOAT, f: value.float }
  if ('floats' in value) return { name, type: T.FLOATS, floats: value.floats }
  return { name, type: T.TENSOR, t: tensorProto(value.tensor) }
}

/**
 * Serialises a single-graph ONNX model (`ModelProto` bytes) for onnxruntime or `onnx.load`.
 * Node inputs must name a graph input, an initializer or an earlier node's output (checked here,
 * so a typo fails with the tensor's name instead of an ORT graph error). An empty input name is an
 * omitted optional input, as in ONNX.
 */
export function buildModel(spec: ModelSpec): Uint8Array {
  const opset = spec.opset ?? 17
  const known = new Set<string>([...spec.inputs.map((v) => v.name), ...(spec.initializers ?? []).map((t) => t.name)])
  for (const node of spec.nodes) {
    for (const input of node.inputs) {
      if (input !== '' && !known.has(input)) fail('PLAF_INTERNAL', `buildModel: node ${node.name ?? node.op} reads undefined tensor "${input}"`)
    }
    for (const output of node.outputs) known.add(output)
  }
  for (const output of spec.outputs) {
    if (!known.has(output.name)) fail('PLAF_INTERNAL', `buildModel: graph output "${output.name}" is never produced`)
  }
  const model = onnxProtos().ModelProto.create({
    irVersion: irVersionFor(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'plaf-ts',
    graph: {
      name: spec.name ?? 'plaf',
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: (spec.initializers ?? []).map(tensorProto),
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `${n.op}_${i}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)),
      })),
    },
  })
  return onnxProtos().ModelProto.encode(model).finish()
}
