import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { onnxProtos } from '../backends/onnx-proto-lazy.js'
import { fail } from '../diagnostics.js'
import { ONNX_DATA_TYPE_CODES } from '../backends/onnx-graph.js'


/** A graph input or output as the ONNX file declares it; `dtype` is onnxruntime's type string. */
export interface OnnxIoValue {
  name: string
  /** `float32`, `int64`, … (`bfloat16`, `string`, `type<N>` for types PLAF never builds). */
  dtype: string
  /** Numbers are fixed dims, strings symbolic ones; `?` is a dim with neither. */
  shape: (number | string)[]
}

/** The real inputs and outputs of an ONNX graph. Inputs that are also initializers (IR < 4 exports) are left out. */
export interface OnnxIo {
  inputs: OnnxIoValue[]
  outputs: OnnxIoValue[]
}

const TYPE_NAMES: Record<number, string> = {
  ...Object.fromEntries(Object.entries(ONNX_DATA_TYPE_CODES).map(([name, code]) => [code, name])),
  8: 'string',
  16: 'bfloat16',
}

// Protobuf field numbers (onnx.proto3): ModelProto.graph, GraphProto.{initializer,input,output}, TensorProto.name.
const MODEL_GRAPH = 7
const GRAPH_INITIALIZER = 5
const GRAPH_INPUT = 11
const GRAPH_OUTPUT = 12
const TENSOR_NAME = 8

/** A length-delimited field found by the scanner: its number and the byte range of its payload. */
interface Field {
  field: number
  wire: number
  start: number
  end: number
}

/**
 * Reads protobuf field headers at file offsets without loading the file: an ONNX model of several
 * GB holds its weights inside the graph message, and only the few I/O records are wanted.
 */
class FieldScanner {
  private readonly head = Buffer.alloc(20)
  constructor(private readonly fd: number, private readonly file: string) {}

  /** Every field of the message in [start, end), with payload ranges (varints and fixed fields skipped). */
  *fields(start: number, end: number): Generator<Field> {
    let pos = start
    while (pos < end) {
      const n = readSync(this.fd, this.head, 0, Math.min(20, end - pos), pos)
      let off = 0
      const varint = (): number => {
        let v = 0
        let mul = 1
        for (;;) {
          if (off >= n) this.corrupt(pos)
          const b = this.head[off++]!
          v += (b & 0x7f) * mul
          if (b < 0x80) return v
          mul *= 128
        }
      }
      const key = varint()
      const field = Math.floor(key / 8)
      const wire = key & 7
      let payload = 0
      if (wire === 0) varint()
      else if (wire === 1) payload = 8
      else if (wire === 5) payload = 4
      else if (wire === 2) payload = varint()
      else this.corrupt(pos)
      const s = pos + off
      pos = s + payload
      if (pos > end) this.corrupt(s)
      yield { field, wire, start: s, end: pos }
    }
  }

  read(f: Field): Buffer {
    const b = Buffer.alloc(f.end - f.start)
    readSync(this.fd, b, 0, b.length, f.start)
    return b
  }

  private corrupt(at: number): never {
    fail('PLAF_MODEL_INVALID', `${this.file} is not a readable ONNX model (bad protobuf field at byte ${at})`, {
      file: this.file, expected: 'an ONNX ModelProto', actual: `malformed data at byte ${at}`,
    })
  }
}

function ioValue(bytes: Uint8Array): OnnxIoValue {
  const v = onnxProtos().ValueInfoProto.decode(bytes)
  const t = v.type?.tensorType
  const dims = t?.shape?.dim ?? []
  return {
    name: v.name ?? '',
    dtype: t ? (TYPE_NAMES[t.elemType ?? 0] ?? `type${t.elemType}`) : 'non-tensor',
    shape: dims.map((d) => (d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? Number(d.dimValue) : '?')),
  }
}

/**
 * Reads the graph inputs and outputs of an ONNX file: only those records and the initializer
 * names are decoded (weights are skipped by seeking), so it is cheap on multi-GB models.
 * Throws PLAF_MODEL_INVALID when the file is not an ONNX model.
 */
export function readOnnxIo(file: string): OnnxIo {
  const fd = openSync(file, 'r')
  try {
    const scan = new FieldScanner(fd, file)
    const size = fstatSync(fd).size
    const graph = [...scan.fields(0, size)].find((f) => f.field === MODEL_GRAPH && f.wire === 2)
    if (!graph) fail('PLAF_MODEL_INVALID', `${file} is not an ONNX model: it has no graph`, { file, expected: 'an ONNX ModelProto with a graph', actual: `${size} bytes without one` })
    const inputs: OnnxIoValue[] = []
    const outputs: OnnxIoValue[] = []
    const initializers = new Set<string>()
    for (const f of scan.fields(graph.start, graph.end)) {
      if (f.wire !== 2) continue
      if (f.field === GRAPH_INPUT) inputs.push(ioValue(scan.read(f)))
      else if (f.field === GRAPH_OUTPUT) outputs.push(ioValue(scan.read(f)))
      else if (f.field === GRAPH_INITIALIZER) {
        const name = [...scan.fields(f.start, f.end)].find((g) => g.field === TENSOR_NAME && g.wire === 2)
        if (name) initializers.add(scan.read(name).toString('utf8'))
      }
    }
    return { inputs: inputs.filter((v) => !initializers.has(v.name)), outputs }
  } finally {
    closeSync(fd)
  }
}

/** `float32 [1, 3, 512, 512]`: how a tensor is shown in messages and `plaf models info`. */
export const describeTensor = (v: { dtype: string; shape: readonly (number | string)[] }): string => `${v.dtype} [${v.shape.join(', ')}]`
