import { ColorManagement, type BufferGeometry } from 'three'
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js'
import { describe, expect, it } from 'vitest'
import { PlafError } from '../../src/diagnostics.js'
import { decodePly, encodePly, type PlyProperty, type PlyType } from '../../src/formats/ply.js'

// three.js converts sRGB vertex colours to linear when colour management is on; compare raw /255.
ColorManagement.enabled = false

function loadWithThree(bytes: Uint8Array, custom: Record<string, string[]> = {}): BufferGeometry {
  const loader = new PLYLoader()
  loader.setCustomPropertyNameMapping(custom)
  return loader.parse(bytes.slice().buffer)
}

function cloud(n: number) {
  const xyz = new Float32Array(3 * n)
  const rgb = new Uint8Array(3 * n)
  const ref = new Uint32Array(n)
  const score = new Float32Array(n)
  for (let i = 0; i < 3 * n; i++) {
    xyz[i] = Math.sin(i) * 10
    rgb[i] = (i * 37) % 256
  }
  for (let i = 0; i < n; i++) {
    ref[i] = (i * 7919) % 100003
    score[i] = i / n - 0.5
  }
  const col = <T extends Float32Array | Uint8Array>(a: T, k: number): T => {
    const out = new (a.constructor as new (n: number) => T)(n)
    for (let i = 0; i < n; i++) out[i] = a[3 * i + k]
    return out
  }
  const properties: PlyProperty[] = [
    { name: 'x', type: 'float', data: col(xyz, 0) },
    { name: 'y', type: 'float', data: col(xyz, 1) },
    { name: 'z', type: 'float', data: col(xyz, 2) },
    { name: 'red', type: 'uchar', data: col(rgb, 0) },
    { name: 'green', type: 'uchar', data: col(rgb, 1) },
    { name: 'blue', type: 'uchar', data: col(rgb, 2) },
    { name: 'ref', type: 'uint32', data: ref },
    { name: 'score', type: 'float', data: score },
  ]
  return { n, vertexCount: n, xyz, rgb, ref, score, properties }
}

const allTypes: Array<[PlyType, ArrayLike<number>]> = [
  ['char', [-128, 0, 127]], ['uchar', [0, 128, 255]], ['short', [-32768, 1, 32767]], ['ushort', [0, 1, 65535]],
  ['int', [-(2 ** 31), 0, 2 ** 31 - 1]], ['uint', [0, 1, 2 ** 32 - 1]], ['float', [1.5, -0, 3e38]],
  ['double', [Math.PI, -1e300, 5e-324]], ['int8', [-1, 2, -3]], ['uint8', [4, 5, 6]], ['int16', [-7, 8, -9]],
  ['uint16', [10, 11, 65000]], ['int32', [-12, 13, -14]], ['uint32', [15, 16, 4e9]], ['float32', [0.25, -0.5, 2]],
  ['float64', [0.1, 0.2, 0.3]],
]

describe('ply', () => {
  it('writes a clean binary little-endian header (golden)', () => {
    const bytes = encodePly({
      vertexCount: 2, comments: ['PLAF-TS map v1', 'pool=pool.npy'],
      properties: [{ name: 'x', type: 'float', data: [1, 2] }, { name: 'ref', type: 'uint32', data: [0, 1] }],
      faces: Uint32Array.of(0, 1, 1),
    })
    const header = [
      'ply', 'format binary_little_endian 1.0', 'comment PLAF-TS map v1', 'comment pool=pool.npy', 'element vertex 2',
      'property float x', 'property uint32 ref', 'element face 1', 'property list uchar int vertex_indices', 'end_header', '',
    ].join('\n')
    expect(new TextDecoder().decode(bytes.subarray(0, header.length))).toBe(header)
    // Records are packed: 2 × (4 + 4) vertex bytes, then 1 + 3 × 4 per face.
    expect(bytes.length).toBe(header.length + 16 + 13)
    const view = new DataView(bytes.buffer, header.length)
    expect([view.getFloat32(0, true), view.getUint32(4, true), view.getFloat32(8, true), view.getUint32(12, true)]).toEqual([1, 0, 2, 1])
    expect([view.getUint8(16), view.getInt32(17, true), view.getInt32(21, true), view.getInt32(25, true)]).toEqual([3, 0, 1, 1])
  })

  it('round-trips every scalar type, comments and faces', () => {
    const faces = Uint32Array.of(0, 1, 2, 2, 1, 0)
    const bytes = encodePly({
      vertexCount: 3, comments: ['hello world', ''], faces,
      properties: allTypes.map(([type, data], i) => ({ name: `p${i}_${type}`, type, data })),
    })
    const back = decodePly(bytes)
    expect(back.format).toBe('binary_little_endian')
    expect(back.comments).toEqual(['hello world', ''])
    expect(back.vertexCount).toBe(3)
    allTypes.forEach(([type, data], i) => {
      expect(back.types[`p${i}_${type}`]).toBe(type)
      const expected = type.startsWith('float') && type !== 'float64' || type === 'float' ? Array.from(Float32Array.from(data)) : Array.from(data)
      expect(Array.from(back.properties[`p${i}_${type}`]), type).toEqual(expected)
    })
    expect(Array.from(back.faces!)).toEqual(Array.from(faces))
  })

  it('reads ascii PLY with quads (fan-triangulated) and extra face properties', () => {
    const text = `ply\r\nformat ascii 1.0\r\ncomment made by hand\r\nelement vertex 4\r\nproperty float x\r\nproperty float y\r\nproperty float z\r\n` +
      `property ushort label\r\nelement face 1\r\nproperty list uchar int vertex_indices\r\nproperty uchar flag\r\nend_header\r\n` +
      `0 0 0 1\n1 0 0 2\n1 1 0 3\n0 1 0 65535\n4 0 1 2 3 7\n`
    const back = decodePly(new TextEncoder().encode(text))
    expect(back.format).toBe('ascii')
    expect(back.comments).toEqual(['made by hand'])
    expect(back.properties.label).toBeInstanceOf(Uint16Array)
    expect(Array.from(back.properties.label)).toEqual([1, 2, 3, 65535])
    expect(Array.from(back.properties.y)).toEqual([0, 0, 1, 1])
    expect(Array.from(back.faces!)).toEqual([0, 1, 2, 0, 2, 3])
  })

  it('reads big-endian binary files too', () => {
    const header = 'ply\nformat binary_big_endian 1.0\nelement vertex 2\nproperty short a\nproperty double b\nend_header\n'
    const body = new DataView(new ArrayBuffer(20))
    body.setInt16(0, -300, false)
    body.setFloat64(2, 1.25, false)
    body.setInt16(10, 7, false)
    body.setFloat64(12, -2, false)
    const bytes = new Uint8Array([...new TextEncoder().encode(header), ...new Uint8Array(body.buffer)])
    const back = decodePly(bytes)
    expect(Array.from(back.properties.a)).toEqual([-300, 7])
    expect(Array.from(back.properties.b)).toEqual([1.25, -2])
  })

  it('rejects malformed input with clear errors', () => {
    const ok = encodePly(cloud(4))
    expect(() => decodePly(new TextEncoder().encode('plx\n'), 'm.ply')).toThrow(/m\.ply: not a PLY file/)
    expect(() => decodePly(ok.subarray(0, ok.length - 3), 'm.ply')).toThrow(PlafError)
    expect(() => decodePly(ok.subarray(0, ok.length - 3))).toThrow(/truncated/)
    expect(() => decodePly(new TextEncoder().encode('ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty quux x\nend_header\n'))).toThrow(/unknown PLY type "quux"/)
    expect(() => encodePly({ vertexCount: 2, properties: [{ name: 'x', type: 'float', data: [1] }] })).toThrow(/1 values for 2 vertices/)
    expect(() => encodePly({ vertexCount: 1, properties: [], comments: ['a\nb'] })).toThrow(/one line/)
    expect(() => encodePly({ vertexCount: 1, properties: [{ name: 'bad name', type: 'float', data: [1] }] })).toThrow(/property name/)
    expect(() => encodePly({ vertexCount: 2, properties: [], faces: Uint32Array.of(0, 1, 2) })).toThrow(/references vertex 2 of 2/)
  })

  it('loads in three.js PLYLoader with identical positions, colours and custom values', () => {
    const c = cloud(1000)
    const geo = loadWithThree(encodePly({ vertexCount: c.n, properties: c.properties }), { ref: ['ref'], score: ['score'] })
    expect(Array.from(geo.getAttribute('position').array)).toEqual(Array.from(c.xyz))
    const colors = geo.getAttribute('color').array
    expect(colors.length).toBe(3 * c.n)
    for (let i = 0; i < colors.length; i++) expect(colors[i]).toBeCloseTo(c.rgb[i] / 255, 6)
    expect(Array.from(geo.getAttribute('ref').array)).toEqual(Array.from(c.ref))
    expect(Array.from(geo.getAttribute('score').array)).toEqual(Array.from(c.score))
  })

  it('loads a mesh with faces in three.js PLYLoader', () => {
    const c = cloud(4)
    const faces = Uint32Array.of(0, 1, 2, 0, 2, 3)
    const geo = loadWithThree(encodePly({ vertexCount: 4, properties: c.properties.slice(0, 3), faces }))
    expect(Array.from(geo.getIndex()!.array)).toEqual(Array.from(faces))
    expect(Array.from(geo.getAttribute('position').array)).toEqual(Array.from(c.xyz))
  })

  // Size, not speed: speed belongs to the benchmarks (no unit test asserts on a time).
  it('round-trips a 1M-point cloud exactly', () => {
    const c = cloud(1_000_000)
    const bytes = encodePly({ vertexCount: c.n, properties: c.properties })
    const back = decodePly(bytes)
    const same = (a: ArrayBufferView, b: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
    expect(back.properties.ref).toBeInstanceOf(Uint32Array)
    expect(same(back.properties.ref, c.ref) && same(back.properties.score, c.score) && same(back.properties.red, c.properties[3].data as Uint8Array)).toBe(true)
  })
})
