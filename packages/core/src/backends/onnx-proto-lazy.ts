import { createRequire } from 'node:module'
import type onnxProto from 'onnx-proto'

let loaded: typeof onnxProto.onnx | undefined

/**
 * onnx-proto's `onnx` namespace, required on first use: protobufjs and the generated ONNX classes
 * cost ~50 ms of CPU to load, and most commands (`plaf query`, `plaf --version`) never build or
 * read an ONNX graph.
 */
export function onnxProtos(): typeof onnxProto.onnx {
  return (loaded ??= (createRequire(import.meta.url)('onnx-proto') as typeof onnxProto).onnx)
}
