import { fail } from '@plaf/core'

/**
 * The safetensors file format (huggingface/safetensors, "Format" in its README): an 8-byte
 * little-endian unsigned header length N, N bytes of UTF-8 JSON, then one byte buffer. The JSON
 * maps each tensor name to `{ dtype, shape, data_offsets: [begin, end] }` (offsets into the byte
 * buffer, which the tensors cover exactly, without holes or overlaps) and may hold
 * `__metadata__`, a string-to-string map. Data is little-endian, C order. No npm package for it
 * was found in the registry lists this project may use, so this small codec is written from the
 * spec and checked against a hand-computed byte layout and numpy reading the raw buffer.
 */

/** Tensor element types this codec reads and writes (safetensors spellings). */
export type SafetensorsDtype = 'F32' | 'F16' | 'I8' | 'U8' | 'U16' | 'U32' | 'I32'

/** A tensor's data: F16 as Uint16Array half bits. */
export type SafetensorsData = Float32Array | Uint16Array | Int8Array | Uint8Array | Uint32Array | Int32Array

/** One tensor of a safetensors file. */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype
  shape: number[]
  data: SafetensorsData
}

type Ctor = { new (buf: ArrayBuffer, off: number, len: number): SafetensorsData; BYTES_PER_ELEMENT: number }
const CTORS: Record<SafetensorsDtype, Ctor> = {
  F32: Float32Array, F16: Uint16Array, I8: Int8Array, U8: Uint8Array, U16: Uint16Array, U32: Uint32Array, I32: Int32Array,
}

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1)

/**
 * Encodes tensors (in the given order) and optional string metadata as a safetensors file. The
 * header is padded with spaces to a multiple of 8 bytes, as the reference writer does, so every
 * tensor starts 8-byte aligned when each tensor's byte length is a multiple of 8.
 */
export function encodeSafetensors(tensors: Record<string, SafetensorsTensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {}
  if (metadata) header.__metadata__ = metadata
  let offset = 0
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') fail('PLAF_INTERNAL', 'a safetensors tensor cannot be named __metadata__')
    if (t.data.length !== count(t.shape)) fail('PLAF_INTERNAL', `safetensors tensor ${name}: ${t.data.length} elements for shape [${t.shape.join(', ')}]`)
    if (!(t.data instanceof CTORS[t.dtype])) fail('PLAF_INTERNAL', `safetensors tensor ${name}: dtype ${t.dtype} needs a ${CTORS[t.dtype].name}`)
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] }
    offset += t.data.byteLength
  }
  let json = JSON.stringify(header)
  json += ' '.repeat((8 - (Buffer.byteLength(json, 'utf8') % 8)) % 8)
  const head = Buffer.from(json, 'utf8')
  const out = new Uint8Array(8 + head.length + offset)
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true)
  out.set(head, 8)
  let at = 8 + head.length
  for (const t of Object.values(tensors)) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at)
    at += t.data.byteLength
  }
  return out
}

/** A decoded safetensors file: its tensors by name and its `__metadata__` (empty when absent). */
export interface SafetensorsFile {
  tensors: Record<string, SafetensorsTensor>
  metadata: Record<string, string>
}

/**
 * Decodes a safetensors file. Every structural rule of the spec is checked (header length within
 * the file, JSON object, known dtype, shape × element size = offsets span, offsets contiguous from
 * 0 and covering the buffer); a violation is PLAF_INPUT_INVALID naming `file`.
 */
export function decodeSafetensors(bytes: Uint8Array, file = 'safetensors data'): SafetensorsFile {
  const bad = (why: string): never => fail('PLAF_INPUT_INVALID', `${file} is not a valid safetensors file: ${why}`, { file })
  if (bytes.length < 8) bad(`${bytes.length} bytes, shorter than the 8-byte header length`)
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true))
  if (n > bytes.length - 8) bad(`the header length ${n} exceeds the ${bytes.length - 8} bytes after it`)
  let header: unknown
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString('utf8'))
  } catch (e) {
    bad(`its header is not JSON (${(e as Error).message})`)
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) bad('its header is not a JSON object')
  const entries = Object.entries(header as Record<string, unknown>)
  const metadata: Record<string, string> = {}
  const spans: Array<[string, number, number, SafetensorsDtype, number[]]> = []
  for (const [name, v] of entries) {
    if (name === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) bad('__metadata__ is not an object')
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== 'string') bad(`__metadata__.${k} is not a string`)
        metadata[k] = s as string
      }
      continue
    }
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown }
    if (typeof t?.dtype !== 'string' || !(t.dtype in CTORS)) bad(`tensor ${name} has dtype ${JSON.stringify(t?.dtype)}; this reader knows ${Object.keys(CTORS).join(', ')}`)
    const dtype = t.dtype as SafetensorsDtype
    if (!Array.isArray(t.shape) || !t.shape.every((x) => Number.isInteger(x) && x >= 0)) bad(`tensor ${name} has no valid shape`)
    const off = t.data_offsets
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => Number.isInteger(x) && x >= 0) || off[1] < off[0]) bad(`tensor ${name} has no valid data_offsets`)
    const [b, e] = off as [number, number]
    const shape = t.shape as number[]
    if (e - b !== count(shape) * CTORS[dtype].BYTES_PER_ELEMENT) bad(`tensor ${name}: data_offsets span ${e - b} bytes, shape [${shape.join(', ')}] of ${dtype} needs ${count(shape) * CTORS[dtype].BYTES_PER_ELEMENT}`)
    spans.push([name, b, e, dtype, shape])
  }
  spans.sort((x, y) => x[1] - y[1])
  let expect = 0
  for (const [name, b, e] of spans) {
    if (b !== expect) bad(`tensor ${name} starts at byte ${b} of the buffer, expected ${expect} (holes and overlaps are not allowed)`)
    expect = e
  }
  const buffer = bytes.length - 8 - n
  if (expect !== buffer) bad(`the tensors cover ${expect} bytes but the buffer holds ${buffer}`)
  const start = bytes.byteOffset + 8 + n
  const tensors: Record<string, SafetensorsTensor> = {}
  for (const [name, b, e, dtype, shape] of spans) {
    const C = CTORS[dtype]
    // Copy into a fresh buffer: the data offset need not be aligned for the element type.
    const copy = bytes.buffer.slice(start + b, start + e) as ArrayBuffer
    tensors[name] = { dtype, shape, data: new C(copy, 0, (e - b) / C.BYTES_PER_ELEMENT) }
  }
  return { tensors, metadata }
}
