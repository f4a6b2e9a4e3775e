/**
 * Binary encoding of port values for the stage cache: a JSON skeleton in which every typed
 * array is replaced by a reference into a packed, 8-byte aligned buffer section.
 * Layout: "PLAFC1\0\0" | u32 json length | json | pad to 8 | buffers.
 */
const MAGIC = new TextEncoder().encode('PLAFC1\0\0')
const CTORS = {
  Float32Array, Float64Array, Uint8Array, Uint16Array, Uint32Array, Int8Array, Int16Array, Int32Array,
} as const
type CtorName = keyof typeof CTORS

/** Encodes a value made of plain objects, arrays, primitives and typed arrays. */
export function encodeValue(value: unknown): Uint8Array {
  const buffers: ArrayBufferView[] = []
  let offset = 0
  const json = JSON.stringify(value, (_k, v) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const name = v.constructor.name as CtorName
      if (!(name in CTORS)) throw new TypeError(`cannot cache ${name}`)
      const ref = { $ta: name, offset, length: (v as unknown as ArrayLike<number>).length }
      buffers.push(v)
      offset += Math.ceil(v.byteLength / 8) * 8
      return ref
    }
    return v
  })
  const jsonBytes = new TextEncoder().encode(json)
  const head = 12 + jsonBytes.length
  const start = Math.ceil(head / 8) * 8
  const out = new Uint8Array(start + offset)
  out.set(MAGIC, 0)
  new DataView(out.buffer).setUint32(8, jsonBytes.length, true)
  out.set(jsonBytes, 12)
  let pos = start
  for (const b of buffers) {
    out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), pos)
    pos += Math.ceil(b.byteLength / 8) * 8
  }
  return out
}

/** Decodes what encodeValue wrote; typed arrays are copies aligned to their element size. */
export function decodeValue(bytes: Uint8Array): unknown {
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) throw new Error('not a PLAF cache entry')
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)
  const json = new TextDecoder().decode(bytes.subarray(12, 12 + len))
  const start = Math.ceil((12 + len) / 8) * 8
  return JSON.parse(json, (_k, v) => {
    if (v && typeof v === 'object' && typeof v.$ta === 'string' && v.$ta in CTORS) {
      const C = CTORS[v.$ta as CtorName]
      const byteLen = v.length * C.BYTES_PER_ELEMENT
      const copy = new Uint8Array(byteLen)
      copy.set(bytes.subarray(start + v.offset, start + v.offset + byteLen))
      return new C(copy.buffer)
    }
    return v
  })
}
