import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PlafError } from '../../src/diagnostics.js'
import { decodeNpy, encodeNpy } from '../../src/formats/npy.js'
import { decodePly, encodePly } from '../../src/formats/ply.js'
import { FUZZ_RUNS, fuzzParams, mutatedArb } from './mutate.js'

/**
 * A reader on hostile bytes either decodes them or throws a PlafError whose every diagnostic is a
 * user-facing PLAF_* error naming the file: never a RangeError from an allocation sized by the
 * file ("Invalid typed array length"), a TypeError, an out-of-memory abort or a hang.
 */
function readsOrRefuses(read: (bytes: Uint8Array) => unknown, file?: string) {
  return (bytes: Uint8Array): void => {
    try {
      read(bytes)
    } catch (e) {
      if (!(e instanceof PlafError)) throw new Error(`not a PlafError on ${bytes.length} bytes: ${(e as Error)?.stack ?? String(e)}`)
      for (const d of e.diagnostics) {
        expect(d.code).not.toBe('PLAF_INTERNAL')
        expect(d.severity).toBe('error')
        if (file) expect(d.file ?? d.message).toContain(file)
      }
    }
  }
}

const headerEnd = (b: Uint8Array, marker: string) => {
  const i = Buffer.from(b).indexOf(marker)
  return i < 0 ? b.length : i + marker.length
}

describe(`fuzzing the file readers (${FUZZ_RUNS} mutated files each; PLAF_FUZZ_RUNS for more)`, () => {
  it('.npy: mutated headers and bodies of float32, uint16, int64, uint8 and 0-D arrays', () => {
    const bases = [
      encodeNpy({ data: Float32Array.from({ length: 12 }, (_, i) => i / 3), shape: [3, 4] }),
      encodeNpy({ data: Uint16Array.from([1, 2, 65535]), shape: [3] }),
      encodeNpy({ data: BigInt64Array.from([1n, -2n]), shape: [2, 1] }),
      encodeNpy({ data: Uint8Array.from([1, 0, 1]), shape: [3] }),
      encodeNpy({ data: Float64Array.from([Math.PI]), shape: [] }),
    ]
    fc.assert(fc.property(mutatedArb(bases, (b) => headerEnd(b, '\n')), readsOrRefuses((b) => decodeNpy(b, 'fuzz.npy'), 'fuzz.npy')), fuzzParams())
  })

  it('.npy of object dtype (what np.save writes with pickled Python objects) is refused, never unpickled', () => {
    const header = "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"
    const pad = 64 - ((10 + header.length + 1) % 64)
    const bytes = Buffer.concat([Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0]), Buffer.from([(header.length + pad + 1) & 0xff, (header.length + pad + 1) >> 8]), Buffer.from(header + ' '.repeat(pad) + '\n'), Buffer.from([0x80, 0x04, 0x95])])
    expect(() => decodeNpy(bytes, 'objects.npy')).toThrow('objects.npy: unsupported .npy dtype "|O"')
  })

  it('PLY: mutated headers and bodies, binary with faces and ascii', () => {
    const xyz = (n: number) => ['x', 'y', 'z'].map((name, k) => ({ name, type: 'float' as const, data: Float32Array.from({ length: n }, (_, i) => i + k) }))
    const binary = encodePly({ vertexCount: 4, properties: [...xyz(4), { name: 'red', type: 'uchar', data: Uint8Array.from([1, 2, 3, 4]) }], faces: Uint32Array.from([0, 1, 2, 1, 2, 3]) })
    const ascii = new TextEncoder().encode('ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty int label\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0.5 3\n1.5 -2\n3 0 1 1\n')
    const bases = [binary, ascii, encodePly({ vertexCount: 0, properties: xyz(0) })]
    fc.assert(fc.property(mutatedArb(bases, (b) => headerEnd(b, 'end_header\n')), readsOrRefuses((b) => decodePly(b, 'fuzz.ply'), 'fuzz.ply')), fuzzParams())
  })
})
