import type { Worker } from 'node:worker_threads'
import { PlafError, diagnostic, startWorker, workerScript, type WorkerScript } from '@plaf/core'
import { ClassifierCache, classifyPlane, drainJob, threadCpuMs, type ClassifyJob, type NonFinitePlane, type PlaneResult } from './classify-job.js'
import type { ClassifierReply, ClassifierRequest } from './classify-worker.js'
import { KernelArena, exactKernelAvailable } from './exact-kernel.js'
import type { Cutoffs } from './logit-runs.js'
import type { UpsamplePlan } from './upsample.js'

/** Planes copied and shared at a time: a batch of 64 prompts × 3 masks of 191×256 floats is 37 MB. */
const CHUNK = 192

/**
 * The classifier worker's script: `classify-worker.js` beside this file in the build, else
 * `classify-worker.ts` and the modules it imports transpiled into one script (`workerScript` in
 * `@plaf/core`). The worker imports only these modules and Node built-ins.
 */
const classifierWorkerScript = (): Promise<WorkerScript> => workerScript(import.meta.url, 'classify-worker')

/** A non-finite logit met while classifying: which plane of the batch and where in it. */
export class NonFiniteLogits extends Error {
  constructor(readonly at: NonFinitePlane) {
    super(`plane ${at.plane} holds ${at.value} at row ${at.row}, column ${at.col}`)
  }
}

/**
 * Classifies the planes of a decoder batch (`RunClassifier`) on `threads` threads: the calling
 * thread and threads − 1 worker threads. The planes to classify are copied (only the rows the
 * upsampling reads) once into a shared WebAssembly memory (`KernelArena`) in which every thread's
 * kernel lives and reads them in place (a SharedArrayBuffer without WebAssembly), and each thread takes the
 * next plane through one atomic counter, so a thread slowed by other load takes fewer planes. With
 * one thread, nothing is copied and no worker is started. Results come back in plane order and
 * are the same whatever the thread count. Workers start on first use, do not keep the process
 * alive while idle, and stop on `close`.
 */
export class ClassifierPool {
  private workers: Worker[] = []
  private starting: Promise<void> | undefined
  private readonly pending = new Map<number, { resolve: (r: ClassifierReply) => void; reject: (e: unknown) => void }>()
  private nextId = 1
  private shared: Float32Array<ArrayBufferLike> = new Float32Array(0)
  /** With WebAssembly and more than one thread: the shared memory of every thread's kernel and of the batch (at `batchAt`, `batchFloats` floats). */
  private readonly arena: KernelArena | undefined
  private batchAt = 0
  private batchFloats = 0
  private readonly local: ClassifierCache
  /**
   * The shared buffer `generateMasks` lends the decoder for each batch's logits (see `EncodedCrop.predict`),
   * kept here from image to image, so that every batch, the first too, comes in it; dropped on `close`.
   */
  logitsBuffer: Float32Array<SharedArrayBuffer> | undefined
  /** Kernels in memory of their own, for planes read where the decoder put them (a SharedArrayBuffer). */
  private readonly own = new ClassifierCache()
  private dead: Error | undefined

  /** `chunk`: planes shared at a time (a decoder batch of 64 prompts × 3 masks by default). */
  constructor(
    readonly threads: number,
    readonly chunk = CHUNK,
  ) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`ClassifierPool: threads must be an integer ≥ 1, got ${threads}`)
    if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`ClassifierPool: chunk must be an integer ≥ 1, got ${chunk}`)
    this.arena = threads > 1 && exactKernelAvailable() ? new KernelArena() : undefined
    this.local = new ClassifierCache(this.arena)
  }

  private start(): Promise<void> {
    this.starting ??= (async () => {
      for (let i = 1; i < this.threads; i++) {
        const w = startWorker(await classifierWorkerScript(), { role: 'plaf-sam-classifier' })
        if (this.arena) w.postMessage({ kind: 'arena', id: 0, memory: this.arena.memory } satisfies ClassifierRequest)
        w.on('message', (msg: ClassifierReply) => {
          const p = this.pending.get(msg.id)
          if (!p) return
          this.pending.delete(msg.id)
          this.refresh()
          p.resolve(msg)
        })
        w.on('error', (e) => this.die(e))
        w.on('exit', (code) => {
          if (this.workers.includes(w)) this.die(new Error(`classifier worker exited with code ${code}`))
        })
        this.workers.push(w)
      }
      this.refresh()
    })()
    return this.starting
  }

  // An idle pool must not keep the process alive; a pending job must.
  private refresh(): void {
    for (const w of this.workers) void (this.pending.size ? w.ref() : w.unref())
  }

  private die(e: Error): void {
    this.dead ??= e
    for (const p of this.pending.values()) p.reject(this.failure())
    this.pending.clear()
  }

  private failure(): PlafError {
    return new PlafError(diagnostic('PLAF_INTERNAL', `sam: a mask classifier thread failed: ${this.dead!.message}`), { cause: this.dead })
  }

  private ask(w: Worker, msg: ClassifierRequest): Promise<ClassifierReply> {
    if (this.dead) return Promise.reject(this.failure())
    return new Promise((resolve, reject) => {
      this.pending.set(msg.id, { resolve, reject })
      this.refresh()
      w.postMessage(msg)
    })
  }

  /**
   * Classifies planes `planes[j]` (plane indices into `logits`, lh×lw each) at the cutoffs; result j
   * is that of planes[j] (null when no value reaches the lowest cutoff). Throws NonFiniteLogits for
   * the first plane (in `planes` order) whose read part holds a NaN or ±Infinity.
   */
  async classify(logits: Float32Array, planes: ArrayLike<number>, lh: number, lw: number, plan: UpsamplePlan, cut: Cutoffs): Promise<(PlaneResult | null)[]> {
    const count = planes.length
    const rc = this.local.get(lh, lw, plan)
    const out: (PlaneResult | null)[] = new Array(count).fill(null)
    if (this.threads === 1 || count < 2) {
      // In place: the planes are read where the decoder put them.
      for (let j = 0; j < count; j++) {
        const offset = planes[j]! * lh * lw
        const r = classifyPlane(rc, logits, offset, cut)
        if (r && 'nonFinite' in r) throw new NonFiniteLogits({ plane: j, row: Math.floor(r.nonFinite / lw), col: r.nonFinite % lw, value: logits[offset + r.nonFinite]! })
        out[j] = r
      }
      return out
    }
    await this.start()
    if (logits.buffer instanceof SharedArrayBuffer) return this.inPlace(logits, planes, lh, lw, plan, cut)
    // One job per batch (chunks only beyond CHUNK planes): the workers start at once and each
    // waits for a plane to be copied (the `ready` counter) only if it gets ahead of the copy, so
    // the copy overlaps their work and a batch costs one message round trip, which a loaded
    // machine makes expensive (the waiting thread must be scheduled again).
    const stride = rc.up.usedH * lw
    const size = Math.min(count, this.chunk) * stride
    const arena = this.arena
    if (arena && this.batchFloats < size) {
      // A larger batch: a new block (the SIMD loads may read a little past the last plane).
      this.batchAt = arena.take(4 * size + 64)
      this.batchFloats = size
    } else if (!arena && this.shared.length < size) this.shared = new Float32Array(new SharedArrayBuffer(4 * size))
    for (let j0 = 0; j0 < count; j0 += this.chunk) {
      const n = Math.min(this.chunk, count - j0)
      const ready = new Int32Array(new SharedArrayBuffer(4))
      const job: ClassifyJob = { at: 0, stride, count: n, next: new Int32Array(new SharedArrayBuffer(4)), ready, lh, lw, plan, cut }
      if (!arena) job.data = this.shared
      else job.at = this.batchAt >> 2
      // The main thread's view: the workers make their own (a posted view would be another buffer object than their memory's).
      const data = arena ? new Float32Array(arena.memory.buffer) : this.shared
      const replies = this.workers.map((w) => this.ask(w, { kind: 'job', id: this.nextId++, job }))
      for (let j = 0; j < n; j++) {
        const from = planes[j0 + j]! * lh * lw
        data.set(logits.subarray(from, from + stride), job.at + j * stride)
        Atomics.store(ready, 0, j + 1)
        Atomics.notify(ready, 0)
      }
      const part: (PlaneResult | null)[] = new Array(n).fill(null)
      const bad = await this.merge(replies, part, drainJob(job, rc, part, arena))
      if (bad) throw new NonFiniteLogits({ ...bad, plane: bad.plane + j0 })
      for (let j = 0; j < n; j++) out[j0 + j] = part[j]!
    }
    return out
  }

  /**
   * The planes read where the decoder put them (`logits` on a SharedArrayBuffer, which every
   * thread sees): one job, nothing copied first; each thread copies the plane it takes into its own
   * kernel's memory, as one thread does, so both threads start at once and share the copying.
   */
  private async inPlace(logits: Float32Array, planes: ArrayLike<number>, lh: number, lw: number, plan: UpsamplePlan, cut: Cutoffs): Promise<(PlaneResult | null)[]> {
    const count = planes.length
    const offsets = Int32Array.from(planes, (p) => p * lh * lw)
    const job: ClassifyJob = { data: logits, at: 0, stride: 0, count, next: new Int32Array(new SharedArrayBuffer(4)), offsets, lh, lw, plan, cut }
    const replies = this.workers.map((w) => this.ask(w, { kind: 'job', id: this.nextId++, job }))
    const out: (PlaneResult | null)[] = new Array(count).fill(null)
    const bad = await this.merge(replies, out, drainJob(job, this.own.get(lh, lw, plan), out))
    if (bad) throw new NonFiniteLogits(bad)
    return out
  }

  /**
   * The workers' replies to one job merged into `out` (their planes, by index in the job); returns
   * the job's first non-finite plane, this thread's (`bad`) or a worker's. A worker's failure is
   * PLAF_INTERNAL.
   */
  private async merge(replies: Promise<ClassifierReply>[], out: (PlaneResult | null)[], bad: NonFinitePlane | null): Promise<NonFinitePlane | null> {
    for (const reply of await Promise.all(replies)) {
      if (reply.kind === 'error') throw new PlafError(diagnostic('PLAF_INTERNAL', `sam: a mask classifier thread failed: ${reply.message}`), { cause: Object.assign(new Error(reply.message), { stack: reply.stack }) })
      if (reply.kind !== 'job') continue
      for (const [i, r] of reply.results) out[i] = r
      if (reply.bad && (!bad || reply.bad.plane < bad.plane)) bad = reply.bad
    }
    return bad
  }

  /** CPU time (ms) of the classifier threads so far: the workers' threads and this one's (Linux; NaN elsewhere). */
  async workerCpuMs(): Promise<number> {
    await this.start()
    const replies = await Promise.all(this.workers.map((w) => this.ask(w, { kind: 'cpu', id: this.nextId++ })))
    return replies.reduce((a, r) => a + (r.kind === 'cpu' ? r.ms : NaN), 0)
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    const ws = this.workers
    this.workers = []
    this.logitsBuffer = undefined
    this.starting = undefined
    await Promise.all(ws.map((w) => w.terminate()))
  }
}

export { threadCpuMs }
