import { describe, expect, it } from 'vitest'
import { PlafError } from '../../src/diagnostics.js'
import { decodeNpy, encodeNpy, npyHeader, parseNpyHeader, type NpyDtype } from '../../src/formats/npy.js'
import { hasNumpy, numpyNote, runPython } from './numpy.js'

// .npy against numpy's own header algorithm and its reader's edge cases (written to kill the
// mutants `npm run mutate` found surviving; see docs/testing.md).

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0))

/** numpy's `_wrap_header_guess_version` (numpy/lib/_format_impl.py), transcribed: version 1.0 unless its 2-byte length overflows. */
function numpyHeader(shape: number[], descr: string): Uint8Array {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`
  if (shape.length > 0) h += ' '.repeat(Math.max(0, 21 - String(shape[0]).length))
  for (const [version, lenBytes] of [[1, 2], [2, 4]]) {
    const hlen = h.length + 1
    const padlen = 64 - ((8 + lenBytes + hlen) % 64)
    if (version === 1 && hlen + padlen > 0xffff) continue
    const total = hlen + padlen
    const len = lenBytes === 2 ? [total & 0xff, total >> 8] : [total & 0xff, (total >> 8) & 0xff, (total >> 16) & 0xff, total >>> 24]
    return Uint8Array.from([...MAGIC, version, 0, ...len, ...latin1(h + ' '.repeat(padlen) + '\n')])
  }
  throw new Error('unreachable')
}

const shapes: number[][] = [[], [0], [7], [12], [0, 5], [2, 3], [123, 4, 5], Array(14).fill(1), Array(36).fill(1), [1234567, ...Array(12).fill(2)]]

describe('npyHeader equals numpy byte for byte', () => {
  it('on 0-D, 1-D, zero-size and many-axis shapes, including headers that already end on a 64-byte boundary', () => {
    for (const shape of shapes) expect(Array.from(npyHeader(shape, '<f4')), JSON.stringify(shape)).toEqual(Array.from(numpyHeader(shape, '<f4')))
    // 36 axes: the dict ends exactly on the boundary and numpy adds a whole 64 bytes (np.save: HEADER_LEN 246).
    const h = npyHeader(Array(36).fill(1), '|u1')
    expect([h.length, h[8] | (h[9] << 8)]).toEqual([256, 246])
  })

  it('switches to version 2.0 exactly where numpy does', () => {
    for (let n = 21810; n < 21826; n++) { // numpy switches at 21818 axes (a 65527-character dict)
      const shape = Array(n).fill(1)
      expect(Array.from(npyHeader(shape, '|u1')), `${n} axes`).toEqual(Array.from(numpyHeader(shape, '|u1')))
    }
    // 22030 axes: a 2.0 header that ends on the boundary gets 64 more bytes (numpy: 66240 bytes, HEADER_LEN 66228).
    const h = npyHeader(Array(22030).fill(1), '|u1')
    expect([h[6], h.length, new DataView(h.buffer).getUint32(8, true)]).toEqual([2, 66240, 66228])
  })

  it.skipIf(!hasNumpy)(`matches np.save's headers${numpyNote}`, () => {
    const got = runPython(
      `import sys, io, json, numpy as np
out = []
for s in json.loads(sys.argv[1]):
    # np.save's own header writer on the dict it builds, so shapes past numpy 1.x's 32 axes work too
    b = io.BytesIO(); np.lib.format._write_array_header(b, {'descr': '<f4', 'fortran_order': False, 'shape': tuple(s)}, None)
    out.append(list(b.getvalue()))
print(json.dumps(out))`,
      [JSON.stringify(shapes.slice(0, 9))],
    ) as number[][]
    shapes.slice(0, 9).forEach((s, i) => expect(Array.from(npyHeader(s, '<f4')), JSON.stringify(s)).toEqual(got[i]))
  })
})

describe('encodeNpy', () => {
  it('infers the dtype numpy would give each typed array', () => {
    const cases: Array<[ArrayLike<number | bigint> & { length: number }, NpyDtype]> = [
      [new Float32Array(2), '<f4'], [new Float64Array(2), '<f8'], [new Uint8Array(2), '|u1'], [new Int8Array(2), '|i1'],
      [new Uint16Array(2), '<u2'], [new Int16Array(2), '<i2'], [new Uint32Array(2), '<u4'], [new Int32Array(2), '<i4'],
      [new BigUint64Array(2), '<u8'], [new BigInt64Array(2), '<i8'],
    ]
    for (const [data, dtype] of cases) {
      const back = decodeNpy(encodeNpy({ data: data as never, shape: [2] }))
      expect(back.dtype, data.constructor.name).toBe(dtype)
      expect(back.data.constructor).toBe(data.constructor)
    }
  })

  it('refuses arrays and dtypes it has no .npy type for, naming them', () => {
    expect(() => encodeNpy({ data: new Uint8ClampedArray(2) as never, shape: [2] })).toThrow('no .npy dtype for Uint8ClampedArray')
    expect(() => encodeNpy({ data: [1, 2] as never, shape: [2] })).toThrow('no .npy dtype for Array')
    expect(() => encodeNpy({ data: Object.create(null) as never, shape: [2] })).toThrow('no .npy dtype for object')
    expect(() => encodeNpy({ data: null as never, shape: [2] })).toThrow('no .npy dtype for object')
    expect(() => encodeNpy({ data: new Float32Array(2), shape: [2], dtype: '>f4' as NpyDtype })).toThrow('unsupported .npy dtype ">f4"')
    expect(() => npyHeader([2], '<c8' as NpyDtype)).toThrow('unsupported .npy dtype "<c8"')
  })

  it('round-trips zero-size arrays and multi-digit axes', () => {
    for (const shape of [[0], [0, 3], [3, 0, 2], [12, 11]]) {
      const n = shape.reduce((a, b) => a * b, 1)
      const back = decodeNpy(encodeNpy({ data: Float32Array.from({ length: n }, (_, i) => i), shape }))
      expect(back.shape).toEqual(shape)
      expect(back.data.length).toBe(n)
    }
  })
})

describe('decodeNpy rejects malformed files with PLAF_INPUT_INVALID', () => {
  const header = (major: number, dict: string) => {
    const body = latin1(dict + '\n')
    const len = major === 1 ? [body.length & 0xff, body.length >> 8] : [body.length & 0xff, body.length >> 8, 0, 0]
    return Uint8Array.from([...MAGIC, major, 0, ...len, ...body])
  }
  const error = (bytes: Uint8Array) => {
    try {
      decodeNpy(bytes, 'x.npy')
    } catch (e) {
      expect(e).toBeInstanceOf(PlafError)
      expect((e as PlafError).diagnostics[0]).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: 'x.npy' })
      return (e as PlafError).message.replace(/^PLAF_INPUT_INVALID: /, '')
    }
    throw new Error('decodeNpy accepted it')
  }

  it('names what is wrong: magic, version, truncation, missing keys, bad shapes', () => {
    expect(error(Uint8Array.from([...MAGIC, 1, 0]))).toBe('x.npy: not a .npy file (missing \\x93NUMPY magic)')
    expect(error(Uint8Array.from([...MAGIC, 0, 0, 0, 0]))).toBe('x.npy: unsupported .npy format version 0.0')
    expect(error(Uint8Array.from([...MAGIC, 4, 1, 0, 0]))).toBe('x.npy: unsupported .npy format version 4.1')
    expect(error(Uint8Array.from([...MAGIC, 2, 0, 0, 0, 0]))).toBe('x.npy: truncated .npy header')
    expect(error(Uint8Array.from([...MAGIC, 1, 0, 128, 0, 32, 32]))).toBe('x.npy: truncated .npy header (needs 138 bytes, file has 12)')
    expect(error(Uint8Array.from([...MAGIC, 1, 0, 0, 0]))).toBe('x.npy: malformed .npy header ""')
    expect(error(Uint8Array.from([...MAGIC, 2, 0, 0, 0, 0, 0]))).toBe('x.npy: malformed .npy header ""')
    expect(error(header(1, "  {'fortran_order': False, 'shape': (2,), }  "))).toBe(`x.npy: malformed .npy header "{'fortran_order': False, 'shape': (2,), }"`)
    expect(error(header(1, "{'descr': '<f4', 'shape': (2,), }"))).toMatch(/malformed \.npy header/)
    expect(error(header(1, "{'descr': '<f4', 'fortran_order': False, }"))).toMatch(/malformed \.npy header/)
    for (const bad of ['+2', '2e3', '2, x', '-1']) {
      expect(error(header(1, `{'descr': '<f4', 'fortran_order': False, 'shape': (${bad}), }`))).toBe(`x.npy: malformed .npy shape (${bad})`)
    }
    expect(error(header(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }")))
      .toBe('x.npy: unsupported .npy dtype "<c8" (supported: <f2, <f4, <f8, |u1, |i1, <u2, <i2, <u4, <i4, <u8, <i8)')
    const short = encodeNpy({ data: new Float32Array(6), shape: [2, 3] })
    expect(error(short.subarray(0, short.length - 1))).toBe('x.npy: truncated .npy data: shape (2, 3) <f4 needs 24 bytes, file has 23')
  })

  it('decodes the header text as latin-1 in versions 1 and 2 and as UTF-8 in version 3', () => {
    const dict = "{'descr': '<f4', 'shape': (1,), 'note': 'é', }"
    const utf8 = new TextEncoder().encode(dict)
    const v = (major: number, body: Uint8Array) => Uint8Array.from([...MAGIC, major, 0, body.length + 1, 0, 0, 0, ...body, 10])
    expect(error(v(3, utf8))).toContain("'note': 'é'")
    expect(error(Uint8Array.from([...MAGIC, 1, 0, utf8.length + 1, 0, ...utf8, 10]))).toContain("'note': 'Ã©'")
  })

  it('reads headers other writers space differently, with double quotes and the <u1 alias', () => {
    const dict = `{"descr" :"<u1", "fortran_order" :False, "shape" :( 3 , ), }`
    const body = latin1(dict + '\n')
    const bytes = Uint8Array.from([...MAGIC, 1, 0, body.length, 0, ...body, 1, 2, 3])
    const back = decodeNpy(bytes)
    expect([back.dtype, back.shape, Array.from(back.data as Uint8Array)]).toEqual(['|u1', [3], [1, 2, 3]])
    expect(parseNpyHeader(bytes).dataOffset).toBe(10 + body.length)
    for (const [alias, dtype] of [['<i1', '|i1'], ['=u1', '|u1'], ['=i1', '|i1']]) {
      const b = latin1(`{'descr': '${alias}', 'fortran_order': False, 'shape': (1,), }\n`)
      expect(parseNpyHeader(Uint8Array.from([...MAGIC, 1, 0, b.length, 0, ...b, 0])).dtype).toBe(dtype)
    }
  })
})
