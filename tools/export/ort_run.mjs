// Runs one ONNX file through onnxruntime-node (CPU) for tools/export/onnx_run.py, when Python has
// neither onnxruntime nor onnx.reference. Usage: node ort_run.mjs <dir>, where <dir>/request.json is
// {model, inputs: [{name, dtype, shape, file}]} with little-endian raw tensors beside it; writes
// <dir>/response.json {outputs: [{name, dtype, shape, file}]} and the output tensors as raw files.
// Resolves onnxruntime-node from this repository's node_modules (npm ci).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import ort from 'onnxruntime-node'

const ARRAYS = {
  float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array,
  int16: Int16Array, int8: Int8Array, uint8: Uint8Array, uint16: Uint16Array, bool: Uint8Array,
}

const dir = process.argv[2]
if (!dir) {
  console.error('usage: node ort_run.mjs <dir with request.json>')
  process.exit(2)
}
const req = JSON.parse(readFileSync(join(dir, 'request.json'), 'utf8'))
const feeds = {}
for (const t of req.inputs) {
  const Arr = ARRAYS[t.dtype]
  if (!Arr) throw new Error(`input ${t.name}: dtype ${t.dtype} is not supported by ort_run.mjs`)
  const buf = readFileSync(join(dir, t.file))
  const data = new Arr(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
  feeds[t.name] = new ort.Tensor(t.dtype, data, t.shape)
}
const session = await ort.InferenceSession.create(req.model, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' })
const result = await session.run(feeds)
const outputs = []
for (const [i, name] of session.outputNames.entries()) {
  const t = result[name]
  const file = `out${i}.bin`
  writeFileSync(join(dir, file), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))
  outputs.push({ name, dtype: t.type, shape: t.dims, file })
}
writeFileSync(join(dir, 'response.json'), JSON.stringify({ outputs }))
await session.release()
