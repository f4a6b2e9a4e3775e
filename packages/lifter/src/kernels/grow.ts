/** A typed-array constructor the growable buffers use. */
type Ctor<T> = { new (n: number): T }

/** Returns `a` if it holds `need` elements, else a copy with at least double the capacity. */
export function grow<T extends Float64Array | Float32Array | Int32Array | Uint32Array>(a: T, need: number, ctor: Ctor<T>): T {
  if (need <= a.length) return a
  const b = new ctor(Math.max(need, a.length * 2, 16))
  b.set(a)
  return b
}
