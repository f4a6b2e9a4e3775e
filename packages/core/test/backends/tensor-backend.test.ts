import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  argmaxReference,
  createTensorBackend,
  matmulReference,
  normalizeRowsReference,
  probeTensorBackends,
  topkReference,
  type TensorBackend,
} from '../../src/backends/index.js'
import { float32ToFloat16 } from '../../src/formats/float16.js'

/** Deterministic values in [-1, 1) (mulberry32), so a failure reproduces. */
function random(n: number, seed: number): Float32Array {
  const out = new Float32Array(n)
  let s = seed >>> 0
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1
  }
  return out
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
  ])('matmul %i×%i·%i×… matches the reference', async (m, k, n) => {
    const a = random(m * k, m * 31 + k)
    const b = random(k * n, n * 17 + k)
    expectClose(await be.matmul(a, b, m, k, n), matmulReference(a, b, m, k, n))
  })

  it('matmul with an empty dimension gives zeros of the right size', async () => {
    expect(Array.from(await be.matmul(new Float32Array(0), new Float32Array(0), 2, 0, 3))).toEqual([0, 0, 0, 0, 0, 0])
  })

  it('normalizeRows: unit rows, zero rows stay zero, in place, like the reference', async () => {
    const m = 40
    const n = 1152
    const a = random(m * n, 7)
    a.fill(0, 3 * n, 4 * n)
    a.fill(0, (m - 1) * n)
    const want = normalizeRowsReference(a.slice(), m, n)
    const got = await be.normalizeRows(a, m, n)
    expect(got).toBe(a)
    expectClose(got, want)
    for (const r of [3, m - 1]) expect(got.subarray(r * n, r * n + n).every((v) => v === 0)).toBe(true)
    let s = 0
    for (let j = 0; j < n; j++) s += got[j] ** 2
    expect(Math.sqrt(s)).toBeCloseTo(1, 5)
    expect(Array.from(await be.normalizeRows(Float32Array.of(3, 4), 1, 2))).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)])
  })

  it('argmax: first index on ties, like the reference', async () => {
    const rows = Float32Array.of(5, 5, 5, 5, 1, 3, 3, 2, 0, 0, 1, 0, -2, -1, -1, -3)
    expect(Array.from(await be.argmax(rows, 4, 4))).toEqual([0, 1, 2, 1])
    const big = random(50 * 300, 3).map((v) => Math.round(v * 4))
    expect(Array.from(await be.argmax(big, 50, 300))).toEqual(Array.from(argmaxReference(big, 50, 300)))
  })

  it('topk: descending, lower index first on ties, k clamped to the row length', async () => {
    const rows = Float32Array.of(5, 5, 5, 5, 5, 1, 3, 3, 2, 3, 0, 0, 1, 0, 0, 2, 1, 2, 1, 2)
    const r = await be.topk(rows, 4, 5, 2)
    expect(Array.from(r.indices)).toEqual([0, 1, 1, 2, 2, 0, 0, 2])
    expect(Array.from(r.values)).toEqual([5, 5, 3, 3, 1, 0, 2, 2])
    const all = await be.topk(Float32Array.of(1, 2), 1, 2, 9)
    expect(Array.from(all.indices)).toEqual([1, 0])
  })

  it.each([3, 100, 999])('topk k=%i on 50×1000 rows full of ties matches the reference exactly', async (k) => {
    const a = random(50 * 1000, k).map((v) => Math.floor((v + 1) * 2))
    const want = topkReference(a, 50, 1000, k)
    const got = await be.topk(a, 50, 1000, k)
    expect(Array.from(got.indices)).toEqual(Array.from(want.indices))
    expect(Array.from(got.values)).toEqual(Array.from(want.values))
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
    const got = await be.toFloat16(Float32Array.from(cases.map((c) => c[0])))
    expect(Array.from(got).map((h) => h.toString(16))).toEqual(cases.map((c) => c[1].toString(16)))
    const nan = (await be.toFloat16(Float32Array.of(NaN)))[0]
    expect(nan & 0x7c00).toBe(0x7c00)
    expect(nan & 0x3ff).not.toBe(0)
    const many = random(4096, 11).map((v) => v * 70000)
    expect(Array.from(await be.toFloat16(many))).toEqual(Array.from(float32ToFloat16(many)))
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
