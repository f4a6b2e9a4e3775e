import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeSafetensors, encodeSafetensors } from '../src/index.js'
import { hasNumpy, numpyNote, runPython, tempDir } from './fixtures.js'

let cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups) c()
  cleanups = []
})

describe('safetensors codec', () => {
  it('lays out the bytes as the spec says (computed by hand)', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'I8', shape: [2], data: new Int8Array([1, -2]) }, b: { dtype: 'F32', shape: [1], data: new Float32Array([1.5]) } }, { k: 'v' })
    const json = '{"__metadata__":{"k":"v"},"a":{"dtype":"I8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}'
    const padded = json + ' '.repeat((8 - (json.length % 8)) % 8)
    expect(padded.length % 8).toBe(0)
    const expected = [
      ...[padded.length, 0, 0, 0, 0, 0, 0, 0], // u64 little-endian (the header is < 256 bytes)
      ...Buffer.from(padded, 'utf8'),
      1, 0xfe, // int8 1, -2
      0, 0, 0xc0, 0x3f, // float32 1.5 little-endian
    ]
    expect(Array.from(bytes)).toEqual(expected)
    const back = decodeSafetensors(bytes)
    expect(back.metadata).toEqual({ k: 'v' })
    expect(Array.from(back.tensors.a.data)).toEqual([1, -2])
    expect(Array.from(back.tensors.b.data)).toEqual([1.5])
  })

  it('round-trips every dtype it knows', () => {
    const t = {
      f32: { dtype: 'F32' as const, shape: [2, 3], data: new Float32Array([0.1, -2, 3, 4, 5, 6]) },
      f16: { dtype: 'F16' as const, shape: [3], data: new Uint16Array([0x3c00, 0xc000, 0]) },
      i8: { dtype: 'I8' as const, shape: [1, 3], data: new Int8Array([-127, 0, 127]) },
      u8: { dtype: 'U8' as const, shape: [1], data: new Uint8Array([255]) },
      u16: { dtype: 'U16' as const, shape: [2], data: new Uint16Array([1, 65535]) },
      u32: { dtype: 'U32' as const, shape: [1], data: new Uint32Array([4e9]) },
      i32: { dtype: 'I32' as const, shape: [0], data: new Int32Array(0) },
    }
    expect(decodeSafetensors(encodeSafetensors(t)).tensors).toEqual(t)
  })

  it('refuses files that break the spec, naming the file and the rule', () => {
    const good = encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } })
    expect(() => decodeSafetensors(good.subarray(0, 5), 'x.safetensors')).toThrow(/x\.safetensors is not a valid safetensors file: 5 bytes/)
    expect(() => decodeSafetensors(good.subarray(0, good.length - 1), 'x.safetensors')).toThrow(/cover 8 bytes but the buffer holds 7/)
    const big = good.slice()
    big[0] = 250
    expect(() => decodeSafetensors(big, 'x.safetensors')).toThrow(/header length 250 exceeds/)
    const json = (h: unknown) => {
      let s = JSON.stringify(h)
      s += ' '.repeat((8 - (s.length % 8)) % 8)
      const out = new Uint8Array(8 + s.length + 8)
      new DataView(out.buffer).setBigUint64(0, BigInt(s.length), true)
      out.set(Buffer.from(s), 8)
      return out
    }
    expect(() => decodeSafetensors(json({ a: { dtype: 'BF16', shape: [4], data_offsets: [0, 8] } }))).toThrow(/dtype "BF16"/)
    expect(() => decodeSafetensors(json({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }))).toThrow(/span 8 bytes, shape \[3\] of F32 needs 12/)
    expect(() => decodeSafetensors(json({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }))).toThrow(/holes and overlaps/)
  })

  it.skipIf(!hasNumpy)(`numpy reads the tensors from the raw buffer by the header's offsets${numpyNote}`, () => {
    const t = tempDir('safetensors')
    cleanups.push(t.cleanup)
    const f32 = new Float32Array([0.25, -1, 3.5, 7, 1e-3, -2])
    const i8 = new Int8Array([-127, -1, 0, 1, 127])
    const file = join(t.dir, 't.safetensors')
    writeFileSync(file, encodeSafetensors({ x: { dtype: 'F32', shape: [2, 3], data: f32 }, q: { dtype: 'I8', shape: [5], data: i8 } }, { space: 's' }))
    const got = runPython(`import sys, json, struct, numpy as np
b = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n]); buf = b[8 + n:]
out = {'meta': h['__metadata__']}
for k, t in h.items():
    if k == '__metadata__': continue
    s, e = t['data_offsets']
    out[k] = np.frombuffer(buf[s:e], dtype={'F32': '<f4', 'I8': 'i1'}[t['dtype']]).reshape(t['shape']).tolist()
print(json.dumps(out))`, [file]) as Record<string, unknown>
    expect(got).toEqual({ meta: { space: 's' }, x: [[0.25, -1, 3.5], [7, Math.fround(1e-3), -2]], q: Array.from(i8) })
  })
})
