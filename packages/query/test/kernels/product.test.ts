import wabtInit from 'wabt'
import { describe, expect, it } from 'vitest'
import { PointGather } from '../../src/kernels/gather.js'
import { pointChunk, PoolProduct, PRODUCT_WASM, PRODUCT_WAT } from '../../src/kernels/product.js'
import { prng } from '../fixtures.js'

const f = Math.fround

/**
 * The product in the kernel's stated order, every step rounded to float32: per row and query,
 * lane l sums the products of columns j ≡ l (mod 4) below D − D mod 4 in order, the lanes are
 * added as (l0 + l1) + (l2 + l3), then the last D mod 4 products in order. Q×rows.
 */
function naive(pool: Float32Array, rows: number, d: number, texts: Float32Array, q: number): Float32Array {
  const out = new Float32Array(q * rows)
  const dv = d - (d % 4)
  for (let i = 0; i < q; i++) {
    for (let r = 0; r < rows; r++) {
      const lane = [0, 0, 0, 0]
      for (let j = 0; j < dv; j++) lane[j % 4] = f(lane[j % 4] + f(pool[r * d + j] * texts[i * d + j]))
      let s = f(f(lane[0] + lane[1]) + f(lane[2] + lane[3]))
      for (let j = dv; j < d; j++) s = f(s + f(pool[r * d + j] * texts[i * d + j]))
      out[i * rows + r] = s
    }
  }
  return out
}

/** The dot product in float64 (the exact value's close neighbour), for the error bound. */
function exact(pool: Float32Array, r: number, d: number, texts: Float32Array, i: number): { dot: number; abs: number } {
  let dot = 0
  let abs = 0
  for (let j = 0; j < d; j++) {
    dot += pool[r * d + j] * texts[i * d + j]
    abs += Math.abs(pool[r * d + j] * texts[i * d + j])
  }
  return { dot, abs }
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length))

function random(rand: () => number, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rand() * 2 - 1)
}

describe('PRODUCT_WASM', () => {
  it('is the binary of PRODUCT_WAT (wabt)', async () => {
    const wabt = await wabtInit()
    // the memory is shared (the helper thread runs the same kernel on it): wabt's threads feature
    const mod = wabt.parseWat('product.wat', PRODUCT_WAT, { threads: true })
    // wabt's validate takes the features too; its .d.ts (1.0.39) does not say so
    ;(mod.validate as (features: { threads: boolean }) => void)({ threads: true })
    expect(Buffer.from(mod.toBinary({}).buffer).toString('base64')).toBe(PRODUCT_WASM)
    mod.destroy()
  })
})

describe('PoolProduct', () => {
  it('equals the naive float32 product in its stated order bit for bit: rows mod 8 and mod 4 (blocks of 8, 4, 1), D mod 4, Q = 0, 1, 3', () => {
    const rand = prng(31)
    for (const rows of [0, 1, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15, 16, 17, 21, 29]) {
      for (const d of [1, 2, 3, 4, 5, 7, 8, 13, 64]) {
        const pool = random(rand, rows * d)
        const kernel = PoolProduct.create(pool, rows, d, { threads: 1 })!
        for (const q of [0, 1, 3]) {
          const texts = random(rand, q * d)
          expect(bits(kernel.dots(texts, q))).toEqual(bits(naive(pool, rows, d, texts, q)))
        }
      }
    }
  })

  it('is within float32 rounding of the float64 dot product', () => {
    const rand = prng(32)
    const rows = 37
    const d = 1152
    const pool = random(rand, rows * d)
    const texts = random(rand, 2 * d)
    const got = PoolProduct.create(pool, rows, d, { threads: 1 })!.dots(texts, 2)
    for (let i = 0; i < 2; i++) {
      for (let r = 0; r < rows; r++) {
        const { dot, abs } = exact(pool, r, d, texts, i)
        // a float32 sum of D/4 + 3 terms per lane: |error| ≤ (D/4 + 3)·2⁻²⁴·Σ|products| (with room)
        expect(Math.abs(got[i * rows + r] - dot)).toBeLessThanOrEqual((d / 4 + 3) * 2 ** -24 * abs)
      }
    }
  })

  it('gives the same bits on two threads as on one, over more queries than one threaded pass holds', async () => {
    const rand = prng(33)
    const rows = 203
    const d = 37
    const pool = random(rand, rows * d)
    const one = PoolProduct.create(pool, rows, d, { threads: 1 })!
    const two = PoolProduct.create(pool, rows, d, { threads: 2 })!
    expect(one.threads).toBe(1)
    expect(two.threads).toBe(2)
    expect(two.bytes).toBe(one.bytes) // one memory, shared with the helper: no second copy
    // the helper starts in the background: before and after it is up, the result is the same
    for (let round = 0; round < 3; round++) {
      if (round === 1) await two.ready
      for (const q of [1, 11]) {
        const texts = random(rand, q * d)
        const want = bits(naive(pool, rows, d, texts, q))
        expect(bits(one.dots(texts, q))).toEqual(want)
        expect(bits(two.dots(texts, q))).toEqual(want)
      }
      await new Promise((r) => setTimeout(r, 200))
    }
    expect(two.helperShare).not.toBeNull()
    expect(one.helperShare).toBeNull()
    two.dispose()
    const texts = random(rand, 2 * d)
    expect(bits(two.dots(texts, 2))).toEqual(bits(naive(pool, rows, d, texts, 2)))
  })

  it('keeps its own copy of the pool', () => {
    const pool = Float32Array.of(1, 2, 3, 4, 5, 6)
    const kernel = PoolProduct.create(pool, 2, 3)!
    pool.fill(0)
    expect(Array.from(kernel.dots(Float32Array.of(1, 1, 1), 1))).toEqual([6, 15])
  })

  it('refuses bad texts, query counts and thread counts, and declines a pool larger than its memory', () => {
    const kernel = PoolProduct.create(new Float32Array(12), 3, 4)!
    expect(kernel.threads).toBe(1) // below THREADED_MIN_VALUES no helper thread by default
    expect(() => kernel.dots(new Float32Array(5), 1)).toThrow(/texts has 5 values for 1 queries × 4 dimensions/)
    expect(() => kernel.dots(new Float32Array(0), 1.5)).toThrow(/whole number of queries/)
    expect(() => PoolProduct.create(new Float32Array(12), 3, 4, { threads: 3 })).toThrow(/threads must be 1 or 2/)
    expect(() => PoolProduct.create(new Float32Array(12), 3, 4, { idleSpinMs: -1 })).toThrow(/idleSpinMs must be between 0 and 1000/)
    expect(() => PoolProduct.create(new Float32Array(11), 3, 4)).toThrow(/11 values for 3×4/)
    expect(PoolProduct.create(new Float32Array(65536), 1024, 64, { maxBytes: 65536 * 4 })).toBeNull()
    const small = PoolProduct.create(new Float32Array(12), 3, 4, { maxBytes: 65536 })!
    expect(small.fits(100)).toBe(true)
    expect(small.fits(10000)).toBe(false)
    expect(() => small.dots(new Float32Array(40000), 10000)).toThrow(/10000 queries × 3 pool rows do not fit/)
  })
})

describe('PoolProduct.query (product, cosines and gather in one job)', () => {
  // M = 203 (not a multiple of 8), N = 1,237 (not a multiple of 8, nor of the 32 chunks' size)
  const rows = 203
  const d = 37
  const n = 1237
  const rand = prng(40)
  const pool = random(rand, rows * d)
  const refs = Uint32Array.from({ length: n }, () => Math.floor(rand() * rows))
  /** A stand-in for the cosines: any per-entry map of the products, fixed by `k`. */
  const scale = (k: number) => (p: Float32Array) => Float32Array.from(p, (x) => x / (k + 1.5))
  /** What `query` must equal: the naive product, `between`, then the naive gather, Q×N. */
  function want(texts: Float32Array, q: number, k: number): number[] {
    const cos = scale(k)(naive(pool, rows, d, texts, q))
    const out = new Float32Array(q * n)
    for (let i = 0; i < q; i++) for (let p = 0; p < n; p++) out[i * n + p] = cos[i * rows + refs[p]]
    return bits(out)
  }

  it('splits the points into chunks that cover them once, whatever N', () => {
    for (const count of [0, 1, 7, 8, 255, 256, 1237, 1_000_003]) {
      let next = 0
      for (let k = 0; k < 32; k++) {
        const [from, to] = pointChunk(count, k)
        expect(from).toBe(next)
        expect(to).toBeGreaterThanOrEqual(from)
        next = to
      }
      expect(next).toBe(count)
    }
  })

  it('is bit-identical to dots, the cosines and the gather one after the other: one thread, two (before and after the helper is up), Q = 0, 1, 3, then 2', async () => {
    const gather1 = new PointGather(refs, rows)
    const one = PoolProduct.create(pool, rows, d, { threads: 1, gather: gather1 })!
    const gather2 = new PointGather(refs, rows)
    const two = PoolProduct.create(pool, rows, d, { threads: 2, gather: gather2 })!
    let k = 0
    for (let round = 0; round < 4; round++) {
      if (round === 1) await two.ready
      for (const q of [1, 3, 0, 2, 1]) {
        const texts = random(rand, q * d)
        k++
        const expected = want(texts, q, k)
        expect(bits(one.query(texts, q, gather1, scale(k)))).toEqual(expected)
        expect(bits(two.query(texts, q, gather2, scale(k)))).toEqual(expected)
      }
      if (round === 2) await new Promise((r) => setTimeout(r, 100)) // the helper asleep, then woken
    }
    expect(two.helperGatherShare).not.toBeNull()
    expect(one.helperGatherShare).toBeNull()
    two.dispose()
  })

  it('many queries back to back with other Q and texts each time: no late helper writes into a finished or later job', async () => {
    const gather = new PointGather(refs, rows)
    // without the idle spin (the helper sleeps after every job) and with a long one (it stays awake)
    for (const idleSpinMs of [0, 50]) {
      const two = PoolProduct.create(pool, rows, d, { threads: 2, gather, idleSpinMs })!
      await two.ready
      for (let k = 0; k < 100; k++) {
        const q = 1 + (k % 3)
        const texts = random(rand, q * d)
        expect(bits(two.query(texts, q, gather, scale(k)))).toEqual(want(texts, q, k))
      }
      two.dispose()
    }
    const two = PoolProduct.create(pool, rows, d, { threads: 2, gather })!
    await two.ready
    for (let k = 0; k < 150; k++) {
      const q = 1 + (k % 3)
      const texts = random(rand, q * d)
      const got = bits(two.query(texts, q, gather, scale(k)))
      expect(got).toEqual(want(texts, q, k))
    }
    two.dispose()
  })

  it('a helper that gives up waiting for the gather phase, a cosine step that throws, a disposed helper: results stay right', async () => {
    const gather = new PointGather(refs, rows)
    const two = PoolProduct.create(pool, rows, d, { threads: 2, gather })!
    await two.ready
    const texts = random(rand, 2 * d)
    // between takes longer than the helper's bounded spin: it goes back to sleep, this thread gathers alone
    const slow = (p: Float32Array) => {
      const t = performance.now()
      while (performance.now() - t < 15);
      return scale(7)(p)
    }
    expect(bits(two.query(texts, 2, gather, slow))).toEqual(want(texts, 2, 7))
    expect(() => two.query(texts, 2, gather, () => {
      throw new Error('cosines failed')
    })).toThrow(/cosines failed/)
    for (let k = 0; k < 5; k++) expect(bits(two.query(texts, 2, gather, scale(k)))).toEqual(want(texts, 2, k))
    // a gather the helper was not given is gathered by this thread alone, the same bits
    const other = new PointGather(refs, rows)
    expect(bits(two.query(texts, 2, other, scale(3)))).toEqual(want(texts, 2, 3))
    two.dispose()
    expect(bits(two.query(texts, 2, gather, scale(4)))).toEqual(want(texts, 2, 4))
  })

  it('refuses a gather of another pool size, or one without the WebAssembly kernel', () => {
    const kernel = PoolProduct.create(pool, rows, d, { threads: 1 })!
    const texts = random(rand, d)
    expect(() => kernel.query(texts, 1, new PointGather(new Uint32Array(5), rows + 1), scale(0))).toThrow(/made for 204 pool rows, the product kernel holds 203/)
    expect(() => kernel.query(texts, 1, new PointGather(refs, rows, { kernel: 'js' }), scale(0))).toThrow(/WebAssembly kernel/)
  })
})
