import { fail } from '../diagnostics.js'

/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0 on read; 1.0, or 2.0 when the header does
 * not fit in 64 KiB, on write). Headers are byte-identical to `np.save` (numpy 2.x), including the
 * spare spaces numpy leaves for growing the first axis, and the data starts on a 64-byte boundary.
 * Data is C order, little-endian; the host must be little-endian (x86, arm64), as checked below.
 */

/** The element types PLAF reads and writes. `<f2` data is carried as Uint16Array half-float bits. */
export type NpyDtype = '<f2' | '<f4' | '<f8' | '|u1' | '|i1' | '<u2' | '<i2' | '<u4' | '<i4' | '<u8' | '<i8'

/** A typed array that holds one of the NpyDtype element types. */
export type NpyData =
  | Float32Array
  | Float64Array
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array

/** A decoded array: row-major data, its shape (empty for 0-D) and its dtype. */
export interface NpyArray<T extends NpyData = NpyData> {
  data: T
  shape: number[]
  dtype: NpyDtype
}

type TypedCtor = { new (buf: ArrayBuffer, off?: number, len?: number): NpyData; BYTES_PER_ELEMENT: number; name: string }

const CTORS: Record<NpyDtype, TypedCtor> = {
  '<f2': Uint16Array,
  '<f4': Float32Array,
  '<f8': Float64Array,
  '|u1': Uint8Array,
  '|i1': Int8Array,
  '<u2': Uint16Array,
  '<i2': Int16Array,
  '<u4': Uint32Array,
  '<i4': Int32Array,
  '<u8': BigUint64Array,
  '<i8': BigInt64Array,
}

/** Spellings other writers use for the same dtypes (`<u1` is `|u1`, `=` is native, here little). */
const ALIASES: Record<string, NpyDtype> = { '<u1': '|u1', '<i1': '|i1', '=u1': '|u1', '=i1': '|i1' }

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] // \x93NUMPY
const ALIGN = 64
/** numpy pads the header so the first axis can grow to this many digits in place. */
const GROWTH_AXIS_MAX_DIGITS = 21

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('@plaf/core .npy support needs a little-endian host')
}

/** Bytes per element of a dtype. */
export function npyItemSize(dtype: NpyDtype): number {
  return CTORS[dtype].BYTES_PER_ELEMENT
}

/** The dtype numpy would give a typed array (Uint16Array maps to `<u2`; pass `<f2` for halves). */
export function npyDtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return '<f4'
  if (data instanceof Float64Array) return '<f8'
  if (data instanceof Uint8Array) return '|u1'
  if (data instanceof Int8Array) return '|i1'
  if (data instanceof Uint16Array) return '<u2'
  if (data instanceof Int16Array) return '<i2'
  if (data instanceof Uint32Array) return '<u4'
  if (data instanceof Int32Array) return '<i4'
  if (data instanceof BigUint64Array) return '<u8'
  if (data instanceof BigInt64Array) return '<i8'
  throw new TypeError(`no .npy dtype for ${(data as object)?.constructor?.name ?? typeof data}`)
}

function checkShape(shape: readonly number[]): void {
  for (const n of shape) {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`.npy shape ${JSON.stringify(shape)} must be non-negative integers`)
  }
}

/**
 * The header of a C-order `.npy` file (magic, version, length, dict, padding): write it, then
 * exactly prod(shape) × itemsize data bytes, to stream an array too large to hold in memory.
 */
export function npyHeader(shape: readonly number[], dtype: NpyDtype): Uint8Array {
  if (!(dtype in CTORS)) throw new RangeError(`unsupported .npy dtype ${JSON.stringify(dtype)}`)
  checkShape(shape)
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  let dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${tuple}, }`
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length))
  // 1.0 has a 2-byte header length; 2.0 (4 bytes) only when that overflows, as numpy does.
  // numpy pads a full ALIGN (64 spaces), not 0, when the header already ends on a boundary.
  let prefix = 10
  let pad = ALIGN - ((prefix + dict.length + 1) % ALIGN)
  if (dict.length + pad + 1 > 0xffff) {
    prefix = 12
    pad = ALIGN - ((prefix + dict.length + 1) % ALIGN)
  }
  const headerLen = dict.length + pad + 1
  const out = new Uint8Array(prefix + headerLen)
  out.set(MAGIC)
  out[6] = prefix === 10 ? 1 : 2
  out[7] = 0
  const view = new DataView(out.buffer)
  if (prefix === 10) view.setUint16(8, headerLen, true)
  else view.setUint32(8, headerLen, true)
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i)
  out.fill(0x20, prefix + dict.length, out.length - 1)
  out[out.length - 1] = 0x0a
  return out
}

/** Raw bytes of a typed array (a view, no copy). */
export function typedBytes(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

/**
 * Encodes an array as a `.npy` file. `dtype` defaults to the data's own type (`<f4` for
 * Float32Array…); pass `<f2` to store Uint16Array half-float bits as float16.
 */
export function encodeNpy(arr: { data: NpyData; shape: readonly number[]; dtype?: NpyDtype }): Uint8Array {
  const dtype = arr.dtype ?? npyDtypeOf(arr.data)
  const ctor = CTORS[dtype]
  if (!ctor) throw new RangeError(`unsupported .npy dtype ${JSON.stringify(dtype)}`)
  if (!(arr.data instanceof ctor)) throw new TypeError(`.npy dtype ${dtype} needs a ${ctor.name}, got ${arr.data.constructor.name}`)
  checkShape(arr.shape)
  const n = arr.shape.reduce((a, b) => a * b, 1)
  if (arr.data.length !== n) throw new RangeError(`.npy data has ${arr.data.length} elements, shape ${JSON.stringify(arr.shape)} needs ${n}`)
  const header = npyHeader(arr.shape, dtype)
  const out = new Uint8Array(header.length + arr.data.byteLength)
  out.set(header)
  out.set(typedBytes(arr.data), header.length)
  return out
}

function bad(message: string, file?: string): never {
  fail('PLAF_INPUT_INVALID', file ? `${file}: ${message}` : message, { file })
}

/** Parsed header of a `.npy` file: dtype, shape and the byte offset where the data starts. */
export interface NpyHeaderInfo {
  dtype: NpyDtype
  shape: number[]
  dataOffset: number
}

/** Reads and checks the header of a `.npy` file; `file` only names it in error messages. */
export function parseNpyHeader(bytes: Uint8Array, file?: string): NpyHeaderInfo {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) bad('not a .npy file (missing \\x93NUMPY magic)', file)
  const major = bytes[6]
  if (major < 1 || major > 3) bad(`unsupported .npy format version ${major}.${bytes[7]}`, file)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const prefix = major === 1 ? 10 : 12
  if (bytes.length < prefix) bad('truncated .npy header', file)
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true)
  if (prefix + headerLen > bytes.length) bad(`truncated .npy header (needs ${prefix + headerLen} bytes, file has ${bytes.length})`, file)
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(prefix, prefix + headerLen))
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(text)?.[1]
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1]
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1]
  if (descr === undefined || fortran === undefined || shapeText === undefined) bad(`malformed .npy header ${JSON.stringify(text.trim())}`, file)
  if (fortran === 'True') bad('Fortran-order (column-major) .npy arrays are not supported; save with np.ascontiguousarray', file)
  const dtype = (ALIASES[descr] ?? descr) as NpyDtype
  if (!(dtype in CTORS)) {
    bad(`unsupported .npy dtype ${JSON.stringify(descr)} (supported: ${Object.keys(CTORS).join(', ')})`, file)
  }
  const parts = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0)
  const shape = parts.map((s) => (/^\d+$/.test(s) ? Number(s) : NaN))
  if (shape.some((n) => !Number.isSafeInteger(n))) bad(`malformed .npy shape (${shapeText})`, file)
  return { dtype, shape, dataOffset: prefix + headerLen }
}

/**
 * Decodes a `.npy` file. The data is copied into a fresh, aligned buffer. `<f2` comes back as
 * Uint16Array half-float bits (see float16ToFloat32). `file` only names the file in errors.
 */
export function decodeNpy(bytes: Uint8Array, file?: string): NpyArray {
  const { dtype, shape, dataOffset } = parseNpyHeader(bytes, file)
  const ctor = CTORS[dtype]
  const n = shape.reduce((a, b) => a * b, 1)
  const size = n * ctor.BYTES_PER_ELEMENT
  if (bytes.length - dataOffset < size) {
    bad(`truncated .npy data: shape (${shape.join(', ')}) ${dtype} needs ${size} bytes, file has ${bytes.length - dataOffset}`, file)
  }
  const buf = new ArrayBuffer(size)
  new Uint8Array(buf).set(bytes.subarray(dataOffset, dataOffset + size))
  return { data: new ctor(buf, 0, n), shape, dtype }
}
