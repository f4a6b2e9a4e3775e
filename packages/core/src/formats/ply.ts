import { fail } from '../diagnostics.js'

/**
 * PLY point clouds and triangle meshes. Writes `binary_little_endian 1.0` with a clean header
 * (no padding, records packed in property order); reads binary (either endianness) and ascii.
 * Faces are written as `property list uchar int vertex_indices`, as ScanNet's meshes are.
 */

/** PLY scalar type names, both the original and the sized spellings (each reader knows both). */
export type PlyType =
  | 'char' | 'uchar' | 'short' | 'ushort' | 'int' | 'uint' | 'float' | 'double'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64'

/** A typed array holding one vertex property (one value per vertex). */
export type PlyArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array

type Kind = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'f32' | 'f64'

const KINDS: Record<PlyType, Kind> = {
  char: 'i8', int8: 'i8', uchar: 'u8', uint8: 'u8', short: 'i16', int16: 'i16', ushort: 'u16', uint16: 'u16',
  int: 'i32', int32: 'i32', uint: 'u32', uint32: 'u32', float: 'f32', float32: 'f32', double: 'f64', float64: 'f64',
}
const SIZES: Record<Kind, number> = { i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, f32: 4, f64: 8 }
const ARRAYS: Record<Kind, { new (n: number): PlyArray }> = {
  i8: Int8Array, u8: Uint8Array, i16: Int16Array, u16: Uint16Array, i32: Int32Array, u32: Uint32Array, f32: Float32Array, f64: Float64Array,
}

type Setter = (view: DataView, off: number, v: number) => void
type Getter = (view: DataView, off: number, le: boolean) => number
const SET: Record<Kind, Setter> = {
  i8: (d, o, v) => d.setInt8(o, v), u8: (d, o, v) => d.setUint8(o, v),
  i16: (d, o, v) => d.setInt16(o, v, true), u16: (d, o, v) => d.setUint16(o, v, true),
  i32: (d, o, v) => d.setInt32(o, v, true), u32: (d, o, v) => d.setUint32(o, v, true),
  f32: (d, o, v) => d.setFloat32(o, v, true), f64: (d, o, v) => d.setFloat64(o, v, true),
}
const GET: Record<Kind, Getter> = {
  i8: (d, o) => d.getInt8(o), u8: (d, o) => d.getUint8(o),
  i16: (d, o, le) => d.getInt16(o, le), u16: (d, o, le) => d.getUint16(o, le),
  i32: (d, o, le) => d.getInt32(o, le), u32: (d, o, le) => d.getUint32(o, le),
  f32: (d, o, le) => d.getFloat32(o, le), f64: (d, o, le) => d.getFloat64(o, le),
}

/** One vertex property to write: its header name and type, and one value per vertex. */
export interface PlyProperty {
  name: string
  type: PlyType
  data: ArrayLike<number>
}

/** What encodePly writes. */
export interface PlyInput {
  vertexCount: number
  properties: PlyProperty[]
  /** Triangles, 3 vertex indices each. */
  faces?: Uint32Array
  /** `comment` lines (no newlines). */
  comments?: string[]
}

/** A decoded PLY: vertex properties by name (typed by their header type) and triangle indices. */
export interface PlyData {
  format: 'binary_little_endian' | 'binary_big_endian' | 'ascii'
  comments: string[]
  vertexCount: number
  properties: Record<string, PlyArray>
  /** Header type of each vertex property, in header order. */
  types: Record<string, PlyType>
  /** Triangles, 3 vertex indices each (polygons are fan-triangulated); absent without faces. */
  faces?: Uint32Array
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/

/** Builds the ASCII header of a binary little-endian PLY (ends with `end_header\n`). */
export function plyHeader(input: Omit<PlyInput, 'faces'> & { faceCount?: number }): string {
  const lines = ['ply', 'format binary_little_endian 1.0']
  for (const c of input.comments ?? []) {
    if (/[\r\n]/.test(c)) throw new RangeError(`PLY comment must be one line: ${JSON.stringify(c)}`)
    lines.push(c ? `comment ${c}` : 'comment')
  }
  lines.push(`element vertex ${input.vertexCount}`)
  for (const p of input.properties) {
    if (!NAME.test(p.name)) throw new RangeError(`PLY property name ${JSON.stringify(p.name)} must match ${NAME}`)
    if (!(p.type in KINDS)) throw new RangeError(`PLY property ${p.name} has unknown type ${JSON.stringify(p.type)}`)
    lines.push(`property ${p.type} ${p.name}`)
  }
  if (input.faceCount !== undefined) lines.push(`element face ${input.faceCount}`, 'property list uchar int vertex_indices')
  lines.push('end_header')
  return lines.join('\n') + '\n'
}

/** Encodes vertices (and optional triangles) as a binary little-endian PLY file. */
export function encodePly(input: PlyInput): Uint8Array {
  const n = input.vertexCount
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`PLY vertexCount ${n} must be a non-negative integer`)
  for (const p of input.properties) {
    if (p.data.length !== n) throw new RangeError(`PLY property ${p.name} has ${p.data.length} values for ${n} vertices`)
  }
  if (input.faces && input.faces.length % 3 !== 0) throw new RangeError(`PLY faces has ${input.faces.length} indices, not a multiple of 3`)
  const faceCount = input.faces ? input.faces.length / 3 : undefined
  const header = new TextEncoder().encode(plyHeader({ ...input, faceCount }))
  const kinds = input.properties.map((p) => KINDS[p.type])
  const offsets: number[] = []
  let stride = 0
  for (const k of kinds) {
    offsets.push(stride)
    stride += SIZES[k]
  }
  const faceBytes = (faceCount ?? 0) * 13
  const out = new Uint8Array(header.length + n * stride + faceBytes)
  out.set(header)
  const view = new DataView(out.buffer)
  const base = header.length
  // Property-major: one setter per column keeps the inner loop monomorphic.
  for (let j = 0; j < kinds.length; j++) {
    const set = SET[kinds[j]]
    const data = input.properties[j].data
    for (let i = 0, off = base + offsets[j]; i < n; i++, off += stride) set(view, off, data[i])
  }
  if (input.faces) {
    const f = input.faces
    let off = base + n * stride
    for (let t = 0; t < f.length; t += 3, off += 13) {
      for (let c = 0; c < 3; c++) {
        if (f[t + c] >= n) throw new RangeError(`PLY face ${t / 3} references vertex ${f[t + c]} of ${n}`)
      }
      view.setUint8(off, 3)
      view.setInt32(off + 1, f[t], true)
      view.setInt32(off + 5, f[t + 1], true)
      view.setInt32(off + 9, f[t + 2], true)
    }
  }
  return out
}

interface ElementSpec {
  name: string
  count: number
  props: Array<{ name: string; kind: Kind; type: PlyType; list?: { count: Kind; item: Kind } }>
}

function bad(message: string, file?: string): never {
  fail('PLAF_INPUT_INVALID', file ? `${file}: ${message}` : message, { file })
}

function kindOf(type: string, file?: string): Kind {
  const k = KINDS[type as PlyType]
  if (!k) bad(`unknown PLY type "${type}"`, file)
  return k
}

function parseHeader(bytes: Uint8Array, file?: string) {
  const probe = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 1 << 16)))
  if (!/^ply\r?\n/.test(probe)) bad('not a PLY file (first line is not "ply")', file)
  const m = /end_header\r?\n/.exec(probe)
  if (!m) bad(`PLY header has no end_header line ${bytes.length > 1 << 16 ? 'within its first 64 KiB' : `in its ${bytes.length} bytes`}`, file)
  const lines = probe.slice(0, m.index).split(/\r?\n/)
  let format: PlyData['format'] | undefined
  const comments: string[] = []
  const elements: ElementSpec[] = []
  for (const raw of lines.slice(1)) {
    const line = raw.trim()
    const w = line.split(/\s+/)
    if (w[0] === 'format') {
      if (w[1] !== 'ascii' && w[1] !== 'binary_little_endian' && w[1] !== 'binary_big_endian') bad(`unknown PLY format "${w[1]}"`, file)
      format = w[1]
    } else if (w[0] === 'comment') comments.push(raw.replace(/^\s*comment ?/, ''))
    else if (w[0] === 'element') {
      const count = Number(w[2])
      if (w.length !== 3 || !Number.isSafeInteger(count) || count < 0) bad(`bad PLY element line "${line}"`, file)
      elements.push({ name: w[1], count, props: [] })
    } else if (w[0] === 'property') {
      const el = elements.at(-1) ?? bad(`PLY property before any element: "${line}"`, file)
      if (w[1] === 'list') {
        el.props.push({ name: w[4], kind: 'u32', type: 'uint', list: { count: kindOf(w[2], file), item: kindOf(w[3], file) } })
      } else el.props.push({ name: w[2], kind: kindOf(w[1], file), type: w[1] as PlyType })
    } else if (w[0] !== 'obj_info' && w[0] !== '') bad(`unknown PLY header line "${line}"`, file)
  }
  if (!format) bad('PLY header has no format line', file)
  const dataOffset = m.index + m[0].length
  // Counts come from the file: check them against its size before anything is allocated or looped
  // over. Every property of every record takes at least one byte in binary and at least one
  // character plus a separator in ascii (the last value may end the file), so the data bounds the count.
  const room = bytes.length - dataOffset
  let least = 0
  for (const el of elements) {
    if (el.count > 0 && !el.props.length) bad(`PLY element "${el.name}" has ${el.count} records but no properties`, file)
    least += el.count * el.props.reduce((n, p) => n + (format === 'ascii' ? 2 : SIZES[p.list ? p.list.count : p.kind]), 0)
  }
  if (format === 'ascii') least -= 1
  if (least > room) {
    const what = format === 'ascii' ? 'PLY ascii data ends early' : 'PLY data is truncated'
    bad(`${what}: the header declares ${elements.map((e) => `${e.count} ${e.name}`).join(', ')}, at least ${least} bytes of data; the file has ${room}`, file)
  }
  return { format, comments, elements, dataOffset }
}

/** Decodes a PLY file (binary little/big endian or ascii). `file` only names it in errors. */
export function decodePly(bytes: Uint8Array, file?: string): PlyData {
  const { format, comments, elements, dataOffset } = parseHeader(bytes, file)
  const vertexEl = elements.find((e) => e.name === 'vertex')
  const vertexCount = vertexEl?.count ?? 0
  const properties: Record<string, PlyArray> = {}
  const types: Record<string, PlyType> = {}
  for (const p of vertexEl?.props ?? []) {
    if (p.list) continue
    properties[p.name] = new ARRAYS[p.kind](vertexCount)
    types[p.name] = p.type
  }
  const faceEl = elements.find((e) => e.name === 'face')
  const faceList = faceEl?.props.find((p) => p.list && (p.name === 'vertex_indices' || p.name === 'vertex_index'))
  const faces: number[] = []
  const onFace = (idx: number[]) => {
    for (let k = 1; k + 1 < idx.length; k++) faces.push(idx[0], idx[k], idx[k + 1])
  }
  if (format === 'ascii') readAscii(bytes, dataOffset, elements, properties, faceList && onFace, file)
  else readBinary(bytes, dataOffset, format === 'binary_little_endian', elements, properties, faceList && onFace, file)
  const out: PlyData = { format, comments, vertexCount, properties, types }
  if (faceList) out.faces = Uint32Array.from(faces)
  return out
}

function readBinary(
  bytes: Uint8Array, start: number, le: boolean, elements: ElementSpec[],
  properties: Record<string, PlyArray>, onFace: ((idx: number[]) => void) | undefined, file?: string,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let off = start
  const need = (n: number) => {
    if (off + n > bytes.length) bad(`PLY data is truncated at byte ${off} (file has ${bytes.length})`, file)
  }
  for (const el of elements) {
    const fixed = el.props.every((p) => !p.list)
    if (fixed && el.name === 'vertex') {
      // Fast path: fixed-size records, one getter per column.
      let stride = 0
      const offs = el.props.map((p) => ((stride += SIZES[p.kind]), stride - SIZES[p.kind]))
      need(el.count * stride)
      el.props.forEach((p, j) => {
        const get = GET[p.kind]
        const dst = properties[p.name]
        for (let i = 0, o = off + offs[j]; i < el.count; i++, o += stride) dst[i] = get(view, o, le)
      })
      off += el.count * stride
      continue
    }
    for (let i = 0; i < el.count; i++) {
      for (const p of el.props) {
        if (p.list) {
          need(SIZES[p.list.count])
          const len = GET[p.list.count](view, off, le)
          off += SIZES[p.list.count]
          need(len * SIZES[p.list.item])
          const get = GET[p.list.item]
          const idx = new Array<number>(len)
          for (let k = 0; k < len; k++, off += SIZES[p.list.item]) idx[k] = get(view, off, le)
          if (onFace && el.name === 'face' && (p.name === 'vertex_indices' || p.name === 'vertex_index')) onFace(idx)
        } else {
          need(SIZES[p.kind])
          const v = GET[p.kind](view, off, le)
          if (el.name === 'vertex') properties[p.name][i] = v
          off += SIZES[p.kind]
        }
      }
    }
  }
  // More bytes than the header's elements hold: the counts disagree with the file (a header edited
  // or a file appended to); reading only the declared part would silently drop data.
  if (off !== bytes.length) bad(`PLY holds ${bytes.length - off} bytes after the ${elements.map((e) => `${e.count} ${e.name}`).join(', ')} its header declares (the element counts disagree with the file size)`, file)
}

function readAscii(
  bytes: Uint8Array, start: number, elements: ElementSpec[],
  properties: Record<string, PlyArray>, onFace: ((idx: number[]) => void) | undefined, file?: string,
): void {
  const tokens = new TextDecoder('latin1').decode(bytes.subarray(start)).split(/\s+/).filter((t) => t.length > 0)
  let t = 0
  const next = () => {
    if (t >= tokens.length) bad('PLY ascii data ends early', file)
    const tok = tokens[t++]
    const v = Number(tok)
    if (!Number.isNaN(v)) return v
    if (/^[-+]?nan$/i.test(tok)) return NaN
    if (/^[-+]?inf(inity)?$/i.test(tok)) return tok.startsWith('-') ? -Infinity : Infinity
    return bad(`PLY ascii value "${tok}" is not a number`, file)
  }
  for (const el of elements) {
    for (let i = 0; i < el.count; i++) {
      for (const p of el.props) {
        if (p.list) {
          const len = next()
          if (!Number.isSafeInteger(len) || len < 0) bad(`PLY ascii list length "${tokens[t - 1]}" is not a count`, file)
          if (len > tokens.length - t) bad(`PLY ascii data ends early: a list of ${len} values, ${tokens.length - t} values left`, file)
          const idx = new Array<number>(len)
          for (let k = 0; k < len; k++) idx[k] = next()
          if (onFace && el.name === 'face' && (p.name === 'vertex_indices' || p.name === 'vertex_index')) onFace(idx)
        } else {
          const v = next()
          if (el.name === 'vertex') properties[p.name][i] = v
        }
      }
    }
  }
}
