import { PlafError } from '@plaf/core'
import wabtInit from 'wabt'
import { describe, expect, it } from 'vitest'
import { GATHER_WASM, GATHER_WAT, gatherFlags, gatherRow, PointGather } from '../../src/kernels/gather.js'
import { prng } from '../fixtures.js'

/** The naive gather the kernels must equal bit for bit. */
function naive(row: Float32Array, refs: ArrayLike<number>): Float32Array {
  const out = new Float32Array(refs.length)
  for (let i = 0; i < refs.length; i++) out[i] = row[refs[i]]
  return out
}

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length)

function randomRefs(rand: () => number, n: number, m: number): Uint32Array {
  return Uint32Array.from({ length: n }, () => Math.floor(rand() * m))
}

function randomRows(rand: () => number, q: number, m: number): Float32Array {
  const rows = Float32Array.from({ length: q * m }, () => rand() * 2 - 1)
  // values a float64 round trip could disturb: −0, subnormals, ±Infinity, a NaN with a payload
  if (rows.length > 4) {
    rows[0] = -0
    rows[1] = 1e-42
    rows[2] = -Infinity
    bits(rows)[3] = 0x7fc00001
  }
  return rows
}

describe('GATHER_WASM', () => {
  it('is the binary of GATHER_WAT (wabt)', async () => {
    const wabt = await wabtInit()
    // the memory is shared (a product kernel's helper thread may gather too): wabt's threads feature
    const mod = wabt.parseWat('gather.wat', GATHER_WAT, { threads: true })
    ;(mod.validate as (features: { threads: boolean }) => void)({ threads: true })
    expect(Buffer.from(mod.toBinary({}).buffer).toString('base64')).toBe(GATHER_WASM)
    mod.destroy()
  })
})

describe('gatherRow', () => {
  it('equals the naive gather for every length mod 8, with uint16 and uint32 indices', () => {
    const rand = prng(3)
    const row = randomRows(rand, 1, 37)
    for (let n = 0; n < 20; n++) {
      const refs = randomRefs(rand, n, 37)
      const out = new Float32Array(n)
      gatherRow(row, refs, out)
      expect(out).toEqual(naive(row, refs))
      const out16 = new Float32Array(n)
      gatherRow(row, Uint16Array.from(refs), out16)
      expect(out16).toEqual(out)
    }
  })
})

describe('gatherFlags', () => {
  it('gives each point its row\'s flag, every length mod 8', () => {
    const rand = prng(4)
    const flags = Uint8Array.from({ length: 29 }, () => (rand() < 0.5 ? 1 : 0))
    for (let n = 0; n < 20; n++) {
      const refs = randomRefs(rand, n, 29)
      const out = new Uint8Array(n)
      gatherFlags(flags, refs, out)
      expect(Array.from(out)).toEqual(Array.from(refs, (r) => flags[r]))
    }
  })
})

describe('PointGather', () => {
  for (const [label, m] of [['uint16 refs (M ≤ 65,536)', 300], ['uint32 refs (M > 65,536)', 70_000]] as const) {
    it(`${label}: bit-identical to the naive gather for Q queries, every length mod 8`, () => {
      const rand = prng(m)
      for (const n of [0, 1, 7, 8, 9, 1003]) {
        const refs = randomRefs(rand, n, m)
        refs[0 % Math.max(1, n)] = n ? m - 1 : 0 // the last row is reachable
        const q = 3
        const rows = randomRows(rand, q, m)
        for (const kernel of ['auto', 'js'] as const) {
          const g = new PointGather(refs, m, { kernel })
          expect(g.kernel).toBe(kernel === 'js' ? 'js' : 'wasm')
          if (kernel === 'auto') expect(g.refBits).toBe(m <= 65536 ? 16 : 32)
          const out = g.gather(rows, q)
          expect(out).toHaveLength(q * n)
          for (let i = 0; i < q; i++) {
            expect(bits(out.subarray(i * n, i * n + n))).toEqual(bits(naive(rows.subarray(i * m, i * m + m), refs)))
          }
        }
      }
    })
  }

  it('reuses its output: the same memory from call to call, overwritten with the new scores', () => {
    const rand = prng(5)
    const refs = randomRefs(rand, 500, 40)
    const g = new PointGather(refs, 40)
    const a = randomRows(rand, 2, 40)
    const b = randomRows(rand, 2, 40)
    const first = g.gather(a, 2)
    const copy = first.slice()
    const second = g.gather(b, 2)
    expect(second.buffer).toBe(first.buffer)
    expect(second.byteOffset).toBe(first.byteOffset)
    expect(first).toEqual(second) // the same memory: the first result was overwritten
    expect(second).not.toEqual(copy)
    expect(second.subarray(500)).toEqual(naive(b.subarray(40), refs))
    // fewer queries: a prefix of the same memory; more: the memory grows and the scores are right
    expect(g.gather(a.subarray(0, 40), 1)).toEqual(copy.subarray(0, 500))
    const three = randomRows(rand, 3, 40)
    const out3 = g.gather(three, 3)
    expect(out3.subarray(1000)).toEqual(naive(three.subarray(80), refs))
    expect(g.bytes).toBeGreaterThanOrEqual(500 * 2 + 3 * 4 * (500 + 40))
  })

  it('says when Q queries do not fit its memory, and refuses to reserve them', () => {
    const refs = randomRefs(prng(6), 1000, 10)
    const g = new PointGather(refs, 10, { maxBytes: 3 * 65536 })
    expect(g.kernel).toBe('wasm')
    expect(g.fits(40)).toBe(true)
    expect(g.fits(60)).toBe(false)
    expect(() => g.reserve(60)).toThrow(/60 queries × 1000 points do not fit the gather's 196608 bytes of memory/)
    expect(new PointGather(refs, 10, { kernel: 'js' }).fits(1e6)).toBe(true)
  })

  it('refuses a ref outside the pool (PLAF_INPUT_INVALID naming the point), and wrong sizes', () => {
    const refs = Uint32Array.of(0, 3, 4, 1)
    let err: unknown
    try {
      new PointGather(refs, 4)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(PlafError)
    expect(err).toMatchObject({ code: 'PLAF_INPUT_INVALID', message: expect.stringMatching(/point 2 refers to pool row 4, but the pool has 4 rows/) })
    const g = new PointGather(refs, 5)
    expect(() => g.gather(new Float32Array(9), 2)).toThrow(/rows has 9 scores for 2 queries × 5 pool rows/)
    g.reserve(1)
    expect(() => g.gatherInto(new Float32Array(5), 1)).toThrow(/query slot 1 was not reserved/)
    expect(() => g.gatherInto(new Float32Array(4), 0)).toThrow(/row has 4 scores for 5 pool rows/)
  })
})
