import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { PlafError } from '../../src/diagnostics.js'
import { float16ToFloat32, float32ToFloat16 } from '../../src/formats/float16.js'
import { decodeNpy, encodeNpy, npyHeader, type NpyData, type NpyDtype } from '../../src/formats/npy.js'
import { tempDir } from '../../src/testing/temp.js'
import { openAtomicWriter } from '../../src/util/atomic.js'
import { hasNumpy, numpyNote, runPython } from './numpy.js'

const tmp = tempDir('npy')
const dir = tmp.dir
afterAll(() => tmp.cleanup())

/** One fixture per dtype, with awkward values (negatives, extremes, fractions). */
const cases: Array<{ dtype: NpyDtype; shape: number[]; data: NpyData }> = [
  { dtype: '<f4', shape: [2, 3], data: Float32Array.of(0, -1.5, 3.25, 1e-30, -7e20, 0.1) },
  { dtype: '<f2', shape: [2, 2], data: float32ToFloat16(Float32Array.of(1, -2, 0.333, 65504)) },
  { dtype: '<f8', shape: [3], data: Float64Array.of(Math.PI, -1e300, 5e-324) },
  { dtype: '|u1', shape: [2, 2, 3], data: Uint8Array.from({ length: 12 }, (_, i) => i * 21) },
  { dtype: '|i1', shape: [4], data: Int8Array.of(-128, -1, 0, 127) },
  { dtype: '<u2', shape: [5], data: Uint16Array.of(0, 1, 255, 256, 65535) },
  { dtype: '<i2', shape: [2], data: Int16Array.of(-32768, 32767) },
  { dtype: '<u4', shape: [7], data: Uint32Array.of(0, 1, 2 ** 16, 2 ** 24 + 1, 2 ** 31, 4294967295, 42) },
  { dtype: '<i4', shape: [1, 4], data: Int32Array.of(-(2 ** 31), -1, 0, 2 ** 31 - 1) },
  { dtype: '<u8', shape: [2], data: BigUint64Array.of(0n, 2n ** 64n - 1n) },
  { dtype: '<i8', shape: [3], data: BigInt64Array.of(-(2n ** 63n), 0n, 2n ** 53n + 1n) },
]

const ascii = (b: Uint8Array) => new TextDecoder('latin1').decode(b)

describe('npy', () => {
  for (const c of cases) {
    it(`round-trips ${c.dtype} ${JSON.stringify(c.shape)}`, () => {
      const bytes = encodeNpy(c)
      const back = decodeNpy(bytes)
      expect(back.dtype).toBe(c.dtype)
      expect(back.shape).toEqual(c.shape)
      expect(back.data.constructor).toBe(c.data.constructor)
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(c.data as ArrayLike<number | bigint>))
      expect((bytes.length - c.data.byteLength) % 64, 'data starts on a 64-byte boundary').toBe(0)
    })
  }

  it('writes the exact header numpy writes (golden bytes)', () => {
    // np.save(np.zeros((2, 3), '<f4')): 10-byte prefix, HEADER_LEN 118, data at 128.
    const h = npyHeader([2, 3], '<f4')
    expect(h.length).toBe(128)
    expect(Array.from(h.subarray(0, 10))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0])
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
    expect(ascii(h.subarray(10))).toBe(dict + ' '.repeat(118 - dict.length - 1) + '\n')
    expect(ascii(npyHeader([7], '<u4'))).toContain("'shape': (7,), }")
    expect(ascii(npyHeader([], '<f4'))).toContain("'shape': (), }")
  })

  it('infers dtype from the typed array and checks data against shape and dtype', () => {
    expect(decodeNpy(encodeNpy({ data: new Int32Array(4), shape: [2, 2] })).dtype).toBe('<i4')
    expect(() => encodeNpy({ data: new Float32Array(5), shape: [2, 3] })).toThrow(/5 elements.*needs 6/)
    expect(() => encodeNpy({ data: new Float32Array(4), shape: [4], dtype: '<f2' })).toThrow(/needs a Uint16Array/)
    expect(() => encodeNpy({ data: new Float32Array(0), shape: [-1] })).toThrow(/non-negative/)
  })

  it('writes a 2.0 header only when the 1.0 length field would overflow', () => {
    const shape = Array.from({ length: 25000 }, () => 1)
    const h = npyHeader(shape, '|u1')
    expect(h[6]).toBe(2)
    expect(h.length % 64).toBe(0)
    const back = decodeNpy(encodeNpy({ data: Uint8Array.of(9), shape }))
    expect(back.shape.length).toBe(25000)
    expect(back.data[0]).toBe(9)
  })

  it('rejects bad magic, Fortran order, big-endian and truncated data with clear errors', () => {
    const good = encodeNpy({ data: Float32Array.of(1, 2, 3), shape: [3] })
    const wrongMagic = good.slice()
    wrongMagic[1] = 0x58
    expect(() => decodeNpy(wrongMagic, 'a.npy')).toThrow(/a\.npy: not a \.npy file \(missing \\x93NUMPY magic\)/)
    const swap = (from: string, to: string) => {
      const text = ascii(good).replace(from, to)
      return Uint8Array.from(text, (ch) => ch.charCodeAt(0))
    }
    expect(() => decodeNpy(swap("'fortran_order': False", "'fortran_order': True "))).toThrow(/Fortran-order/)
    expect(() => decodeNpy(swap("'<f4'", "'>f4'"))).toThrow(/unsupported \.npy dtype ">f4"/)
    try {
      decodeNpy(good.subarray(0, good.length - 1), 'b.npy')
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(PlafError)
      expect((e as PlafError).diagnostics[0]).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: 'b.npy' })
      expect((e as PlafError).message).toMatch(/needs 12 bytes, file has 11/)
    }
  })

  it('streams a file header-first through the atomic writer, invisible until commit', () => {
    const path = join(dir, 'stream.npy')
    const w = openAtomicWriter(path)
    w.write(npyHeader([3, 2], '<f4'))
    for (let r = 0; r < 3; r++) w.write(new Uint8Array(Float32Array.of(r, r + 0.5).buffer))
    expect(existsSync(path)).toBe(false)
    expect(w.commit()).toBe(128 + 24)
    expect(Array.from(decodeNpy(readFileSync(path)).data as Float32Array)).toEqual([0, 0.5, 1, 1.5, 2, 2.5])
    const aborted = openAtomicWriter(join(dir, 'aborted.npy'))
    aborted.write(npyHeader([1], '<f4'))
    aborted.abort()
    expect(readdirSync(dir).filter((f) => f.includes('aborted'))).toEqual([])
    expect(() => aborted.write(new Uint8Array(4))).toThrow(/already committed or aborted/)
  })

  it.skipIf(!hasNumpy)(`files load in numpy with identical values${numpyNote}`, () => {
    const files = cases.map((c, i) => {
      const f = join(dir, `case${i}.npy`)
      writeFileSync(f, encodeNpy(c))
      return f
    })
    const got = runPython(
      `import sys, json, numpy as np
out = []
for f in sys.argv[1:]:
    a = np.load(f)
    vals = [str(v) for v in a.ravel().tolist()] if a.dtype.kind in 'iu' else a.astype(np.float64).ravel().tolist()
    out.append({'dtype': a.dtype.str, 'shape': list(a.shape), 'c': bool(a.flags.c_contiguous), 'values': vals})
print(json.dumps(out))`,
      files,
    ) as Array<{ dtype: string; shape: number[]; c: boolean; values: Array<number | string> }>
    cases.forEach((c, i) => {
      expect(got[i].dtype).toBe(c.dtype)
      expect(got[i].shape).toEqual(c.shape)
      const expected = c.dtype === '<f2'
        ? Array.from(float16ToFloat32(c.data as Uint16Array))
        : c.dtype[1] === 'f' ? Array.from(c.data as Float32Array) : Array.from(c.data as ArrayLike<number | bigint>, String)
      expect(got[i].values).toEqual(expected)
    })
  })

  it.skipIf(!hasNumpy)(`reads what numpy writes, headers byte-identical${numpyNote}`, () => {
    const f = join(dir, 'from-numpy.npy')
    runPython(`import sys, json, numpy as np
np.save(sys.argv[1], np.arange(24, dtype='<f4').reshape(2, 3, 4) / 8)
print('null')`, [f])
    const bytes = readFileSync(f)
    const back = decodeNpy(bytes)
    expect(back.shape).toEqual([2, 3, 4])
    expect(Array.from(back.data as Float32Array)).toEqual(Array.from({ length: 24 }, (_, i) => i / 8))
    expect(Buffer.from(encodeNpy(back)).equals(bytes)).toBe(true)
  })
})
