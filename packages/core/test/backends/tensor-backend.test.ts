import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTensorBackend, probeTensorBackends, type TensorBackend } from '../../src/backends/index.js'
import { mulberry32 } from '../../src/testing/index.js'

/** Deterministic values in [-1, 1) (mulberry32), so a failure reproduces. */
function random(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed)
  return Float32Array.from({ length: n }, () => rand() * 2 - 1)
}

// Oracles written independently of src/backends/reference.ts and src/formats/float16.ts (which
// the reference and tfjs backends run), so that no backend is checked against itself: each one
// the plainest way, in float64.

function naiveMatmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const c = new Float32Array(m * n)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0
      for (let p = 0; p < k; p++) sum += a[i * k + p] * b[p * n + j]
      c[i * n + j] = sum
    }
  }
  return c
}

function naiveNormalizeRows(a: Float32Array, m: number, n: number): Float32Array {
  const out = new Float32Array(m * n)
  for (let i = 0; i < m; i++) {
    const row = Array.from(a.subarray(i * n, i * n + n))
    const norm = Math.hypot(...row)
    row.forEach((v, j) => (out[i * n + j] = norm === 0 ? 0 : v / norm))
  }
  return out
}

const rowsOf = (a: Float32Array, m: number, n: number): number[][] => Array.from({ length: m }, (_, i) => Array.from(a.subarray(i * n, i * n + n)))

/** First index of the row's maximum. */
const naiveArgmax = (a: Float32Array, m: number, n: number): number[] => rowsOf(a, m, n).map((r) => r.indexOf(Math.max(...r)))

/** Indices by value descending, then index ascending; the first k of each row. */
function naiveTopk(a: Float32Array, m: number, n: number, k: number): { indices: number[]; values: number[] } {
  const picked = rowsOf(a, m, n).map((r) =>
    r
      .map((v, j) => ({ v, j }))
      .sort((x, y) => (x.v === y.v ? x.j - y.j : y.v - x.v))
      .slice(0, k),
  )
  return { indices: picked.flatMap((r) => r.map((e) => e.j)), values: picked.flatMap((r) => r.map((e) => e.v)) }
}

/**
 * IEEE half bits of a float32 value, round to nearest even: |v| = r·2^(e-10) with e = max(⌊log2|v|⌋,
 * -14) and r rounded to an integer (ties to even); the bits are then (e+15)·1024 + r − 1024, which
 * also covers subnormals (e = -14, r < 1024) and a rounding carry into the next exponent.
 */
function naiveHalfBits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0
  const x = Math.abs(v)
  if (x === 0) return sign
  if (x === Infinity) return sign | 0x7c00
  let e = Math.floor(Math.log2(x))
  if (2 ** e > x) e--
  if (2 ** (e + 1) <= x) e++
  e = Math.max(e, -14)
  const n = x / 2 ** (e - 10)
  const f = Math.floor(n)
  const r = n - f > 0.5 || (n - f === 0.5 && f % 2 === 1) ? f + 1 : f
  return sign | Math.min((e + 15) * 1024 + r - 1024, 0x7c00)
}

function expectClose(got: Float32Array, want: Float32Array, rel = 1e-4): void {
  expect(got.length).toBe(want.length)
  let worst = 0
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])))
  expect(worst).toBeLessThanOrEqual(rel)
}

const probes = await probeTensorBackends()
for (const p of probes.filter((p) => p.status !== 'available')) {
  describe(`${p.name} backend`, () => it.skip(`unavailable here: ${p.why}`, () => {}))
}

describe.each(probes.filter((p) => p.status === 'available'))('$name backend', ({ name }) => {
  let be: TensorBackend
  beforeAll(async () => {
    be = await createTensorBackend(name)
  })
  afterAll(async () => {
    await be?.dispose()
  })

  it('reports its name and a device', () => {
    expect(be.name).toBe(name)
    expect(be.device).toMatch(/\S/)
  })

  it('matmul: hand-computed 1×1 and 2×3·3×2', async () => {
    expect(Array.from(await be.matmul(Float32Array.of(3), Float32Array.of(-2), 1, 1, 1))).toEqual([-6])
    const c = await be.matmul(Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(7, 8, 9, 10, 11, 12), 2, 3, 2)
    expect(Array.from(c)).toEqual([58, 64, 139, 154])
  })

  it.each([
    [1, 1, 1],
    [1, 7, 1],
    [300, 3, 2],
    [2, 5, 300],
    [50, 1024, 140],
  ])('matmul %i×%i·%i×… matches a naive float64 oracle', async (m, k, n) => {
    const a = random(m * k, m * 31 + k)
    const b = random(k * n, n * 17 + k)
    expectClose(await be.matmul(a, b, m, k, n), naiveMatmul(a, b, m, k, n))
  })

  it('matmul with an empty dimension gives zeros of the right size', async () => {
    expect(Array.from(await be.matmul(new Float32Array(0), new Float32Array(0), 2, 0, 3))).toEqual([0, 0, 0, 0, 0, 0])
  })

  it('normalizeRows: unit rows, zero rows stay zero, in place, like a naive float64 oracle', async () => {
    const m = 40
    const n = 1152
    const a = random(m * n, 7)
    a.fill(0, 3 * n, 4 * n)
    a.fill(0, (m - 1) * n)
    const want = naiveNormalizeRows(a, m, n)
    const got = await be.normalizeRows(a, m, n)
    expect(got).toBe(a)
    expectClose(got, want)
    for (const r of [3, m - 1]) expect(got.subarray(r * n, r * n + n).every((v) => v === 0)).toBe(true)
    let s = 0
    for (let j = 0; j < n; j++) s += got[j] ** 2
    expect(Math.sqrt(s)).toBeCloseTo(1, 5)
    expect(Array.from(await be.normalizeRows(Float32Array.of(3, 4), 1, 2))).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)])
  })

  it('argmax: first index on ties, like a naive oracle', async () => {
    const rows = Float32Array.of(5, 5, 5, 5, 1, 3, 3, 2, 0, 0, 1, 0, -2, -1, -1, -3)
    expect(Array.from(await be.argmax(rows, 4, 4))).toEqual([0, 1, 2, 1])
    const big = random(50 * 300, 3).map((v) => Math.round(v * 4))
    expect(Array.from(await be.argmax(big, 50, 300))).toEqual(naiveArgmax(big, 50, 300))
  })

  it('topk: descending, lower index first on ties, k clamped to the row length', async () => {
    const rows = Float32Array.of(5, 5, 5, 5, 5, 1, 3, 3, 2, 3, 0, 0, 1, 0, 0, 2, 1, 2, 1, 2)
    const r = await be.topk(rows, 4, 5, 2)
    expect(Array.from(r.indices)).toEqual([0, 1, 1, 2, 2, 0, 0, 2])
    expect(Array.from(r.values)).toEqual([5, 5, 3, 3, 1, 0, 2, 2])
    const all = await be.topk(Float32Array.of(1, 2), 1, 2, 9)
    expect(Array.from(all.indices)).toEqual([1, 0])
  })

  it.each([3, 100, 999])('topk k=%i on 50×1000 rows full of ties matches a naive sort exactly', async (k) => {
    const a = random(50 * 1000, k).map((v) => Math.floor((v + 1) * 2))
    const want = naiveTopk(a, 50, 1000, k)
    const got = await be.topk(a, 50, 1000, k)
    expect(Array.from(got.indices)).toEqual(want.indices)
    expect(Array.from(got.values)).toEqual(want.values)
  })

  it('toFloat16: exact bits for rounding, subnormals, overflow and specials', async () => {
    const cases: [number, number][] = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff],
      [65519, 0x7bff], // just under the rounding boundary
      [65520, 0x7c00], [1e9, 0x7c00], [-1e9, 0xfc00], // overflow → ±Infinity
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], // smallest subnormal; ties to even
      [2 ** -14, 0x0400], [2 ** -14 - 2 ** -24, 0x03ff], // normal/subnormal edge
      [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], // ties to even in normals
      [Infinity, 0x7c00], [-Infinity, 0xfc00],
    ]
    expect(cases.map((c) => naiveHalfBits(c[0])), 'the naive oracle itself').toEqual(cases.map((c) => c[1]))
    const got = await be.toFloat16(Float32Array.from(cases.map((c) => c[0])))
    expect(Array.from(got).map((h) => h.toString(16))).toEqual(cases.map((c) => c[1].toString(16)))
    const nan = (await be.toFloat16(Float32Array.of(NaN)))[0]
    expect(nan & 0x7c00).toBe(0x7c00)
    expect(nan & 0x3ff).not.toBe(0)
    const many = random(4096, 11).map((v) => v * 70000)
    expect(Array.from(await be.toFloat16(many))).toEqual(Array.from(many, naiveHalfBits))
  })

  it('fromFloat16: every half bit pattern decodes to the exact value', async () => {
    const bits = new Uint16Array(65536).map((_, i) => i)
    const got = await be.fromFloat16(bits)
    expect(got[0x3c00]).toBe(1)
    expect(got[0x0001]).toBe(2 ** -24)
    expect(got[0x7bff]).toBe(65504)
    expect(got[0xfc00]).toBe(-Infinity)
    expect(Number.isNaN(got[0x7e00])).toBe(true)
    for (let i = 0; i < 65536; i++) {
      const e = (i >> 10) & 0x1f
      if (e === 31 && i & 0x3ff) continue // NaNs checked above
      const s = i & 0x8000 ? -1 : 1
      const m = i & 0x3ff
      const want = e === 0 ? s * m * 2 ** -24 : e === 31 ? s * Infinity : s * (1 + m / 1024) * 2 ** (e - 15)
      if (got[i] !== want) expect([i, got[i]]).toEqual([i, want])
    }
  })
})
