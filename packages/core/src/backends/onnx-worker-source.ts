/**
 * Body of the worker thread that owns one ONNX Runtime session, as plain CommonJS source. It is a
 * string evaluated with `new Worker(source, { eval: true })` so the same code runs from the
 * TypeScript sources under vitest and from the built JavaScript on Node 20 (no type stripping, no
 * worker file to locate next to the bundle). It `require`s onnxruntime-node by the absolute path
 * the parent resolved.
 *
 * workerData: { ortEntry, model, order, reasons, options }.
 * Messages in:  { kind: 'run', id, feeds: { [name]: { type, data, dims } }, outputNames? }
 *               { kind: 'release', id }
 * Messages out: { kind: 'ready', provider, reasons, inputs, outputs } | { kind: 'open-error', message, stack }
 *               { kind: 'result', id, ok: true, outputs } | { kind: 'result', id, ok: false, message, stack }
 */
export const ONNX_WORKER_SOURCE = String.raw`
'use strict'
const { parentPort, workerData } = require('node:worker_threads')
const ort = require(workerData.ortEntry)
let session
const inflight = new Set()

function firstLine(e) {
  return String((e && e.message) || e).split('\n')[0].trim()
}

function describe(session, which) {
  const meta = session[which + 'Metadata']
  if (Array.isArray(meta)) {
    return meta.map((m) => ({ name: m.name, type: m.isTensor === false ? 'non-tensor' : String(m.type), shape: Array.isArray(m.shape) ? m.shape : [] }))
  }
  return session[which + 'Names'].map((name) => ({ name, type: 'unknown', shape: [] }))
}

async function open() {
  const reasons = workerData.reasons.slice()
  for (const provider of workerData.order) {
    const ep = provider === 'cuda' ? { name: 'cuda', deviceId: 0 } : provider
    try {
      session = await ort.InferenceSession.create(workerData.model, Object.assign({}, workerData.options, { executionProviders: [ep] }))
      return { provider, reasons }
    } catch (e) {
      if (provider === 'cpu') throw e
      reasons.push(provider + ': ' + firstLine(e))
    }
  }
  throw new Error('no execution provider to try')
}

// Outputs go back by transfer. A Float16Array (Node 24+) travels as its Uint16Array bits.
function pack(tensor, transfer) {
  let data = tensor.data
  if (typeof Float16Array !== 'undefined' && data instanceof Float16Array) data = new Uint16Array(data.buffer, data.byteOffset, data.length)
  if (ArrayBuffer.isView(data)) {
    if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) data = data.slice()
    transfer.push(data.buffer)
  }
  return { type: tensor.type, data, dims: Array.from(tensor.dims) }
}

async function run(msg) {
  const feeds = {}
  for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims)
  const result = msg.outputNames ? await session.run(feeds, msg.outputNames) : await session.run(feeds)
  const outputs = {}
  const transfer = []
  for (const [name, t] of Object.entries(result)) outputs[name] = pack(t, transfer)
  try {
    parentPort.postMessage({ kind: 'result', id: msg.id, ok: true, outputs }, transfer)
  } catch {
    parentPort.postMessage({ kind: 'result', id: msg.id, ok: true, outputs }) // non-detachable buffers: copy
  }
}

parentPort.on('message', (msg) => {
  if (msg.kind === 'run') {
    const p = run(msg).catch((e) => parentPort.postMessage({ kind: 'result', id: msg.id, ok: false, message: String((e && e.message) || e), stack: e && e.stack }))
    inflight.add(p)
    p.finally(() => inflight.delete(p))
  } else if (msg.kind === 'release') {
    Promise.allSettled([...inflight])
      .then(() => session && session.release())
      .then(
        () => parentPort.postMessage({ kind: 'result', id: msg.id, ok: true, outputs: {} }),
        (e) => parentPort.postMessage({ kind: 'result', id: msg.id, ok: false, message: String((e && e.message) || e) }),
      )
  }
})

open().then(
  ({ provider, reasons }) =>
    parentPort.postMessage({ kind: 'ready', provider, reasons, inputs: describe(session, 'input'), outputs: describe(session, 'output') }),
  (e) => parentPort.postMessage({ kind: 'open-error', message: String((e && e.message) || e), stack: e && e.stack }),
)
`
