/**
 * A classifier thread of `ClassifierPool` (see `classifierWorkerScript` in classify-pool.ts for
 * how it is started from the build and from the sources). It takes planes of each job through the
 * job's shared counter, as the main thread does, and posts back their results (runs transferred).
 */
import { parentPort } from 'node:worker_threads'
import { KernelArena } from './exact-kernel.js'
import { ClassifierCache, drainJob, threadCpuMs, type ClassifyJob, type PlaneResult } from './classify-job.js'

/** Main thread → worker. */
export type ClassifierRequest = { kind: 'job'; id: number; job: ClassifyJob } | { kind: 'cpu'; id: number } | { kind: 'arena'; id: number; memory: KernelArena['memory'] }
/** Worker → main thread. */
export type ClassifierReply =
  | { kind: 'job'; id: number; results: [number, PlaneResult | null][]; bad: import('./classify-job.js').NonFinitePlane | null }
  | { kind: 'cpu'; id: number; ms: number }
  | { kind: 'error'; id: number; message: string; stack?: string }

const port = parentPort!
let cache = new ClassifierCache()
// Kernels in memory of their own, for jobs whose planes are read where the decoder put them.
const own = new ClassifierCache()
port.on('message', (msg: ClassifierRequest) => {
  try {
    if (msg.kind === 'arena') {
      // The pool's shared memory (sent before any job, no reply): kernels and batches live there.
      cache = new ClassifierCache(new KernelArena(msg.memory))
      return
    }
    if (msg.kind === 'cpu') {
      port.postMessage({ kind: 'cpu', id: msg.id, ms: threadCpuMs() } satisfies ClassifierReply)
      return
    }
    const { job } = msg
    const out = new Map<number, PlaneResult | null>()
    const c = job.offsets ? own : cache
    const bad = drainJob(job, c.get(job.lh, job.lw, job.plan), out, c.arena)
    const results = [...out]
    const transfer = results.flatMap(([, r]) => (r && r.runs.byteLength ? [r.runs.buffer as ArrayBuffer] : []))
    port.postMessage({ kind: 'job', id: msg.id, results, bad } satisfies ClassifierReply, transfer)
  } catch (e) {
    const err = e as Error
    port.postMessage({ kind: 'error', id: msg.id, message: String(err?.message ?? e), stack: err?.stack } satisfies ClassifierReply)
  }
})
