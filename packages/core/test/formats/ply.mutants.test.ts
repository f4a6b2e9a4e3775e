import { describe, expect, it } from 'vitest'
import { PlafError } from '../../src/diagnostics.js'
import { decodePly, encodePly, plyHeader, type PlyType } from '../../src/formats/ply.js'

// PLY reader and writer on the parts of the format the round-trip tests do not reach: other
// elements, list properties outside faces, ascii specials, header variants and every error
// (written to kill the mutants `npm run mutate` found surviving; see docs/testing.md).

const text = (s: string) => new TextEncoder().encode(s)

/** A binary little-endian PLY: header text, then values written with the given types in order. */
function binary(header: string, values: Array<[PlyType | 'uchar', number]>): Uint8Array {
  const size: Record<string, number> = { uchar: 1, char: 1, ushort: 2, short: 2, int: 4, uint: 4, float: 4, double: 8 }
  const body = new DataView(new ArrayBuffer(values.reduce((n, [t]) => n + size[t], 0)))
  let off = 0
  for (const [t, v] of values) {
    if (t === 'uchar') body.setUint8(off, v)
    else if (t === 'int') body.setInt32(off, v, true)
    else if (t === 'float') body.setFloat32(off, v, true)
    else if (t === 'ushort') body.setUint16(off, v, true)
    else throw new Error(t)
    off += size[t]
  }
  return Uint8Array.from([...text(header), ...new Uint8Array(body.buffer)])
}

function error(bytes: Uint8Array): string {
  try {
    decodePly(bytes, 'm.ply')
  } catch (e) {
    expect(e).toBeInstanceOf(PlafError)
    expect((e as PlafError).diagnostics[0]).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: 'm.ply' })
    return (e as PlafError).message.replace(/^PLAF_INPUT_INVALID: /, '')
  }
  throw new Error('decodePly accepted it')
}

describe('encodePly', () => {
  it('writes no comment lines unless asked', () => {
    const back = decodePly(encodePly({ vertexCount: 1, properties: [{ name: 'x', type: 'float', data: [1] }] }))
    expect(back.comments).toEqual([])
    expect(back.faces).toBeUndefined()
  })

  it('rejects bad counts, types, face arrays and face indices, naming the face', () => {
    const x = (n: number) => [{ name: 'x', type: 'float' as PlyType, data: new Float32Array(n) }]
    expect(() => encodePly({ vertexCount: -1, properties: [] })).toThrow('PLY vertexCount -1 must be a non-negative integer')
    expect(() => encodePly({ vertexCount: 1.5, properties: [] })).toThrow('PLY vertexCount 1.5 must be a non-negative integer')
    expect(encodePly({ vertexCount: 0, properties: x(0) }).length).toBeGreaterThan(0)
    expect(() => plyHeader({ vertexCount: 1, properties: [{ name: 'x', type: 'quux' as PlyType, data: [1] }] })).toThrow('PLY property x has unknown type "quux"')
    expect(() => encodePly({ vertexCount: 3, properties: x(3), faces: Uint32Array.of(0, 1) })).toThrow('PLY faces has 2 indices, not a multiple of 3')
    expect(() => encodePly({ vertexCount: 3, properties: x(3), faces: Uint32Array.of(0, 1, 2, 9, 1, 2) })).toThrow('PLY face 1 references vertex 9 of 3')
    expect(() => encodePly({ vertexCount: 3, properties: x(3), faces: Uint32Array.of(0, 1, 2, 0, 1, 3) })).toThrow('PLY face 1 references vertex 3 of 3')
  })
})

describe('decodePly header', () => {
  it('reads indented lines, repeated spaces, obj_info and blank lines, and indented comments', () => {
    const h = 'ply\n  format   ascii 1.0  \n   comment  indented note\nobj_info made by hand\n\nelement vertex 2\n  property  float  x\nend_header\n1.5\n-2\n'
    const back = decodePly(text(h))
    expect(back.comments).toEqual([' indented note'])
    expect(Array.from(back.properties.x)).toEqual([1.5, -2])
  })

  it('names every header error', () => {
    expect(error(text('xply\nformat ascii 1.0\nend_header\n'))).toBe('m.ply: not a PLY file (first line is not "ply")')
    expect(error(text('ply\nformat ascii 1.0\nelement vertex 0\n'))).toBe('m.ply: PLY header has no end_header line in its 38 bytes')
    expect(error(text(`ply\nformat ascii 1.0\n${'comment x\n'.repeat(7000)}`))).toBe('m.ply: PLY header has no end_header line within its first 64 KiB')
    expect(error(text('ply\nformat binary_middle_endian 1.0\nend_header\n'))).toBe('m.ply: unknown PLY format "binary_middle_endian"')
    expect(error(text('ply\nformat ascii 1.0\nelement vertex -1\nend_header\n'))).toBe('m.ply: bad PLY element line "element vertex -1"')
    expect(error(text('ply\nformat ascii 1.0\nelement vertex 1.5\nend_header\n'))).toBe('m.ply: bad PLY element line "element vertex 1.5"')
    expect(error(text('ply\nformat ascii 1.0\nproperty float x\nend_header\n'))).toBe('m.ply: PLY property before any element: "property float x"')
    expect(error(text('ply\nformat ascii 1.0\ncolour red\nend_header\n'))).toBe('m.ply: unknown PLY header line "colour red"')
    expect(error(text('ply\nelement vertex 0\nend_header\n'))).toBe('m.ply: PLY header has no format line')
    expect(decodePly(text('ply\nformat ascii 1.0\nelement vertex 0\nproperty float x\nend_header\n')).vertexCount).toBe(0)
  })
})

describe('decodePly elements', () => {
  const header = (format: string) =>
    `ply\nformat ${format} 1.0\nelement camera 1\nproperty float fov\nproperty uchar id\n` +
    'element vertex 3\nproperty float x\nproperty list uchar int extra\nproperty ushort label\n' +
    'element face 2\nproperty list uchar int vertex_indices\nproperty list uchar float texcoord\nproperty uchar flags\n' +
    'element strip 1\nproperty list uchar int vertex_indices\nend_header\n'
  const want = (back: ReturnType<typeof decodePly>) => {
    expect(back.vertexCount).toBe(3)
    expect(Object.keys(back.properties).sort()).toEqual(['label', 'x'])
    expect(Array.from(back.properties.x)).toEqual([0.5, 1.5, 2.5])
    expect(Array.from(back.properties.label)).toEqual([7, 8, 9])
    expect(Array.from(back.faces!)).toEqual([0, 1, 2, 2, 1, 0])
  }

  it('finds the vertex element after another element, skips list properties of vertices, takes faces only from face.vertex_indices (binary)', () => {
    const bytes = binary(header('binary_little_endian'), [
      ['float', 60], ['uchar', 4],
      ['float', 0.5], ['uchar', 2], ['int', 1], ['int', 2], ['ushort', 7],
      ['float', 1.5], ['uchar', 0], ['ushort', 8],
      ['float', 2.5], ['uchar', 1], ['int', 5], ['ushort', 9],
      ['uchar', 3], ['int', 0], ['int', 1], ['int', 2], ['uchar', 3], ['float', 0.25], ['float', 0.75], ['float', 1], ['uchar', 1],
      ['uchar', 3], ['int', 2], ['int', 1], ['int', 0], ['uchar', 3], ['float', 2], ['float', 2], ['float', 2], ['uchar', 0],
      ['uchar', 3], ['int', 0], ['int', 2], ['int', 1],
    ])
    want(decodePly(bytes))
    expect(error(bytes.subarray(0, bytes.length - 5))).toMatch(/^m\.ply: PLY data is truncated at byte \d+ \(file has \d+\)$/)
    // counts the file cannot hold even at one byte a value: refused before anything is allocated
    const huge = text('ply\nformat binary_little_endian 1.0\nelement vertex 4000000000\nproperty float x\nend_header\n')
    expect(error(Uint8Array.from([...huge, 0, 0, 0, 0]))).toBe('m.ply: PLY data is truncated: the header declares 4000000000 vertex, at least 16000000000 bytes of data; the file has 4')
    // an element without properties would be looped over without reading anything
    expect(error(text('ply\nformat ascii 1.0\nelement face 4294967296\nend_header\n'))).toBe('m.ply: PLY element "face" has 4294967296 records but no properties')
    expect(error(text('ply\nformat ascii 1.0\nelement face 4294967296 list uchar int\nend_header\n'))).toBe('m.ply: bad PLY element line "element face 4294967296 list uchar int"')
    // a header whose counts say less than the file holds: refused, not read in part
    const longer = Uint8Array.from([...bytes, 1, 2, 3])
    expect(error(longer)).toMatch(/^m\.ply: PLY holds 3 bytes after the [\w ,]+ its header declares \(the element counts disagree with the file size\)$/)
  })

  it('does the same in ascii, with nan and inf spelled every way', () => {
    const body = '60 4\n0.5 2 1 2 7\n1.5 0 8\n2.5 1 5 9\n3 0 1 2 3 0.25 0.75 1 1\n3 2 1 0 3 2 2 2 0\n3 0 2 1\n'
    want(decodePly(text(header('ascii') + body)))
    const specials = decodePly(text('ply\nformat ascii 1.0\nelement vertex 8\nproperty double v\nend_header\nnan -NaN +nan inf -inf +Infinity -INFINITY 1e3\n'))
    const v = Array.from(specials.properties.v)
    expect(v.slice(0, 3).every(Number.isNaN)).toBe(true)
    expect(v.slice(3)).toEqual([Infinity, -Infinity, Infinity, -Infinity, 1000])
  })

  it('accepts vertex_index as the face list name, and leaves faces out when the face element has no index list', () => {
    const alt = decodePly(text('ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nelement face 1\nproperty list uchar int vertex_index\nend_header\n0 1 2\n3 2 0 1\n'))
    expect(Array.from(alt.faces!)).toEqual([2, 0, 1])
    const altBinary = binary('ply\nformat binary_little_endian 1.0\nelement vertex 0\nelement face 1\nproperty list uchar int vertex_index\nend_header\n', [['uchar', 3], ['int', 2], ['int', 0], ['int', 1]])
    expect(Array.from(decodePly(altBinary).faces!)).toEqual([2, 0, 1])
    const none = decodePly(text('ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nelement face 1\nproperty list uchar float texcoord\nend_header\n0\n2 0.5 0.5\n'))
    expect(none.faces).toBeUndefined()
    const vertexOnly = decodePly(binary('ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty list uchar int ring\nend_header\n', [['uchar', 2], ['int', 4], ['int', 5]]))
    expect([vertexOnly.vertexCount, Object.keys(vertexOnly.properties)]).toEqual([1, []])
  })

  it('reads a file without a vertex element', () => {
    const back = decodePly(text('ply\nformat ascii 1.0\nelement camera 1\nproperty float fov\nend_header\n60\n'))
    expect([back.vertexCount, back.properties, back.faces]).toEqual([0, {}, undefined])
  })

  it('names ascii data errors', () => {
    const h = 'ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n'
    expect(error(text(h + '1\n'))).toBe('m.ply: PLY ascii data ends early: the header declares 2 vertex, 1 face, at least 5 bytes of data; the file has 2')
    expect(error(text(h + '1 2 3 0 1\n'))).toBe('m.ply: PLY ascii data ends early: a list of 3 values, 2 values left')
    expect(error(text(h + '1 oops\n'))).toBe('m.ply: PLY ascii value "oops" is not a number')
    // a list length the data cannot hold (found by the fuzz test: it was "Invalid array length")
    expect(error(text(h + '1 2 4294967296\n'))).toBe('m.ply: PLY ascii data ends early: a list of 4294967296 values, 0 values left')
    for (const tok of ['xnan', 'nanx', 'xinf', 'infx', 'infinit']) expect(error(text(h + `1 ${tok}\n`))).toBe(`m.ply: PLY ascii value "${tok}" is not a number`)
    expect(error(text(h + '1 2 -1 0\n'))).toBe('m.ply: PLY ascii list length "-1" is not a count')
    expect(error(text(h + '1 2 1.5 0\n'))).toBe('m.ply: PLY ascii list length "1.5" is not a count')
    expect(Array.from(decodePly(text(h + '  1\n\n 2  0  \n')).properties.x)).toEqual([1, 2])
  })
})
