import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { PlafError, diagnostic, fail, type DiagnosticCode } from '../diagnostics.js'
import { startWorker, workerScript, type WorkerScript } from '../util/worker-source.js'
import type { OnnxDataType } from './onnx-graph.js'
import type { OnnxBufferStats, OnnxWorkerData, OnnxWorkerReply } from './onnx-worker.js'
import { onnxruntimeEntry, planProviders, type OnnxDevice, type OnnxProvider } from './ort-providers.js'
import { InputPool } from './input-pool.js'
import { logSession, skippedProviders } from './session-log.js'

export type { OnnxBufferStats } from './onnx-worker.js'

/** Tensor element type names as onnxruntime spells them. */
export type OnnxTensorType = OnnxDataType | 'string'

/** Typed array (or strings) holding a tensor's values; float16 is `Uint16Array` bits. */
export type OnnxTensorData =
  | Float32Array
  | Float64Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[]

/** A tensor crossing the session boundary: row-major `data` of shape `dims`. */
export interface OnnxTensor {
  type: OnnxTensorType
  data: OnnxTensorData
  dims: number[]
}

/** A model input or output as the model declares it; strings in `shape` are symbolic dims. */
export interface OnnxValueInfo {
  name: string
  type: string
  shape: (number | string)[]
}

/** Options of `openOnnxSession`. */
export interface OnnxSessionOptions {
  /** `auto`: CUDA when its provider libraries load, else CPU. `cuda`/`webgpu` fall back to CPU too. */
  device?: OnnxDevice
  /**
   * Intra-op threads (the threads one operator's work is split over); 0 or absent: the number of
   * cores. Inter-op parallelism stays off (one thread, sequential execution): a ViT is a chain of
   * operators, and a second pool would only compete for the same cores.
   */
  threads?: number
  /** Name used in messages for an in-memory model (a path names itself). */
  name?: string
}

/** Options of one `run`. */
export interface OnnxRunOptions {
  /**
   * Move the feeds' buffers to the worker instead of copying them (they are detached here
   * afterwards). Only typed arrays that span their whole buffer are moved; others are copied.
   * Buffers that came from `borrowInput` are moved back with the result and return to the
   * session's pool for the next run.
   */
  transfer?: boolean
  /**
   * Destinations for outputs, by output name: typed arrays on a SharedArrayBuffer. An output of the
   * same element type that fits is copied by the worker into its destination, and `run` returns a
   * view on the destination's first elements instead of a new buffer. A loop whose outputs are
   * large and short-lived (a SAM decoder's 50 MB of logits a run) then creates no buffer on this
   * thread, so this thread's garbage collector is not set off by each run's memory. The values
   * stay valid until the destination is written again. Outputs without a fitting destination come
   * back as usual.
   */
  into?: Record<string, Float32Array<SharedArrayBuffer>>
}

/** An ONNX model session living in its own worker thread. */
export interface OnnxSession {
  /** The model path, or `name` / `<in-memory model>` for bytes. */
  readonly model: string
  readonly inputs: readonly OnnxValueInfo[]
  readonly outputs: readonly OnnxValueInfo[]
  /** Execution provider the session actually runs on. */
  readonly provider: OnnxProvider
  /** Why each provider tried before `provider` was skipped (`provider: reason`). */
  readonly providerReasons: readonly string[]
  /** ONNX Runtime's thread settings for this session. */
  readonly threads: { intraOp: number; interOp: number }
  /**
   * Runs the model. Outputs are the caller's to keep: the worker hands ORT the same pre-allocated
   * output tensors on every run with the same feed shapes (no allocation by ORT), and copies the
   * values once into a new buffer that is moved (not copied again) to this thread.
   */
  run(feeds: Record<string, OnnxTensor>, outputNames?: string[], opts?: OnnxRunOptions): Promise<Record<string, OnnxTensor>>
  /**
   * A tensor of the given type and shape whose buffer comes from the session's pool (its values
   * are left from an earlier run: overwrite them all). Fed to `run` with `transfer: true`, it goes
   * to the worker and back without a copy and returns to the pool, so a frame loop allocates its
   * input buffers once. Other tensors work too; they are just not pooled.
   */
  borrowInput(type: Exclude<OnnxTensorType, 'string'>, dims: number[]): OnnxTensor
  /** How buffers were reused so far: the worker's output buffers, and the input pool. */
  bufferStats(): Promise<OnnxBufferStats & { inputsAllocated: number; inputsReused: number }>
  /** Releases the session and stops the worker; later runs throw. */
  release(): Promise<void>
}

// A model that will not load, a run ORT rejects, and a worker that dies (our bug).
const CODE_LOAD: DiagnosticCode = 'PLAF_MODEL_INVALID'
const CODE_RUN: DiagnosticCode = 'PLAF_MODEL_RUN_FAILED'
const CODE_CRASH: DiagnosticCode = 'PLAF_INTERNAL'

type Reply = OnnxWorkerReply

let live = 0

/**
 * How many sessions are open in this process (opened and neither released nor dead). The
 * conformance kit checks that a plugin's `dispose` brings it back to where it was.
 */
export function liveOnnxSessions(): number {
  return live
}

/**
 * The session worker's script: `onnx-worker.js` beside this file in the build, else
 * `onnx-worker.ts` transpiled (see `workerScript` in util/worker-source.ts). The worker needs no
 * module resolution of its own: at run time it imports only Node built-ins.
 */
export function onnxWorkerScript(): Promise<WorkerScript> {
  return workerScript(import.meta.url, 'onnx-worker')
}

/**
 * ONNX Runtime's message on one line, whole: its details follow on further lines (which index of
 * which input got what size and expected what), and a message cut at the first line would keep
 * only "Got invalid dimensions for input: pixel_values for the following indices".
 */
export function ortMessage(message: string): string {
  return message.split('\n').map((l) => l.trim()).filter(Boolean).join('; ')
}

function workerError(code: DiagnosticCode, model: string, file: string | undefined, what: string, message: string, stack?: string): PlafError {
  const cause = Object.assign(new Error(message), stack ? { stack } : {})
  return new PlafError(diagnostic(code, `${what} ${model}: ${ortMessage(message)}`, { file, cause }), { cause })
}

/**
 * Opens an ONNX model (a file path, or the model's bytes) in a `worker_threads` Worker, so the
 * event loop keeps ticking while it runs (onnxruntime-node's `run` blocks the thread that calls it).
 * Execution providers are tried in order, CPU last; the one used and why earlier ones were skipped
 * are reported. Failures come back as PlafError naming the model: PLAF_MODEL_MISSING for a path
 * that does not exist, PLAF_MODEL_INVALID for a model ORT cannot load, PLAF_MODEL_RUN_FAILED for a run it rejects.
 */
export async function openOnnxSession(model: string | Uint8Array, opts: OnnxSessionOptions = {}): Promise<OnnxSession> {
  const file = typeof model === 'string' ? resolve(model) : undefined
  const label = file ?? opts.name ?? `<in-memory model, ${(model as Uint8Array).byteLength} bytes>`
  if (file && !existsSync(file)) fail('PLAF_MODEL_MISSING', `ONNX model not found: ${file}`, { file })

  const plan = planProviders(opts.device ?? 'auto')
  const threads = { intraOp: opts.threads || availableParallelism(), interOp: 1 }
  const options = {
    intraOpNumThreads: threads.intraOp,
    interOpNumThreads: threads.interOp,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  }
  const script = await onnxWorkerScript()
  const workerData: OnnxWorkerData = { role: 'plaf-onnx-session', ortEntry: onnxruntimeEntry(), model: file ?? model, order: plan.order, reasons: plan.reasons, options }
  const worker = startWorker(script, workerData)
  const pending = new Map<number, { resolve: (r: Extract<Reply, { ok: true }>) => void; reject: (e: unknown) => void }>()
  const pool = new InputPool()
  let nextId = 1
  let dead: PlafError | undefined
  let onReady: ((r: Reply) => void) | undefined
  // An idle session must not keep the process alive; a pending call must.
  const refresh = (): void => void (pending.size || onReady ? worker.ref() : worker.unref())

  const die = (err: PlafError): void => {
    dead ??= err
    for (const p of pending.values()) p.reject(dead)
    pending.clear()
    onReady?.({ kind: 'open-error', message: err.diagnostics[0].message })
  }
  worker.on('message', (msg: Reply) => {
    if (msg.kind !== 'result') return onReady?.(msg)
    const p = pending.get(msg.id)
    if (!p) return
    pending.delete(msg.id)
    refresh()
    if (msg.ok) p.resolve(msg)
    else p.reject(workerError(CODE_RUN, label, file, 'ONNX run failed for', msg.message, msg.stack))
  })
  worker.on('error', (e) => die(workerError(CODE_CRASH, label, file, 'ONNX worker crashed for', e.message, e.stack)))
  worker.on('exit', (code) => die(workerError(CODE_CRASH, label, file, 'ONNX worker stopped for', `exit code ${code}`)))

  const ready = await new Promise<Reply>((res) => {
    onReady = res
    refresh()
  })
  onReady = undefined
  refresh()
  if (ready.kind !== 'ready') {
    const crashed = dead
    await worker.terminate()
    const stack = ready.kind === 'open-error' ? ready.stack : undefined
    throw crashed ?? workerError(CODE_LOAD, label, file, 'cannot load ONNX model', ready.kind === 'open-error' ? ready.message : 'unexpected reply', stack)
  }

  live++
  let counted = true
  const uncount = (): void => {
    if (counted) live--
    counted = false
  }
  worker.once('exit', uncount)
  logSession({ model: label, device: opts.device ?? 'auto', provider: ready.provider, skipped: skippedProviders(ready.reasons), threads: { intra_op: threads.intraOp, inter_op: threads.interOp } })

  const call = (msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Extract<Reply, { ok: true }>> => {
    if (dead) return Promise.reject(dead)
    const id = nextId++
    return new Promise((res, rej) => {
      pending.set(id, { resolve: res, reject: rej })
      refresh()
      worker.postMessage({ ...msg, id }, transfer)
    })
  }

  return {
    model: label,
    inputs: ready.inputs,
    outputs: ready.outputs,
    provider: ready.provider,
    providerReasons: ready.reasons,
    threads,
    async run(feeds, outputNames, runOpts = {}) {
      const transfer: ArrayBuffer[] = []
      if (runOpts.transfer) {
        for (const t of Object.values(feeds)) {
          const d = t.data
          if (ArrayBuffer.isView(d) && d.buffer instanceof ArrayBuffer && d.byteOffset === 0 && d.byteLength === d.buffer.byteLength && !transfer.includes(d.buffer)) {
            transfer.push(d.buffer)
          }
        }
      }
      const pooled = Object.keys(feeds).filter((n) => pool.isPooled(feeds[n]) && transfer.includes((feeds[n].data as ArrayBufferView).buffer as ArrayBuffer))
      const into = runOpts.into && Object.fromEntries(Object.entries(runOpts.into).filter(([, d]) => d.buffer instanceof SharedArrayBuffer))
      const reply = await call({ kind: 'run', feeds, outputNames, giveBack: pooled.length > 0, into }, transfer)
      for (const n of pooled) if (reply.returned?.[n]) pool.giveBack(reply.returned[n])
      return reply.outputs
    },
    borrowInput: (type, dims) => pool.borrow(type, dims),
    async bufferStats() {
      const { stats } = await call({ kind: 'stats' })
      return { ...(stats as OnnxBufferStats), inputsAllocated: pool.allocated, inputsReused: pool.reused }
    },
    async release() {
      if (dead) return
      try {
        await call({ kind: 'release' })
      } finally {
        dead = new PlafError(diagnostic(CODE_CRASH, `ONNX session for ${label} was released`, { file }))
        uncount()
        await worker.terminate()
      }
    },
  }
}
