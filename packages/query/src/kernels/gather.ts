/**
 * The per-point gather of a 3D query, out[q·N + i] = rows[q·M + refs[i]]: the part of a query
 * that grows with the points. Two implementations with bit-identical results (both copy the
 * float32 bits unchanged):
 * - `gatherRows` in JavaScript, unrolled by eight (about twice as fast as the plain loop here);
 * - `PointGather`, a 594-byte WebAssembly kernel (source in `GATHER_WAT`) over a copy of the refs
 *   held in its own linear memory (uint16 when the pool has ≤ 65,536 rows). Its loads need no
 *   JavaScript bounds checks, so it runs 2–3× faster than the unrolled JavaScript, and it writes
 *   into an output region of that memory which is reused from query to query (no fresh 4 MB array
 *   per query of 1 M points). The refs are checked against the pool size once, when it is made.
 *   Its memory is a shared WebAssembly memory, so that a `PoolProduct` made for the same map can
 *   let its helper thread gather half the points in the same job as the product (see product.ts).
 */
import { fail, WASM_PAGE, wasmApi, type WasmMemory } from '@plaf/core'

/** The kernel's source; `GATHER_WASM` is its binary (wabt 1.0.39 `parseWat` + `toBinary`, checked by a test). */
export const GATHER_WAT = `(module
  (memory (import "env" "memory") 1 32768 shared)
  (func $gather32 (export "gather32") (param $row i32) (param $idx i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $done8
      (loop $by8
        (br_if $done8 (i32.ge_u (local.get $out) (local.get $end)))
        (i32.store offset=0 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load offset=0 (local.get $idx)) (i32.const 2)))))
        (i32.store offset=4 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load offset=4 (local.get $idx)) (i32.const 2)))))
        (i32.store offset=8 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load offset=8 (local.get $idx)) (i32.const 2)))))
        (i32.store offset=12 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load offset=12 (local.get $idx)) (i32.const 2)))))
        (i32.store offset=16 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load offset=16 (local.get $idx)) (i32.const 2)))))
        (i32.store offset=20 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load offset=20 (local.get $idx)) (i32.const 2)))))
        (i32.store offset=24 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load offset=24 (local.get $idx)) (i32.const 2)))))
        (i32.store offset=28 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load offset=28 (local.get $idx)) (i32.const 2)))))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (local.set $idx (i32.add (local.get $idx) (i32.const 32)))
        (br $by8)))
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const 7)) (i32.const 2))))
    (block $done1
      (loop $by1
        (br_if $done1 (i32.ge_u (local.get $out) (local.get $end)))
        (i32.store (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load (local.get $idx)) (i32.const 2)))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $idx (i32.add (local.get $idx) (i32.const 4)))
        (br $by1))))
  (func $gather16 (export "gather16") (param $row i32) (param $idx i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $done8
      (loop $by8
        (br_if $done8 (i32.ge_u (local.get $out) (local.get $end)))
        (i32.store offset=0 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load16_u offset=0 (local.get $idx)) (i32.const 2)))))
        (i32.store offset=4 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load16_u offset=2 (local.get $idx)) (i32.const 2)))))
        (i32.store offset=8 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load16_u offset=4 (local.get $idx)) (i32.const 2)))))
        (i32.store offset=12 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load16_u offset=6 (local.get $idx)) (i32.const 2)))))
        (i32.store offset=16 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load16_u offset=8 (local.get $idx)) (i32.const 2)))))
        (i32.store offset=20 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load16_u offset=10 (local.get $idx)) (i32.const 2)))))
        (i32.store offset=24 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load16_u offset=12 (local.get $idx)) (i32.const 2)))))
        (i32.store offset=28 (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load16_u offset=14 (local.get $idx)) (i32.const 2)))))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (local.set $idx (i32.add (local.get $idx) (i32.const 16)))
        (br $by8)))
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const 7)) (i32.const 2))))
    (block $done1
      (loop $by1
        (br_if $done1 (i32.ge_u (local.get $out) (local.get $end)))
        (i32.store (local.get $out) (i32.load (i32.add (local.get $row) (i32.shl (i32.load16_u (local.get $idx)) (i32.const 2)))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $idx (i32.add (local.get $idx) (i32.const 2)))
        (br $by1)))))
`

/** The binary of `GATHER_WAT`, base64. */
export const GATHER_WASM = 'AGFzbQEAAAABCAFgBH9/f38AAhIBA2VudgZtZW1vcnkCAwGAgAIDAwIAAAcXAghnYXRoZXIzMgAACGdhdGhlcjE2AAEKiwQCgwIBAX8gAiADQXhxQQJ0aiEEAkADQCACIARPDQEgAiAAIAEoAgBBAnRqKAIANgIAIAIgACABKAIEQQJ0aigCADYCBCACIAAgASgCCEECdGooAgA2AgggAiAAIAEoAgxBAnRqKAIANgIMIAIgACABKAIQQQJ0aigCADYCECACIAAgASgCFEECdGooAgA2AhQgAiAAIAEoAhhBAnRqKAIANgIYIAIgACABKAIcQQJ0aigCADYCHCACQSBqIQIgAUEgaiEBDAALCyACIANBB3FBAnRqIQQCQANAIAIgBE8NASACIAAgASgCAEECdGooAgA2AgAgAkEEaiECIAFBBGohAQwACwsLgwIBAX8gAiADQXhxQQJ0aiEEAkADQCACIARPDQEgAiAAIAEvAQBBAnRqKAIANgIAIAIgACABLwECQQJ0aigCADYCBCACIAAgAS8BBEECdGooAgA2AgggAiAAIAEvAQZBAnRqKAIANgIMIAIgACABLwEIQQJ0aigCADYCECACIAAgAS8BCkECdGooAgA2AhQgAiAAIAEvAQxBAnRqKAIANgIYIAIgACABLwEOQQJ0aigCADYCHCACQSBqIQIgAUEQaiEBDAALCyACIANBB3FBAnRqIQQCQANAIAIgBE8NASACIAAgAS8BAEECdGooAgA2AgAgAkEEaiECIAFBAmohAQwACwsL'

/** out[i] = row[index[i]] for every i of `index` (JavaScript, unrolled by eight). */
export function gatherRow(row: Float32Array, index: Uint16Array | Uint32Array, out: Float32Array): void {
  const n = index.length
  const end = n - (n & 7)
  let i = 0
  for (; i < end; i += 8) {
    out[i] = row[index[i]]
    out[i + 1] = row[index[i + 1]]
    out[i + 2] = row[index[i + 2]]
    out[i + 3] = row[index[i + 3]]
    out[i + 4] = row[index[i + 4]]
    out[i + 5] = row[index[i + 5]]
    out[i + 6] = row[index[i + 6]]
    out[i + 7] = row[index[i + 7]]
  }
  for (; i < n; i++) out[i] = row[index[i]]
}

/** out[i] = flags[index[i]] for every i of `index`: a per-row flag (e.g. selected) per point (JavaScript, unrolled by eight). */
export function gatherFlags(flags: Uint8Array, index: Uint16Array | Uint32Array, out: Uint8Array): void {
  const n = index.length
  const end = n - (n & 7)
  let i = 0
  for (; i < end; i += 8) {
    out[i] = flags[index[i]]
    out[i + 1] = flags[index[i + 1]]
    out[i + 2] = flags[index[i + 2]]
    out[i + 3] = flags[index[i + 3]]
    out[i + 4] = flags[index[i + 4]]
    out[i + 5] = flags[index[i + 5]]
    out[i + 6] = flags[index[i + 6]]
    out[i + 7] = flags[index[i + 7]]
  }
  for (; i < n; i++) out[i] = flags[index[i]]
}

type Kernel = (row: number, idx: number, out: number, n: number) => void

const wasm = wasmApi

let gatherModule: object | null | undefined

/** The compiled kernel (over a shared memory), or null when this engine has no WebAssembly or no shared memory (checked once). */
export function gatherKernelModule(): object | null {
  if (gatherModule === undefined) {
    let ok = wasm !== undefined
    try {
      if (ok) new wasm!.Memory({ initial: 1, maximum: 1, shared: true })
    } catch {
      ok = false
    }
    gatherModule = ok ? new wasm!.Module(Buffer.from(GATHER_WASM, 'base64')) : null
  }
  return gatherModule
}

/** What a helper thread needs to run the gather kernel on a `PointGather`'s memory (see `PointGather.shared`). */
export interface SharedGather {
  module: object
  memory: WasmMemory
  /** Bits per ref in the memory (the refs start at byte 0). */
  refBits: 16 | 32
  n: number
  m: number
}

/** Largest linear memory used (bytes): byte addresses stay far from the i32 wrap-around. */
const MAX_WASM_BYTES = 2 ** 31
const PAGE = WASM_PAGE
const align16 = (x: number) => Math.ceil(x / 16) * 16

/** Options of `PointGather` (for tests and measurements). */
export interface PointGatherOptions {
  /** `js` forces the JavaScript kernel; `auto` (default) uses WebAssembly when the engine has it and the memory fits in 2 GiB. */
  kernel?: 'auto' | 'js'
  /** Largest kernel memory in bytes (default and maximum 2 GiB). */
  maxBytes?: number
}

/**
 * The gather of Q rows of pool scores to N points, with its output kept from call to call.
 * Made once per map (`prepareMap`); the refs are copied into the kernel's memory (uint16 when the
 * pool has ≤ 65,536 rows, else uint32) after a check that each is a row of the pool. The output
 * (4·Q·N bytes) is allocated by the first `reserve` and kept.
 */
export class PointGather {
  /** `wasm`: the WebAssembly kernel over its own memory; `js`: `gatherRow` over the map's refs. */
  readonly kernel: 'wasm' | 'js'
  /** Bits per ref in the kernel's copy (32 for the JavaScript kernel, which reads the map's refs). */
  readonly refBits: 16 | 32
  private readonly n: number
  private readonly m: number
  private readonly refs: Uint32Array
  private readonly memory: WasmMemory | null
  private readonly run: Kernel | null
  /** Byte offset of the output region in the memory (after the refs). */
  private readonly outOffset: number
  private readonly maxBytes: number
  private js: Float32Array | null = null
  private slots = 0

  constructor(refs: Uint32Array, rows: number, opts: PointGatherOptions = {}) {
    const n = refs.length
    for (let i = 0; i < n; i++) {
      if (refs[i] >= rows) fail('PLAF_INPUT_INVALID', `the map's point ${i} refers to pool row ${refs[i]}, but the pool has ${rows} rows (0–${rows - 1})`, { expected: `< ${rows}`, actual: String(refs[i]) })
    }
    this.n = n
    this.m = rows
    this.refs = refs
    this.maxBytes = Math.min(opts.maxBytes ?? MAX_WASM_BYTES, MAX_WASM_BYTES)
    const bits = rows <= 65536 ? 16 : 32
    const outOffset = align16(n * (bits / 8))
    const module = opts.kernel === 'js' ? null : gatherKernelModule()
    if (module === null || outOffset + 4 * (n + rows) > this.maxBytes) {
      this.kernel = 'js'
      this.refBits = 32
      this.memory = null
      this.run = null
      this.outOffset = 0
      return
    }
    // refs only: the output and row regions grow on the first `reserve`
    this.memory = new wasm!.Memory({ initial: Math.max(1, Math.ceil(outOffset / PAGE)), maximum: Math.ceil(this.maxBytes / PAGE), shared: true })
    const exports = new wasm!.Instance(module, { env: { memory: this.memory } }).exports
    this.run = (bits === 16 ? exports.gather16 : exports.gather32) as Kernel
    this.kernel = 'wasm'
    this.refBits = bits
    this.outOffset = outOffset
    if (bits === 16) new Uint16Array(this.memory.buffer, 0, n).set(refs)
    else new Uint32Array(this.memory.buffer, 0, n).set(refs)
  }

  /** The kernel's module and memory for a helper thread, or null for the JavaScript kernel. */
  get shared(): SharedGather | null {
    if (!this.memory) return null
    return { module: gatherModule!, memory: this.memory, refBits: this.refBits as 16 | 32, n: this.n, m: this.m }
  }

  /**
   * Copies the Q×M row scores (row-major) into the row slots, room made for `q` queries, and
   * returns the byte offsets of query 0's row slot and output in the kernel's memory (query s:
   * rows at `rows + 4·s·M`, output at `out + 4·s·N`), for `gatherRange` or a helper thread.
   * WebAssembly kernel only.
   */
  stage(rows: Float32Array, q: number): { rows: number; out: number } {
    const m = this.m
    if (!this.memory) throw new Error('stage needs the WebAssembly kernel')
    if (rows.length !== q * m) throw new RangeError(`rows has ${rows.length} scores for ${q} queries × ${m} pool rows`)
    this.reserve(q)
    const rowBase = this.outOffset + 4 * this.slots * this.n
    new Float32Array(this.memory.buffer, rowBase, q * m).set(rows)
    return { rows: rowBase, out: this.outOffset }
  }

  /** Gathers points [from, to) of query `slot` from its staged row (`stage` first; WebAssembly kernel only). */
  gatherRange(slot: number, from: number, to: number): void {
    const b = this.refBits / 8
    this.run!(this.outOffset + 4 * this.slots * this.n + 4 * slot * this.m, from * b, this.outOffset + 4 * (slot * this.n + from), to - from)
  }

  /** Bytes this gather holds besides the map: the refs' copy and the reused output (and row slots). */
  get bytes(): number {
    return this.memory ? this.memory.buffer.byteLength : (this.js?.byteLength ?? 0)
  }

  /** Whether `reserve(q)` can make room for `q` queries (the JavaScript kernel always can). */
  fits(q: number): boolean {
    return !this.memory || this.outOffset + 4 * q * (this.n + this.m) <= this.maxBytes
  }

  /**
   * The reused Q×N output, room made for `q` queries. It stays valid until a later call asks for
   * more queries than any before (the memory then grows and earlier arrays become empty).
   */
  reserve(q: number): Float32Array {
    const n = this.n
    if (!Number.isInteger(q) || q < 0) throw new RangeError(`reserve needs a whole number of queries, not ${q}`)
    if (!this.memory) {
      if (q > this.slots) {
        this.js = new Float32Array(q * n)
        this.slots = q
      }
      return this.js ? this.js.subarray(0, q * n) : new Float32Array(0)
    }
    if (q > this.slots) {
      const need = this.outOffset + 4 * q * (n + this.m)
      if (need > this.maxBytes) throw new RangeError(`${q} queries × ${n} points do not fit the gather's ${this.maxBytes} bytes of memory; score fewer queries at once`)
      const have = this.memory.buffer.byteLength
      if (need > have) this.memory.grow(Math.ceil((need - have) / PAGE))
      this.slots = q
    }
    return new Float32Array(this.memory.buffer, this.outOffset, q * n)
  }

  /**
   * Writes query `slot`'s point scores, row[refs[i]] for every point, into the output from
   * `reserve` (call it first, with more than `slot` queries). `row`: the query's M pool-row scores.
   */
  gatherInto(row: Float32Array, slot: number): void {
    const n = this.n
    const m = this.m
    if (row.length !== m) throw new RangeError(`row has ${row.length} scores for ${m} pool rows`)
    if (!(Number.isInteger(slot) && slot >= 0 && slot < this.slots)) throw new RangeError(`query slot ${slot} was not reserved (reserve(q) first, slot < q)`)
    if (!this.memory || !this.run) {
      gatherRow(row, this.refs, this.js!.subarray(slot * n, slot * n + n))
      return
    }
    // row slots follow the output region: (outOffset + 4·slots·N) + 4·slot·M
    const rowOffset = this.outOffset + 4 * this.slots * n + 4 * slot * m
    new Float32Array(this.memory.buffer, rowOffset, m).set(row)
    this.run(rowOffset, 0, this.outOffset + 4 * slot * n, n)
  }

  /** Every query's point scores: `rows` is Q×M (row-major); returns the reused Q×N output (see `reserve`). */
  gather(rows: Float32Array, q: number): Float32Array {
    const m = this.m
    if (rows.length !== q * m) throw new RangeError(`rows has ${rows.length} scores for ${q} queries × ${m} pool rows`)
    if (!this.memory) {
      const out = this.reserve(q)
      for (let i = 0; i < q; i++) this.gatherInto(rows.subarray(i * m, i * m + m), i)
      return out
    }
    this.stage(rows, q)
    for (let i = 0; i < q; i++) this.gatherRange(i, 0, this.n)
    return this.reserve(q)
  }
}
