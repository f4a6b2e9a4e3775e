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

/**
 * A message from the parent; `id` pairs it with its `result`. `giveBack`: transfer the feeds'
 * buffers back with the result (they were transferred here, and the parent reuses them).
 */
export type OnnxWorkerRequest =
  | { kind: 'run'; id: number; feeds: Record<string, OnnxTensor>; outputNames?: string[]; giveBack?: boolean; into?: Record<string, Float32Array<SharedArrayBuffer>> }
  | { kind: 'stats'; id: number }
  | { kind: 'release'; id: number }

/**
 * How the worker's output buffers were used: `allocated` counts output buffers ORT wrote into that
 * the worker had not seen before, `reused` the ones it wrote into again (by buffer identity).
 */
export interface OnnxBufferStats {
  runs: number
  allocated: number
  reused: number
}

/** A message to the parent: `ready` or `open-error` once, then one `result` per request. */
export type OnnxWorkerReply =
  | { kind: 'ready'; provider: OnnxProvider; reasons: string[]; inputs: OnnxValueInfo[]; outputs: OnnxValueInfo[] }
  | { kind: 'open-error'; message: string; stack?: string }
  | { kind: 'result'; id: number; ok: true; outputs: Record<string, OnnxTensor>; returned?: Record<string, OnnxTensor>; stats?: OnnxBufferStats }
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

/**
 * An output for the parent: its buffer is moved, not copied. The Node binding returns every output
 * in a new buffer of its own (measured: even into pre-allocated outputs ORT writes first, then the
 * binding copies), so that buffer is free to go. A Float16Array (Node 24+) travels as its Uint16Array bits.
 */
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

const bytesOf = (v: ArrayBufferView): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength)

/**
 * Pre-allocated output tensors, one set per run signature (feed types and dims, output names).
 * After the first run of a signature, tensors of its outputs' types and shapes are made once and
 * passed to every later run of that signature, so ORT writes into the same buffers each time
 * instead of allocating its outputs. At most `limit` signatures are kept (the oldest goes), so
 * memory stays bounded when input shapes vary. `stats` counts the buffers by identity, and a run
 * counts as a reuse only when the pre-allocated buffers hold exactly the values the run returned.
 */
export class OutputBuffers {
  readonly stats: OnnxBufferStats = { runs: 0, allocated: 0, reused: 0 }
  private readonly sets = new Map<string, { tensors: Record<string, Ort.Tensor>; busy: boolean }>()
  private readonly seen = new WeakSet<ArrayBufferLike>()
  private readonly refused = new Set<string>()
  constructor(private readonly limit = 4) {}

  /** The key of a run: feed names, types and dims, and the requested outputs. */
  static signature(feeds: Record<string, OnnxTensor>, outputNames: readonly string[] | undefined): string {
    return JSON.stringify([Object.entries(feeds).map(([n, t]) => [n, t.type, t.dims]), outputNames ?? null])
  }

  /** The outputs to pass to `run` for this signature (lent until `settle`), or undefined. */
  take(sig: string): Record<string, Ort.Tensor> | undefined {
    const set = this.sets.get(sig)
    if (!set || set.busy) return undefined
    set.busy = true
    return set.tensors
  }

  /** Forgets a signature's outputs for good (a run into them failed: e.g. an output whose shape depends on the values). */
  drop(sig: string): void {
    this.sets.delete(sig)
    this.refused.add(sig)
  }

  /** Counts a run; `lent`: the outputs `take` gave it. Makes the signature's outputs after its first run. */
  settle(ort: typeof Ort, sig: string, result: Record<string, Ort.Tensor>, lent: Record<string, Ort.Tensor> | undefined): void {
    this.stats.runs++
    if (lent) {
      const wrote = Object.entries(result).every(([n, t]) => lent[n] && bytesOf(lent[n].data as ArrayBufferView).equals(bytesOf(t.data as ArrayBufferView)))
      for (const t of Object.values(lent)) if (this.seen.has((t.data as ArrayBufferView).buffer)) this.stats.reused += wrote ? 1 : 0
      if (wrote) (this.sets.get(sig) as { busy: boolean }).busy = false
      else this.drop(sig) // ORT did not write into them: stop passing them
      return
    }
    if (this.sets.has(sig) || this.refused.has(sig)) return
    const views = Object.values(result).map((t) => t.data)
    if (!views.every((d) => ArrayBuffer.isView(d) && !(d instanceof DataView))) return
    if (this.sets.size >= this.limit) this.sets.delete(this.sets.keys().next().value as string)
    const tensors: Record<string, Ort.Tensor> = {}
    for (const [name, t] of Object.entries(result)) {
      const d = t.data as unknown as { constructor: new (n: number) => ArrayBufferView; length: number }
      const data = new d.constructor(d.length)
      this.seen.add(data.buffer)
      this.stats.allocated++
      tensors[name] = new ort.Tensor(t.type, data as never, t.dims)
    }
    this.sets.set(sig, { tensors, busy: false })
  }
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
  const buffers = new OutputBuffers()
  const post = (reply: OnnxWorkerReply, transfer: TransferListItem[] = []): void => port.postMessage(reply, transfer)

  const run = async (session: Session, msg: Extract<OnnxWorkerRequest, { kind: 'run' }>): Promise<void> => {
    const problem = checkFeedNames(Object.keys(msg.feeds), session.inputNames)
    if (problem) throw new Error(problem)
    const feeds: Record<string, Ort.Tensor> = {}
    for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = new ort.Tensor(t.type, t.data as never, t.dims)
    const sig = OutputBuffers.signature(msg.feeds, msg.outputNames)
    const fetches = buffers.take(sig)
    const plain = (): Promise<Record<string, Ort.Tensor>> => (msg.outputNames ? session.run(feeds, msg.outputNames) : session.run(feeds))
    let result: Record<string, Ort.Tensor>
    let took = fetches !== undefined
    try {
      result = fetches ? await session.run(feeds, fetches) : await plain()
    } catch (e) {
      if (!fetches) throw e
      // pre-allocated outputs of the wrong shape (data-dependent dims): forget them and run plainly
      buffers.drop(sig)
      took = false
      result = await plain()
    }
    buffers.settle(ort, sig, result, took ? fetches : undefined)
    const outputs: Record<string, OnnxTensor> = {}
    const transfer: TransferListItem[] = []
    for (const [name, t] of Object.entries(result)) {
      const dest = msg.into?.[name]
      const data = t.data as unknown as ArrayBufferView & { length: number }
      if (dest && t.type === 'float32' && data instanceof Float32Array && data.length <= dest.length) {
        // Copied into the caller's shared destination: nothing is allocated or moved on its side.
        dest.set(data)
        outputs[name] = { type: 'float32', data: dest.subarray(0, data.length), dims: Array.from(t.dims) }
      } else outputs[name] = pack(t, transfer)
    }
    const returned = msg.giveBack ? msg.feeds : undefined
    if (returned) for (const t of Object.values(returned)) if (ArrayBuffer.isView(t.data) && !transfer.includes(t.data.buffer as ArrayBuffer)) transfer.push(t.data.buffer as ArrayBuffer)
    try {
      post({ kind: 'result', id: msg.id, ok: true, outputs, returned }, transfer)
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
    } else if (msg.kind === 'stats') {
      post({ kind: 'result', id: msg.id, ok: true, outputs: {}, stats: { ...buffers.stats } })
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
