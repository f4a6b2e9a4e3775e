import type { OnnxTensor, OnnxTensorType } from './onnx-session.js'

type NumericType = Exclude<OnnxTensorType, 'string'>
type ArrayCtor = new (length: number) => Exclude<OnnxTensor['data'], string[]>

const CTORS: Record<NumericType, ArrayCtor> = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array,
  int8: Int8Array, uint8: Uint8Array, bool: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
}

/**
 * Input buffers of one session, reused across runs: `borrow` hands out a pooled typed array of the
 * right type and length (or a new one), `giveBack` returns it once the worker has sent it back (a
 * moved buffer arrives as a new typed array object, so the caller says which feeds were pooled,
 * asking `isPooled` before the move). At most `perKey` buffers are kept per type and length, so
 * the pool holds a few frames' inputs.
 */
export class InputPool {
  allocated = 0
  reused = 0
  private readonly free = new Map<string, OnnxTensor['data'][]>()
  private readonly lent = new WeakSet<object>()
  constructor(private readonly perKey = 4) {}

  /** A tensor of `type` and `dims` on a pooled buffer (values unspecified). */
  borrow(type: NumericType, dims: number[]): OnnxTensor {
    const ctor = CTORS[type]
    if (!ctor) throw new TypeError(`no typed array for ONNX tensor type ${type}`)
    const length = dims.reduce((a, b) => a * b, 1)
    const pooled = this.free.get(`${type}:${length}`)?.pop()
    if (pooled) this.reused++
    else this.allocated++
    const data = pooled ?? new ctor(length)
    this.lent.add(data)
    return { type, data, dims: [...dims] }
  }

  /** Whether a feed's data came from `borrow`. */
  isPooled(t: OnnxTensor): boolean {
    return this.lent.has(t.data)
  }

  /** Puts a buffer that `borrow` handed out back in the pool (as the worker returned it). */
  giveBack(t: OnnxTensor): void {
    if (!ArrayBuffer.isView(t.data) || t.data.byteLength === 0) return
    const key = `${t.type}:${(t.data as ArrayLike<unknown>).length}`
    const list = this.free.get(key) ?? []
    if (list.length < this.perKey) list.push(t.data)
    this.free.set(key, list)
  }
}
