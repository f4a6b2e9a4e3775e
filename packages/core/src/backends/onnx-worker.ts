/**
 * The worker thread that owns one ONNX Runtime session (started by `openOnnxSession`, see
 * `onnxWorkerScript` there for how it is loaded from the build and from the sources).
 *
 * At run time this module imports Node built-ins only: onnxruntime-node is `require`d by the
 * absolute path the parent resolved (`workerData.ortEntry`), so the module needs no module
 * resolution of its own and runs the same as an ES module from `dist/` and as CommonJS text
 * transpiled from this file. Everything else it imports is a type.
 *
 * Messages in:  {@link OnnxWorkerRequest}. Messages out: {@link OnnxWorkerReply}.
 */
import { createRequire } from 'node:module'
import { parentPort, workerData, type MessagePort, type TransferListItem } from 'node:worker_threads'
import type * as Ort from 'onnxruntime-node'
import type { OnnxTensor, OnnxValueInfo } from './onnx-session.js'
import type { OnnxProvider } from './ort-providers.js'

/** What the parent hands the worker; `role` marks a worker started by `openOnnxSession`. */
export interface OnnxWorkerData {
  role: 'plaf-onnx-session'
  /** Absolute path of onnxruntime-node's CommonJS entry, resolved in the parent. */
  ortEntry: string
  /** A model path, or the model's bytes. */
  model: string | Uint8Array
  /** Providers to try, in order, CPU last. */
  order: OnnxProvider[]
  /** Why providers left out of `order` were left out. */
  reasons: string[]
  /** `InferenceSession.SessionOptions` without `executionProviders`. */
  options: Record<string, unknown>
}

/** A message from the parent; `id` pairs it with its `result`. */
export type OnnxWorkerRequest =
  | { kind: 'run'; id: number; feeds: Record<string, OnnxTensor>; outputNames?: string[] }
  | { kind: 'release'; id: number }

/** A message to the parent: `ready` or `open-error` once, then one `result` per request. */
export type OnnxWorkerReply =
  | { kind: 'ready'; provider: OnnxProvider; reasons: string[]; inputs: OnnxValueInfo[]; outputs: OnnxValueInfo[] }
  | { kind: 'open-error'; message: string; stack?: string }
  | { kind: 'result'; id: number; ok: true; outputs: Record<string, OnnxTensor> }
  | { kind: 'result'; id: number; ok: false; message: string; stack?: string }

type Session = Ort.InferenceSession
type ValueMetadata = { name: string; isTensor?: boolean; type?: unknown; shape?: (number | string)[] }

const messageOf = (e: unknown): string => String((e as Error | undefined)?.message ?? e)
const stackOf = (e: unknown): string | undefined => (e as Error | undefined)?.stack
const firstLine = (e: unknown): string => messageOf(e).split('\n')[0].trim()

/** The model's declared inputs or outputs (ORT ≥ 1.21 has metadata; older ones only names). */
function describeValues(session: Session, which: 'input' | 'output'): OnnxValueInfo[] {
  const meta = (session as unknown as Record<string, unknown>)[`${which}Metadata`]
  if (Array.isArray(meta)) {
    return (meta as ValueMetadata[]).map((m) => ({
      name: m.name,
      type: m.isTensor === false ? 'non-tensor' : String(m.type),
      shape: Array.isArray(m.shape) ? m.shape : [],
    }))
  }
  const names = which === 'input' ? session.inputNames : session.outputNames
  return names.map((name) => ({ name, type: 'unknown', shape: [] }))
}

/**
 * Feed names that do not match the model's inputs, said plainly: ORT only reports the first
 * missing input, not the misspelt name that was given instead.
 */
export function checkFeedNames(given: readonly string[], inputs: readonly string[]): string | undefined {
  const unknown = given.filter((n) => !inputs.includes(n))
  const missing = inputs.filter((n) => !given.includes(n))
  if (!unknown.length && !missing.length) return undefined
  const list = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ')
  const parts = []
  if (unknown.length) parts.push(`unknown input${unknown.length > 1 ? 's' : ''} ${list(unknown)}`)
  if (missing.length) parts.push(`missing input${missing.length > 1 ? 's' : ''} ${list(missing)}`)
  return `${parts.join('; ')} (the model's inputs: ${list(inputs)})`
}

/** Outputs go back by transfer. A Float16Array (Node 24+) travels as its Uint16Array bits. */
function pack(tensor: Ort.Tensor, transfer: TransferListItem[]): OnnxTensor {
  let data = tensor.data as unknown as OnnxTensor['data']
  const F16 = (globalThis as { Float16Array?: new (...a: never[]) => ArrayBufferView }).Float16Array
  if (F16 && (data as unknown) instanceof F16) {
    const v = data as unknown as ArrayBufferView
    data = new Uint16Array(v.buffer, v.byteOffset, v.byteLength / 2)
  }
  if (ArrayBuffer.isView(data)) {
    if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) data = data.slice()
    transfer.push(data.buffer as ArrayBuffer)
  }
  return { type: tensor.type as OnnxTensor['type'], data, dims: Array.from(tensor.dims) }
}

/** Tries each provider in order, one session creation each; CPU (last) failing is fatal. */
async function open(ort: typeof Ort, data: OnnxWorkerData): Promise<{ session: Session; provider: OnnxProvider; reasons: string[] }> {
  const reasons = data.reasons.slice()
  for (const provider of data.order) {
    const ep = provider === 'cuda' ? { name: 'cuda' as const, deviceId: 0 } : provider
    const options = { ...data.options, executionProviders: [ep] } as Ort.InferenceSession.SessionOptions
    try {
      const session = typeof data.model === 'string' ? await ort.InferenceSession.create(data.model, options) : await ort.InferenceSession.create(data.model, options)
      return { session, provider, reasons }
    } catch (e) {
      if (provider === 'cpu') throw e
      reasons.push(`${provider}: ${firstLine(e)}`)
    }
  }
  throw new Error('no execution provider to try')
}

/**
 * Serves one session on `port`: opens the model, posts `ready` (or `open-error`), then answers
 * `run` and `release` requests. Runs may overlap; `release` waits for the ones in flight.
 */
export function serveOnnxSession(port: MessagePort, data: OnnxWorkerData): void {
  const ort = createRequire(data.ortEntry)(data.ortEntry) as typeof Ort
  const opened = open(ort, data)
  const inflight = new Set<Promise<void>>()
  const post = (reply: OnnxWorkerReply, transfer: TransferListItem[] = []): void => port.postMessage(reply, transfer)

  const run = async (session: Session, msg: Extract<OnnxWorkerRequest, { kind: 'run' }>): Promise<void> => {
    const problem = checkFeedNames(Object.keys(msg.feeds), session.inputNames)
    if (problem) throw new Error(problem)
    const feeds: Record<string, Ort.Tensor> = {}
    for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = new ort.Tensor(t.type, t.data as never, t.dims)
    const result = msg.outputNames ? await session.run(feeds, msg.outputNames) : await session.run(feeds)
    const outputs: Record<string, OnnxTensor> = {}
    const transfer: TransferListItem[] = []
    for (const [name, t] of Object.entries(result)) outputs[name] = pack(t, transfer)
    try {
      post({ kind: 'result', id: msg.id, ok: true, outputs }, transfer)
    } catch {
      post({ kind: 'result', id: msg.id, ok: true, outputs }) // non-detachable buffers: copy
    }
  }

  port.on('message', (msg: OnnxWorkerRequest) => {
    if (msg.kind === 'run') {
      const p = opened
        .then(({ session }) => run(session, msg))
        .catch((e: unknown) => post({ kind: 'result', id: msg.id, ok: false, message: messageOf(e), stack: stackOf(e) }))
      inflight.add(p)
      void p.finally(() => inflight.delete(p))
    } else if (msg.kind === 'release') {
      Promise.allSettled([...inflight])
        .then(() => opened)
        .then(({ session }) => session.release())
        .then(
          () => post({ kind: 'result', id: msg.id, ok: true, outputs: {} }),
          (e: unknown) => post({ kind: 'result', id: msg.id, ok: false, message: messageOf(e) }),
        )
    }
  })

  opened.then(
    ({ session, provider, reasons }) =>
      post({ kind: 'ready', provider, reasons, inputs: describeValues(session, 'input'), outputs: describeValues(session, 'output') }),
    (e: unknown) => post({ kind: 'open-error', message: messageOf(e), stack: stackOf(e) }),
  )
}

// Serve only when started as a session worker: importing this module anywhere else does nothing.
const data = workerData as Partial<OnnxWorkerData> | null
if (parentPort && data?.role === 'plaf-onnx-session') serveOnnxSession(parentPort, data as OnnxWorkerData)
