/**
 * The pool product of a 3D query, out[q·M + r] = Σ_j pool[r·D + j] · texts[q·D + j]: M×D · D×Q
 * with Q small (usually 1), a matrix–vector product that reads the whole M×D float32 pool once
 * and does two flops per float read, so its speed is the speed of reading the pool.
 *
 * `PoolProduct` runs it in a WebAssembly SIMD kernel (source in `PRODUCT_WAT`) over a copy of the
 * pool held in the kernel's own linear memory (copied once, by `prepareMap`). Eight pool rows are
 * read side by side in f32x4 lanes (then four, then one for the last rows), each block of rows is
 * used for every query while it is in cache (so Q queries still read the pool once), and the call is synchronous: no tensor-backend
 * round trip, no new tensors per query. The memory is a shared WebAssembly memory: with
 * `threads: 2` (the default on a machine with two or more cores, for pools of at least
 * `THREADED_MIN_VALUES` floats) a persistent helper thread (worker_threads, started once per
 * kernel) runs the same kernel over the same memory, and per call both threads claim chunks of
 * rows through Atomics on a small SharedArrayBuffer, so whichever thread is free takes the next
 * one and this thread finishes alone when the helper is busy, not started yet or gone. Reading
 * the pool is the cost, and two cores read it about twice as fast as one.
 *
 * Summation order (fixed, so results are reproducible): per row and query, lane l of a float32
 * accumulator sums the products of the columns j ≡ l (mod 4) below D − D mod 4 in order; the
 * lanes are then added as (l0 + l1) + (l2 + l3), then the last D mod 4 products in order. The
 * error is that of a float32 dot product (the tensor backends' MatMul is float32 too).
 */

import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { WASM_PAGE, wasmApi, type WasmMemory } from '@plaf/core'
import type { PointGather, SharedGather } from './gather.js'

/**
 * One loop of the kernel over blocks of `k` rows from `$r` on: the k rows are read side by side
 * (k accumulators of four lanes), and each block is used for every query while it is in cache.
 * Per row and query the sum has the order stated above, whatever k.
 */
function rowBlockLoop(k: number): string {
  const ks = [...Array(k).keys()]
  const lanes = (a: string) => `(f32.add (f32.add (f32x4.extract_lane 0 ${a}) (f32x4.extract_lane 1 ${a})) (f32.add (f32x4.extract_lane 2 ${a}) (f32x4.extract_lane 3 ${a})))`
  return `
    ;; blocks of ${k} row${k === 1 ? '' : 's'}
    (block $done${k}
      (loop $rows${k}
        (br_if $done${k} (i32.gt_u (i32.add (local.get $r) (i32.const ${k})) (local.get $rows)))
        (local.set $p0 (i32.add (local.get $pool) (i32.mul (local.get $r) (local.get $stride))))
${ks.slice(1).map((i) => `        (local.set $p${i} (i32.add (local.get $p${i - 1}) (local.get $stride)))`).join('\n')}
        (local.set $i (i32.const 0))
        (block $qdone${k}
          (loop $queries${k}
            (br_if $qdone${k} (i32.ge_u (local.get $i) (local.get $q)))
            (local.set $t (i32.add (local.get $texts) (i32.mul (local.get $i) (local.get $stride))))
${ks.map((i) => `            (local.set $a${i} (v128.const i32x4 0 0 0 0))`).join('\n')}
            (local.set $j (i32.const 0))
            (block $vdone${k}
              (loop $vec${k}
                (br_if $vdone${k} (i32.ge_u (local.get $j) (local.get $dv)))
                (local.set $tv (v128.load (i32.add (local.get $t) (local.get $j))))
${ks.map((i) => `                (local.set $a${i} (f32x4.add (local.get $a${i}) (f32x4.mul (v128.load (i32.add (local.get $p${i}) (local.get $j))) (local.get $tv))))`).join('\n')}
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $vec${k})))
${ks.map((i) => `            (local.set $s${i} ${lanes(`(local.get $a${i})`)})`).join('\n')}
            (block $tdone${k}
              (loop $tail${k}
                (br_if $tdone${k} (i32.ge_u (local.get $j) (local.get $stride)))
                (local.set $x (f32.load (i32.add (local.get $t) (local.get $j))))
${ks.map((i) => `                (local.set $s${i} (f32.add (local.get $s${i}) (f32.mul (f32.load (i32.add (local.get $p${i}) (local.get $j))) (local.get $x))))`).join('\n')}
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $tail${k})))
            (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $ld)) (local.get $r)) (i32.const 2))))
${ks.map((i) => `            (f32.store offset=${4 * i} (local.get $o) (local.get $s${i}))`).join('\n')}
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $queries${k})))
        (local.set $r (i32.add (local.get $r) (i32.const ${k})))
        (br $rows${k})))`
}

/** Rows a block of the kernel's main loop reads side by side (eight: the most that kept every accumulator in a register here; 4 and 1 for the rest). */
const BLOCK_ROWS = 8

/**
 * The kernel's source; `PRODUCT_WASM` is its binary (wabt 1.0.39 `parseWat` + `toBinary`, checked
 * by a test). Blocks of eight rows, then of four, then single rows: eight rows side by side read
 * the pool about 10 % faster than four on this machine's L3 (eight streams in flight), sixteen
 * spill registers and lose.
 */
export const PRODUCT_WAT = `(module
  (memory (import "env" "memory") 1 32768 shared)
  ;; out[i·ld + r] = Σ_j pool[r·d + j] · texts[i·d + j] for r < rows, i < q (byte addresses; rows of d floats)
  (func $dots (export "dots") (param $pool i32) (param $texts i32) (param $out i32) (param $rows i32) (param $d i32) (param $q i32) (param $ld i32)
    (local $stride i32) (local $dv i32) (local $r i32) (local $i i32) (local $j i32) (local $t i32) (local $o i32) (local $tv v128) (local $x f32)
    ${[...Array(BLOCK_ROWS).keys()].map((i) => `(local $p${i} i32) (local $a${i} v128) (local $s${i} f32)`).join(' ')}
    (local.set $stride (i32.shl (local.get $d) (i32.const 2)))
    (local.set $dv (i32.shl (i32.and (local.get $d) (i32.const -4)) (i32.const 2)))${[BLOCK_ROWS, 4, 1].map(rowBlockLoop).join('')}))
`

/** The binary of `PRODUCT_WAT`, base64. */
export const PRODUCT_WASM = 'AGFzbQEAAAABCwFgB39/f39/f38AAhIBA2VudgZtZW1vcnkCAwGAgAIDAgEABwgBBGRvdHMAAArrDQHoDRsHfwF7AX0BfwF7AX0BfwF7AX0BfwF7AX0BfwF7AX0BfwF7AX0BfwF7AX0BfwF7AX0BfwF7AX0gBEECdCEHIARBfHFBAnQhCAJAA0AgCUEIaiADSw0BIAAgCSAHbGohECAQIAdqIRMgEyAHaiEWIBYgB2ohGSAZIAdqIRwgHCAHaiEfIB8gB2ohIiAiIAdqISVBACEKAkADQCAKIAVPDQEgASAKIAdsaiEM/QwAAAAAAAAAAAAAAAAAAAAAIRH9DAAAAAAAAAAAAAAAAAAAAAAhFP0MAAAAAAAAAAAAAAAAAAAAACEX/QwAAAAAAAAAAAAAAAAAAAAAIRr9DAAAAAAAAAAAAAAAAAAAAAAhHf0MAAAAAAAAAAAAAAAAAAAAACEg/QwAAAAAAAAAAAAAAAAAAAAAISP9DAAAAAAAAAAAAAAAAAAAAAAhJkEAIQsCQANAIAsgCE8NASAMIAtq/QAEACEOIBEgECALav0ABAAgDv3mAf3kASERIBQgEyALav0ABAAgDv3mAf3kASEUIBcgFiALav0ABAAgDv3mAf3kASEXIBogGSALav0ABAAgDv3mAf3kASEaIB0gHCALav0ABAAgDv3mAf3kASEdICAgHyALav0ABAAgDv3mAf3kASEgICMgIiALav0ABAAgDv3mAf3kASEjICYgJSALav0ABAAgDv3mAf3kASEmIAtBEGohCwwACwsgEf0fACAR/R8BkiAR/R8CIBH9HwOSkiESIBT9HwAgFP0fAZIgFP0fAiAU/R8DkpIhFSAX/R8AIBf9HwGSIBf9HwIgF/0fA5KSIRggGv0fACAa/R8BkiAa/R8CIBr9HwOSkiEbIB39HwAgHf0fAZIgHf0fAiAd/R8DkpIhHiAg/R8AICD9HwGSICD9HwIgIP0fA5KSISEgI/0fACAj/R8BkiAj/R8CICP9HwOSkiEkICb9HwAgJv0fAZIgJv0fAiAm/R8DkpIhJwJAA0AgCyAHTw0BIAwgC2oqAgAhDyASIBAgC2oqAgAgD5SSIRIgFSATIAtqKgIAIA+UkiEVIBggFiALaioCACAPlJIhGCAbIBkgC2oqAgAgD5SSIRsgHiAcIAtqKgIAIA+UkiEeICEgHyALaioCACAPlJIhISAkICIgC2oqAgAgD5SSISQgJyAlIAtqKgIAIA+UkiEnIAtBBGohCwwACwsgAiAKIAZsIAlqQQJ0aiENIA0gEjgCACANIBU4AgQgDSAYOAIIIA0gGzgCDCANIB44AhAgDSAhOAIUIA0gJDgCGCANICc4AhwgCkEBaiEKDAALCyAJQQhqIQkMAAsLAkADQCAJQQRqIANLDQEgACAJIAdsaiEQIBAgB2ohEyATIAdqIRYgFiAHaiEZQQAhCgJAA0AgCiAFTw0BIAEgCiAHbGohDP0MAAAAAAAAAAAAAAAAAAAAACER/QwAAAAAAAAAAAAAAAAAAAAAIRT9DAAAAAAAAAAAAAAAAAAAAAAhF/0MAAAAAAAAAAAAAAAAAAAAACEaQQAhCwJAA0AgCyAITw0BIAwgC2r9AAQAIQ4gESAQIAtq/QAEACAO/eYB/eQBIREgFCATIAtq/QAEACAO/eYB/eQBIRQgFyAWIAtq/QAEACAO/eYB/eQBIRcgGiAZIAtq/QAEACAO/eYB/eQBIRogC0EQaiELDAALCyAR/R8AIBH9HwGSIBH9HwIgEf0fA5KSIRIgFP0fACAU/R8BkiAU/R8CIBT9HwOSkiEVIBf9HwAgF/0fAZIgF/0fAiAX/R8DkpIhGCAa/R8AIBr9HwGSIBr9HwIgGv0fA5KSIRsCQANAIAsgB08NASAMIAtqKgIAIQ8gEiAQIAtqKgIAIA+UkiESIBUgEyALaioCACAPlJIhFSAYIBYgC2oqAgAgD5SSIRggGyAZIAtqKgIAIA+UkiEbIAtBBGohCwwACwsgAiAKIAZsIAlqQQJ0aiENIA0gEjgCACANIBU4AgQgDSAYOAIIIA0gGzgCDCAKQQFqIQoMAAsLIAlBBGohCQwACwsCQANAIAlBAWogA0sNASAAIAkgB2xqIRBBACEKAkADQCAKIAVPDQEgASAKIAdsaiEM/QwAAAAAAAAAAAAAAAAAAAAAIRFBACELAkADQCALIAhPDQEgDCALav0ABAAhDiARIBAgC2r9AAQAIA795gH95AEhESALQRBqIQsMAAsLIBH9HwAgEf0fAZIgEf0fAiAR/R8DkpIhEgJAA0AgCyAHTw0BIAwgC2oqAgAhDyASIBAgC2oqAgAgD5SSIRIgC0EEaiELDAALCyACIAogBmwgCWpBAnRqIQ0gDSASOAIAIApBAWohCgwACwsgCUEBaiEJDAALCws='

type Dots = (pool: number, texts: number, out: number, rows: number, d: number, q: number, ld: number) => void

const wasm = wasmApi

let productModule: object | null | undefined

/** The compiled kernel, or null when this engine has no WebAssembly, no SIMD or no shared memory (checked once). */
function compiled(): object | null {
  if (productModule === undefined) {
    const bytes = Buffer.from(PRODUCT_WASM, 'base64')
    let ok = wasm !== undefined && wasm.validate(bytes)
    try {
      if (ok) new wasm!.Memory({ initial: 1, maximum: 1, shared: true })
    } catch {
      ok = false
    }
    productModule = ok ? new wasm!.Module(bytes) : null
  }
  return productModule
}

/** Largest linear memory used (bytes): byte addresses stay far from the i32 wrap-around; the module's declared maximum (32,768 pages). */
const MAX_WASM_BYTES = 2 ** 31
const PAGE = WASM_PAGE
const align16 = (x: number) => Math.ceil(x / 16) * 16

/** Smallest pool (rows × D floats) given a helper thread: below it (4 MB) waking a thread costs more than it saves. */
export const THREADED_MIN_VALUES = 1 << 20

/** Chunks the rows are split into per call, claimed one at a time by either thread; the points of a gather likewise. */
const CHUNKS = 32

// The control block (Int32Array over a SharedArrayBuffer): job number, the product's claim word
// (generation << 8 | next chunk), chunks finished, the job's queries and byte offsets, a failure
// flag; then the gather phase of a `query` job: its state (generation << 8 | 0 product running,
// 1 gather published, 2 no gather), its claim word and chunks finished, and its byte offsets.
const SEQ = 0
const NEXT = 1
const DONE = 2
const QN = 3
const TEXTS = 4
const OUT = 5
const FAILED = 6
const PHASE = 7
const GNEXT = 8
const GDONE = 9
const GROWS = 10
const GOUT = 11
const CTRL_INTS = 12
/** Generations are 23 bits (a claim word is generation << 8 | chunk, chunk < 256). */
const GEN_MASK = 0x7fffff
const PHASE_GATHER = 1
const PHASE_NONE = 2
/** How long the calling thread waits for the helper's claimed chunks before it computes them itself and stops the helper. */
const HELPER_TIMEOUT_MS = 10_000
/**
 * How long a thread spins (rather than sleeps in `Atomics.wait`) for the other's chunks or for the
 * gather phase within one job, ms: long enough for a chunk (about 0.1 ms) and the cosines between
 * the phases; waking a sleeping thread costs 0.1 ms at best and several ms at worst on a VM.
 */
const JOB_SPIN_MS = 2
/**
 * How long the helper spins after a job before it sleeps, ms (`idleSpinMs`), like OpenMP's
 * blocktime or OpenBLAS's spinning workers but short: queries back to back then find it awake
 * (on this 2-vCPU VM waking a sleeping thread takes 0.1 ms at the median and up to tens of ms).
 */
export const IDLE_SPIN_MS = 2

/**
 * The helper thread (CommonJS, run with `eval`): the same kernel over the same shared memory.
 * It waits for a job number, reads the job (queries, texts and output offsets), and claims chunks
 * until none are left for this job (a claim carries the job's generation, so a late wake never
 * takes a later job's chunk with an earlier job's offsets); each chunk is counted done even when
 * it fails (then FAILED is set and the calling thread recomputes).
 */
const HELPER = `'use strict'
const { workerData, parentPort } = require('node:worker_threads')
const { module, memory, sab, rows, d, chunkRows, chunks, gather, idleSpinMs } = workerData
const c = new Int32Array(sab)
const dots = new WebAssembly.Instance(module, { env: { memory } }).exports.dots
const g = gather && new WebAssembly.Instance(gather.module, { env: { memory: gather.memory } }).exports[gather.refBits === 16 ? 'gather16' : 'gather32']
const refBytes = gather ? gather.refBits / 8 : 0
parentPort.postMessage('ready')
// claims chunks of a phase (claim word at 'next', generation gen) until none are left; run(chunk) computes one
function claim(next, done, gen, count, run) {
  for (;;) {
    const v = Atomics.load(c, next)
    if ((v >>> 8) !== gen || (v & 0xff) >= count) return
    if (Atomics.compareExchange(c, next, v, v + 1) !== v) continue
    try {
      run(v & 0xff)
    } catch {
      Atomics.store(c, ${FAILED}, 1)
    }
    Atomics.add(c, done, 1)
    Atomics.notify(c, done)
  }
}
let seen = 0
for (;;) {
  // after a job, spin a little (bounded) before sleeping: a query right after this one finds the helper awake
  if (idleSpinMs > 0) {
    const until = performance.now() + idleSpinMs
    while (Atomics.load(c, ${SEQ}) === seen && performance.now() < until);
  }
  Atomics.wait(c, ${SEQ}, seen)
  seen = Atomics.load(c, ${SEQ})
  const gen = seen & ${GEN_MASK}
  const q = Atomics.load(c, ${QN})
  const texts = Atomics.load(c, ${TEXTS})
  const out = Atomics.load(c, ${OUT})
  claim(${NEXT}, ${DONE}, gen, chunks, (k) => {
    const a = k * chunkRows
    dots(a * d * 4, texts, out + a * 4, Math.min(rows, a + chunkRows) - a, d, q, rows)
  })
  if (!g) continue
  // the same job's gather: spin (bounded) until the calling thread publishes it or says there is none
  const until = performance.now() + ${JOB_SPIN_MS}
  let phase = Atomics.load(c, ${PHASE})
  while (phase === gen << 8 && performance.now() < until) phase = Atomics.load(c, ${PHASE})
  if (phase !== ((gen << 8) | ${PHASE_GATHER})) continue
  const rowsAt = Atomics.load(c, ${GROWS})
  const outAt = Atomics.load(c, ${GOUT})
  const { n, m } = gather
  claim(${GNEXT}, ${GDONE}, gen, ${CHUNKS}, (k) => {
    const [from, to] = pointChunk(n, k)
    for (let i = 0; i < q; i++) g(rowsAt + 4 * i * m, from * refBytes, outAt + 4 * (i * n + from), to - from)
  })
}
function pointChunk(n, k) {
  const size = Math.ceil(n / ${CHUNKS} / 8) * 8
  return [Math.min(n, k * size), Math.min(n, (k + 1) * size)]
}
`

/** Points [from, to) of gather chunk k of `CHUNKS` (chunks of a multiple of 8 points; the last ones may be short or empty). Same as the helper's. */
export function pointChunk(n: number, k: number): [number, number] {
  const size = Math.ceil(n / CHUNKS / 8) * 8
  return [Math.min(n, k * size), Math.min(n, (k + 1) * size)]
}

/** The helper thread of a kernel: its worker and the shared control block. */
interface Helper {
  worker: { terminate(): Promise<number>; unref(): void }
  /** Settles when the helper is ready to take chunks (or has failed to start). */
  ready: Promise<void>
  ctrl: Int32Array
  chunkRows: number
  chunks: number
  alive: boolean
  /** The gather the helper can run in a `query` job (its memory), or null. */
  gather: PointGather | null
}

/** Terminates a kernel's helper when the kernel is garbage-collected without `dispose()`. */
const helpers = new FinalizationRegistry<Helper>((helper) => {
  helper.alive = false
  void helper.worker.terminate()
})

/** The second phase of a `query` job: the cosines between the phases, and the gather. */
interface GatherPhase {
  gather: PointGather
  between: (products: Float32Array) => Float32Array
  products: () => Float32Array
}

/** Options of `PoolProduct.create`. */
export interface PoolProductOptions {
  /** Largest kernel memory in bytes (default and maximum 2 GiB): the pool copy plus Q texts and Q×M outputs. */
  maxBytes?: number
  /**
   * Threads computing the product: 1 (this thread only) or 2 (a helper thread too). Default: 2
   * when the machine has at least two cores (`os.availableParallelism()`) and the pool has at
   * least `THREADED_MIN_VALUES` floats, else 1.
   */
  threads?: number
  /**
   * The map's gather (its WebAssembly kernel; `prepareMap` passes it): the helper thread then
   * takes half of the gather too, in the same job as the product (`query`).
   */
  gather?: PointGather
  /**
   * How long the helper thread spins after a job before it sleeps, ms (default `IDLE_SPIN_MS`; 0:
   * sleep at once): a call within that time finds it awake instead of paying a wake-up. Costs up
   * to that much CPU time of one core after every threaded call, never more (it then sleeps in
   * `Atomics.wait` until the next call).
   */
  idleSpinMs?: number
}

/**
 * The M×D pool's product with Q texts in the WebAssembly kernel, over the kernel's own copy of the
 * pool (made once; the caller's array is not kept). `create` returns null when the engine cannot
 * run the kernel or the pool does not fit its memory: use the tensor backend then.
 */
export class PoolProduct {
  readonly rows: number
  readonly d: number
  /** Threads that compute a product: 1, or 2 with the helper thread. */
  readonly threads: 1 | 2
  /**
   * Settles when the helper thread is up (it starts in the background, tens of ms; calls made
   * before then simply run on this thread) or has failed to start; at once without a helper.
   */
  readonly ready: Promise<void>
  private readonly memory: WasmMemory
  private readonly run: Dots
  private readonly textsOffset: number
  private readonly maxBytes: number
  private readonly helper: Helper | null
  private slots = 0
  /** Chunks computed so far by the helper thread and in all threaded calls (`helperShare`). */
  private chunksHelper = 0
  private chunksAll = 0
  /** Chunks of points gathered so far by the helper thread and in all threaded `query` calls (`helperGatherShare`). */
  private gatherHelper = 0
  private gatherAll = 0

  private constructor(pool: Float32Array, rows: number, d: number, module: object, maxBytes: number, threads: number, gather: PointGather | null, idleSpinMs: number) {
    this.rows = rows
    this.d = d
    this.maxBytes = maxBytes
    this.textsOffset = align16(4 * rows * d)
    this.memory = new wasm!.Memory({ initial: Math.max(1, Math.ceil(this.textsOffset / PAGE)), maximum: Math.ceil(maxBytes / PAGE), shared: true })
    this.run = new wasm!.Instance(module, { env: { memory: this.memory } }).exports.dots as Dots
    new Float32Array(this.memory.buffer, 0, rows * d).set(pool.subarray(0, rows * d))
    this.helper = threads >= 2 && rows >= 8 ? startHelper(this.memory, module, rows, d, gather, idleSpinMs) : null
    this.threads = this.helper ? 2 : 1
    this.ready = this.helper ? this.helper.ready : Promise.resolve()
    if (this.helper) helpers.register(this, this.helper, this)
  }

  /** The kernel over a copy of `pool` (rows×D, row-major), or null when it cannot run here or the pool takes more than `maxBytes`. */
  static create(pool: Float32Array, rows: number, d: number, opts: PoolProductOptions = {}): PoolProduct | null {
    if (!(Number.isInteger(rows) && Number.isInteger(d) && rows >= 0 && d >= 0)) throw new RangeError(`pool shape ${rows}×${d} is not a pair of whole numbers`)
    if (pool.length < rows * d) throw new RangeError(`pool has ${pool.length} values for ${rows}×${d}`)
    if (opts.threads !== undefined && opts.threads !== 1 && opts.threads !== 2) throw new RangeError(`threads must be 1 or 2, not ${opts.threads}`)
    if (opts.idleSpinMs !== undefined && !(opts.idleSpinMs >= 0 && opts.idleSpinMs <= 1000)) throw new RangeError(`idleSpinMs must be between 0 and 1000 ms, not ${opts.idleSpinMs}`)
    const maxBytes = Math.min(opts.maxBytes ?? MAX_WASM_BYTES, MAX_WASM_BYTES)
    const module = compiled()
    if (module === null || align16(align16(4 * rows * d) + 4 * d) + 4 * rows > maxBytes) return null
    const threads = opts.threads ?? (availableParallelism() >= 2 && rows * d >= THREADED_MIN_VALUES ? 2 : 1)
    const gather = opts.gather?.shared && opts.gather.shared.m === rows ? opts.gather : null
    return new PoolProduct(pool, rows, d, module, maxBytes, threads, gather, opts.idleSpinMs ?? IDLE_SPIN_MS)
  }

  /** Bytes the kernel holds: the pool copy, and the texts and outputs of the most queries asked at once (one memory, shared with the helper thread). */
  get bytes(): number {
    return this.memory.buffer.byteLength
  }

  /** Whether `dots` can take `q` queries at once within the kernel's memory. */
  fits(q: number): boolean {
    return this.need(q) <= this.maxBytes
  }

  /** Memory for `q` queries: pool, texts (Q×D), outputs (Q×M). */
  private need(q: number): number {
    return align16(this.textsOffset + 4 * q * this.d) + 4 * q * this.rows
  }

  /**
   * The Q×M products, out[q·M + r] = pool row r · text q, of `texts` (Q×D, row-major). The result
   * is a view of the kernel's memory, overwritten by the next call: copy what must outlive it.
   * Bit-identical with one thread or two (each row's sum has the same order wherever it runs).
   */
  dots(texts: Float32Array, q: number): Float32Array {
    const { rows, d } = this
    const outOffset = this.stageTexts(texts, q)
    if (this.helper?.alive && q > 0) this.together(this.helper, q, outOffset, null)
    else this.run(0, this.textsOffset, outOffset, rows, d, q, rows)
    return new Float32Array(this.memory.buffer, outOffset, q * rows)
  }

  /**
   * A whole 3D query in one job: the Q×M products (as `dots`), then `between(products)` on this
   * thread (the cosines: it returns the Q×M rows to gather, e.g. the products over the norms),
   * then `gather`'s per-point gather of those rows into its reused output, which is returned
   * (`gather.reserve(q)`). With the helper thread, it takes chunks of the product and then, in the
   * same job (no second wake-up), chunks of the points: after the last product chunk is claimed
   * each thread spins until all are done (bounded; a helper that gives up or never woke leaves
   * its share to this thread), this thread computes `between`, and both claim chunks of points.
   * Bit-identical to `dots`, `between` and `gather.gather` one after the other (tested).
   * `gather` must be the one given to `create` for the helper to take part (else this thread
   * gathers alone); its WebAssembly kernel is needed.
   */
  query(texts: Float32Array, q: number, gather: PointGather, between: (products: Float32Array) => Float32Array): Float32Array {
    const { rows, d } = this
    if (!gather.shared) throw new Error('query needs the gather\'s WebAssembly kernel')
    if (gather.shared.m !== rows) throw new RangeError(`the gather was made for ${gather.shared.m} pool rows, the product kernel holds ${rows}`)
    const outOffset = this.stageTexts(texts, q)
    const helper = this.helper
    const products = () => new Float32Array(this.memory.buffer, outOffset, q * rows)
    if (!helper?.alive || helper.gather !== gather || q === 0) {
      this.run(0, this.textsOffset, outOffset, rows, d, q, rows)
      return gather.gather(between(products()), q)
    }
    return this.together(helper, q, outOffset, { gather, between, products })!
  }

  /** Checks the texts, makes room for `q` queries and copies them into the kernel's memory; returns the output's byte offset. */
  private stageTexts(texts: Float32Array, q: number): number {
    const { rows, d } = this
    if (!Number.isInteger(q) || q < 0) throw new RangeError(`dots needs a whole number of queries, not ${q}`)
    if (texts.length !== q * d) throw new RangeError(`texts has ${texts.length} values for ${q} queries × ${d} dimensions`)
    const outOffset = align16(this.textsOffset + 4 * q * d)
    if (q > this.slots) {
      if (!this.fits(q)) throw new RangeError(`${q} queries × ${rows} pool rows do not fit the product kernel's ${this.maxBytes} bytes of memory; score fewer queries at once`)
      const need = this.need(q)
      const have = this.memory.buffer.byteLength
      if (need > have) this.memory.grow(Math.ceil((need - have) / PAGE))
      this.slots = q
    }
    new Float32Array(this.memory.buffer, this.textsOffset, q * d).set(texts)
    return outOffset
  }

  /**
   * Both threads claim chunks of rows until none are left; then this one waits for the helper's.
   * With `then` (a `query` job) the job goes on into the gather: the cosines on this thread, then
   * both threads claim chunks of points; returns the gather's output.
   */
  private together(helper: Helper, q: number, outOffset: number, then: GatherPhase | null): Float32Array | null {
    const { rows, d } = this
    const { ctrl, chunkRows, chunks } = helper
    const gen = (Atomics.load(ctrl, SEQ) + 1) & GEN_MASK
    Atomics.store(ctrl, QN, q)
    Atomics.store(ctrl, TEXTS, this.textsOffset)
    Atomics.store(ctrl, OUT, outOffset)
    Atomics.store(ctrl, DONE, 0)
    Atomics.store(ctrl, FAILED, 0)
    Atomics.store(ctrl, PHASE, gen << 8)
    Atomics.store(ctrl, NEXT, gen << 8)
    Atomics.store(ctrl, SEQ, gen)
    Atomics.notify(ctrl, SEQ)
    let published = false
    try {
      const mine = this.claimAll(ctrl, NEXT, DONE, chunks, (k) => {
        const a = k * chunkRows
        this.run(4 * a * d, this.textsOffset, outOffset + 4 * a, Math.min(rows, a + chunkRows) - a, d, q, rows)
      })
      if (!this.helperFinished(helper, DONE, chunks)) {
        // the helper failed on a chunk or stopped answering: this thread computes everything, and goes on alone
        this.run(0, this.textsOffset, outOffset, rows, d, q, rows)
        return then ? then.gather.gather(then.between(then.products()), q) : null
      }
      this.chunksAll += chunks
      this.chunksHelper += chunks - mine
      if (!then) return null
      const { gather } = then
      const staged = gather.stage(then.between(then.products()), q)
      const n = gather.shared!.n
      Atomics.store(ctrl, GDONE, 0)
      Atomics.store(ctrl, GROWS, staged.rows)
      Atomics.store(ctrl, GOUT, staged.out)
      Atomics.store(ctrl, GNEXT, gen << 8)
      Atomics.store(ctrl, PHASE, (gen << 8) | PHASE_GATHER)
      published = true
      const mineG = this.claimAll(ctrl, GNEXT, GDONE, CHUNKS, (k) => {
        const [from, to] = pointChunk(n, k)
        for (let i = 0; i < q; i++) gather.gatherRange(i, from, to)
      })
      if (!this.helperFinished(helper, GDONE, CHUNKS)) {
        for (let i = 0; i < q; i++) gather.gatherRange(i, 0, n)
        return gather.reserve(q)
      }
      this.gatherAll += CHUNKS
      this.gatherHelper += CHUNKS - mineG
      return gather.reserve(q)
    } finally {
      // a helper still spinning for this job's gather phase stops at once
      if (!published) Atomics.store(ctrl, PHASE, (gen << 8) | PHASE_NONE)
    }
  }

  /** Claims chunks of a phase on this thread until none are left; returns how many it computed. */
  private claimAll(ctrl: Int32Array, next: number, done: number, count: number, run: (k: number) => void): number {
    let mine = 0
    for (;;) {
      const v = Atomics.load(ctrl, next)
      if ((v & 0xff) >= count) return mine
      if (Atomics.compareExchange(ctrl, next, v, v + 1) !== v) continue
      run(v & 0xff)
      mine++
      Atomics.add(ctrl, done, 1)
    }
  }

  /**
   * Waits for the helper's claimed chunks of a phase (spinning first: a chunk takes about 0.1 ms,
   * then sleeping); false when it failed on one or stayed silent for HELPER_TIMEOUT_MS, and then
   * the helper is stopped and this thread goes on alone.
   */
  private helperFinished(helper: Helper, done: number, count: number): boolean {
    const { ctrl } = helper
    const t0 = performance.now()
    const spinUntil = t0 + JOB_SPIN_MS
    const waitUntil = t0 + HELPER_TIMEOUT_MS
    let late = false
    for (let n = Atomics.load(ctrl, done); n < count; n = Atomics.load(ctrl, done)) {
      const now = performance.now()
      if (now < spinUntil) continue
      if (now >= waitUntil) {
        late = true
        break
      }
      Atomics.wait(ctrl, done, n, waitUntil - now)
    }
    if (!late && !Atomics.load(ctrl, FAILED)) return true
    helper.alive = false
    helpers.unregister(this)
    void helper.worker.terminate()
    return false
  }

  /**
   * The share of the chunks the helper thread computed over all threaded calls so far (null
   * before any): near 0.5 when both threads ran side by side at the same speed, near 0 when this
   * thread did (nearly) everything, e.g. while the helper was not scheduled on a busy machine.
   */
  get helperShare(): number | null {
    return this.chunksAll ? this.chunksHelper / this.chunksAll : null
  }

  /** The same for the chunks of points gathered in threaded `query` calls (null before any). */
  get helperGatherShare(): number | null {
    return this.gatherAll ? this.gatherHelper / this.gatherAll : null
  }

  /** Stops the helper thread (if any); the kernel then computes on this thread alone. */
  dispose(): void {
    if (!this.helper?.alive) return
    this.helper.alive = false
    helpers.unregister(this)
    void this.helper.worker.terminate()
  }
}

/** Starts the helper thread over the kernel's shared memory; it does not keep the process alive. */
function startHelper(memory: WasmMemory, module: object, rows: number, d: number, gather: PointGather | null, idleSpinMs: number): Helper {
  const chunkRows = Math.ceil(rows / CHUNKS / BLOCK_ROWS) * BLOCK_ROWS
  const chunks = Math.ceil(rows / chunkRows)
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * CTRL_INTS))
  const shared: SharedGather | null = gather?.shared ?? null
  const worker = new Worker(HELPER, { eval: true, workerData: { module, memory, sab: ctrl.buffer, rows, d, chunkRows, chunks, gather: shared, idleSpinMs } })
  worker.unref()
  let settle = () => {}
  const ready = new Promise<void>((resolve) => {
    settle = resolve
  })
  const helper: Helper = { worker, ctrl, chunkRows, chunks, alive: true, ready, gather }
  worker.once('message', settle)
  worker.once('exit', settle)
  worker.on('error', () => {
    helper.alive = false
    settle()
  })
  return helper
}
