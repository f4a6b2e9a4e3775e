// mask-mean `adaptor`: before-average (official) vs after-average, on grids whose backbone
// features and adaptor are known, against a dense float64 computation written here.
import { createReferenceBackend, PlafError, validateOptions, type FeatureGrid, type MaskSet } from '@plaf/core'
import { adaptorForward, adaptorWeights, createRunContext, createTestContext, denseMaskMeanOracle, naiveUpsample, type AdaptorWeights } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { aggregateMasks, maskMeanAggregator, MASK_MEAN_DEFAULTS, type MaskMeanOptions, type RowAdaptor } from '../src/index.js'
import { prng, randomGrid, randomMasks, rect, maskFromFull, resizeTransform } from './fixtures.js'

const tensor = createReferenceBackend()
const opts = (o: Partial<MaskMeanOptions>): MaskMeanOptions => ({ ...MASK_MEAN_DEFAULTS, ...o })
const [H, W, h, w, C, D] = [29, 37, 5, 7, 6, 5]

/** A RowAdaptor computing `f` per row in float64 (the reference forward, not the ONNX graph). */
function rowAdaptor(inDim: number, outDim: number, f: (row: Float32Array) => ArrayLike<number>): RowAdaptor & { calls: number[] } {
  const calls: number[] = []
  return {
    inDim, outDim, calls,
    async apply(rows, n) {
      calls.push(n)
      const out = new Float32Array(n * outDim)
      for (let i = 0; i < n; i++) out.set(Float32Array.from(f(rows.subarray(i * inDim, (i + 1) * inDim))), i * outDim)
      return out
    },
  }
}
const mlp = (a: AdaptorWeights) => rowAdaptor(a.inDim, a.outDim, (r) => adaptorForward(a, r))

/** The grid as a RADIO export gives it: data = the adaptor on every cell, adaptor.data = the backbone's cells. */
function splitGrid(backbone: FeatureGrid, project: (row: Float32Array) => ArrayLike<number>, d: number): FeatureGrid {
  const cells = backbone.shape[0] * backbone.shape[1]
  const c = backbone.shape[2]
  const data = new Float32Array(cells * d)
  for (let i = 0; i < cells; i++) data.set(Float32Array.from(project(backbone.data.subarray(i * c, (i + 1) * c))), i * d)
  return { data, shape: [backbone.shape[0], backbone.shape[1], d], transform: backbone.transform, space: 'text-space', adaptor: { data: backbone.data, dim: c, model: 'radio-test@1.0.0' } }
}

/** Dense, in float64: per mask the mean of the L2-normalised upsampled backbone pixels, then f, then L2-normalised. */
function denseAfterAverage(backbone: FeatureGrid, set: MaskSet, f: (row: Float64Array) => ArrayLike<number>, d: number): Float64Array[] {
  const c = backbone.shape[2]
  const up = naiveUpsample(backbone, set.height, set.width)
  for (let p = 0; p < set.width * set.height; p++) {
    let n2 = 0
    for (let k = 0; k < c; k++) n2 += up[p * c + k]! ** 2
    const inv = 1 / Math.max(Math.sqrt(n2), 1e-12)
    for (let k = 0; k < c; k++) up[p * c + k]! *= inv
  }
  // ids follow area order, largest first, stable
  const order = set.masks.map((m, i) => [m.area, i] as const).sort((a, b) => b[0] - a[0]).map(([, i]) => i)
  return order.map((mi) => {
    const m = set.masks[mi]!
    const mean = new Float64Array(c)
    let n = 0
    const [x0, y0, bw, bh] = m.bbox
    for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) {
      if (!m.bitmap[y * bw + x]) continue
      const p = (y0 + y) * set.width + x0 + x
      for (let k = 0; k < c; k++) mean[k] += up[p * c + k]!
      n++
    }
    if (n === 0) return new Float64Array(d)
    for (let k = 0; k < c; k++) mean[k] /= n
    const out = Float64Array.from(f(mean))
    const norm = Math.hypot(...out)
    return out.map((v) => v / norm)
  })
}

const maxRowDiff = (table: Float32Array, rows: Float64Array[], d: number): number =>
  Math.max(...rows.map((r, i) => Math.max(...Array.from(r, (v, j) => Math.abs(v - table[(i + 1) * d + j]!)))))

describe('mask-mean adaptor: before-average vs after-average', () => {
  const rand = prng(21)
  const backbone = randomGrid(rand, h, w, C, resizeTransform(H, W, h, w), 0.3)
  const masks = randomMasks(rand, W, H, 9)
  const weights = adaptorWeights(C, D, { hidden: 11, inner: 2, preNorm: true }, 7)
  const grid = splitGrid(backbone, (r) => adaptorForward(weights, r), D)

  it('after-average equals adaptor(mean of the normalised upsampled backbone pixels), normalised, computed densely here (≤ 1e-5)', async () => {
    const adaptor = mlp(weights)
    const m = await aggregateMasks(grid, masks, opts({ adaptor: 'after-average' }), tensor, undefined, adaptor)
    const want = denseAfterAverage(backbone, masks, (r) => adaptorForward(weights, r), D)
    expect(m.features.shape).toEqual([masks.masks.length + 1, D])
    expect(maxRowDiff(m.features.data, want, D)).toBeLessThanOrEqual(1e-5)
    expect(Array.from(m.features.data.subarray(0, D))).toEqual(new Array(D).fill(0))
    expect(m.space).toBe('text-space')
    // one adaptor call for all non-empty masks' rows, never per pixel or per cell
    expect(adaptor.calls).toEqual([masks.masks.filter((k) => k.area > 0).length])
  })

  it('before-average is today\'s output exactly (same bytes as without the option and without FeatureGrid.adaptor) and the dense official path', async () => {
    const { adaptor: _a, ...plain } = grid
    const { adaptor: _o, ...today } = MASK_MEAN_DEFAULTS
    const before = await aggregateMasks(grid, masks, opts({ adaptor: 'before-average' }), tensor, undefined, mlp(weights))
    const old = await aggregateMasks(plain, masks, today as MaskMeanOptions, tensor)
    expect(before.features.data).toEqual(old.features.data)
    expect(before.ids.data).toEqual(old.ids.data)
    const oracle = denseMaskMeanOracle(grid, masks)
    let diff = 0
    for (let i = 0; i < oracle.features.length; i++) diff = Math.max(diff, Math.abs(oracle.features[i]! - before.features.data[i]!))
    expect(diff).toBeLessThanOrEqual(1e-5)
  })

  it('the two differ for the nonlinear adaptor, with the same id map', async () => {
    const before = await aggregateMasks(grid, masks, opts({}), tensor)
    const after = await aggregateMasks(grid, masks, opts({ adaptor: 'after-average' }), tensor, undefined, mlp(weights))
    expect(after.ids.data).toEqual(before.ids.data)
    let diff = 0
    for (let i = 0; i < before.features.data.length; i++) diff = Math.max(diff, Math.abs(before.features.data[i]! - after.features.data[i]!))
    expect(diff).toBeGreaterThan(1e-2)
  })

  it('property: an identity or scaled orthogonal adaptor makes them agree (≤ 1e-5) on random grids and masks', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const r = prng(100 + seed)
      const c = 2 + (seed % 5)
      const b = randomGrid(r, 2 + (seed % 4), 3 + (seed % 3), c, resizeTransform(17 + seed, 23, 2 + (seed % 4), 3 + (seed % 3)), seed % 2 ? 0.5 : 0)
      const set = randomMasks(r, 23, 17 + seed, 1 + (seed % 7))
      const q = randomOrthogonal(r, c)
      const scale = 0.1 + 5 * r()
      const maps: [string, (x: Float32Array) => number[]][] = [
        ['identity', (x) => Array.from(x)],
        ['scaled orthogonal', (x) => q.map((row) => scale * row.reduce((s, v, j) => s + v * x[j]!, 0))],
      ]
      for (const [name, f] of maps) {
        const g = splitGrid(b, f, c)
        const before = await aggregateMasks(g, set, opts({ background: seed % 3 ? 'none' : 'patch' }), tensor)
        const after = await aggregateMasks(g, set, opts({ adaptor: 'after-average', background: seed % 3 ? 'none' : 'patch' }), tensor, undefined, rowAdaptor(c, c, f))
        expect(after.ids.data, `${name}, seed ${seed}`).toEqual(before.ids.data)
        let diff = 0
        for (let i = 0; i < before.features.data.length; i++) diff = Math.max(diff, Math.abs(before.features.data[i]! - after.features.data[i]!))
        expect(diff, `${name}, seed ${seed}`).toBeLessThanOrEqual(1e-5)
      }
    }
  })

  it('keeps zero rows zero (row 0, an empty mask) instead of adaptor(0); background and overlap-set rows come from projected means', async () => {
    const set: MaskSet = { width: W, height: H, masks: [maskFromFull(rect(W, H, 2, 2, 20, 20), W, H), maskFromFull(rect(W, H, 10, 10, 30, 25), W, H), { ...maskFromFull(rect(W, H, 0, 0, 1, 1), W, H), area: 0, bitmap: new Uint8Array(1) }] }
    const adaptor = mlp(weights)
    const m = await aggregateMasks(grid, set, opts({ adaptor: 'after-average', background: 'patch', overlap: 'average' }), tensor, undefined, adaptor)
    const before = await aggregateMasks(grid, set, opts({ background: 'patch', overlap: 'average' }), tensor)
    expect(m.ids.data).toEqual(before.ids.data)
    expect(m.features.shape).toEqual(before.features.shape)
    const rows = m.features.shape[0]
    const norms = Array.from({ length: rows }, (_, i) => Math.hypot(...m.features.data.subarray(i * D, (i + 1) * D)))
    expect(norms[0]).toBe(0)
    expect(norms[3]).toBe(0) // the empty mask: id 3 (smallest area)
    for (let i = 1; i < rows; i++) if (i !== 3) expect(norms[i]).toBeCloseTo(1, 5)
    // the adaptor saw the two masks and every background cell (B: rows without the overlap sets), once, together
    const b = (await aggregateMasks(grid, set, opts({ background: 'patch' }), tensor)).features.shape[0] - 4
    expect(b).toBeGreaterThan(0)
    expect(rows).toBeGreaterThan(4 + b) // at least one overlap set
    expect(adaptor.calls).toEqual([2 + b])
  })

  it('refuses after-average on a grid without a separate adaptor, and an adaptor of the wrong widths', async () => {
    const { adaptor: _a, ...plain } = grid
    const e = await aggregateMasks(plain, masks, opts({ adaptor: 'after-average' }), tensor, '000042', mlp(weights)).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(PlafError)
    expect((e as PlafError).diagnostics[0]).toMatchObject({ code: 'PLAF_INVALID_OPTION', frame: '000042', actual: 'no FeatureGrid.adaptor' })
    const wrong = await aggregateMasks(grid, masks, opts({ adaptor: 'after-average' }), tensor, '000042', rowAdaptor(C + 1, D, () => new Float32Array(D))).catch((x: unknown) => x)
    expect((wrong as PlafError).diagnostics[0]).toMatchObject({ code: 'PLAF_INPUT_INVALID', expected: `${C} → ${D}`, actual: `${C + 1} → ${D}` })
  })

  it('the plugin: after-average on a grid without adaptor is PLAF_INVALID_OPTION at stages.<stage>.with.adaptor; before-average needs nothing', async () => {
    const { adaptor: _a, ...plain } = grid
    const v = validateOptions(maskMeanAggregator, { adaptor: 'after-average' })
    expect(v.ok).toBe(true)
    expect(maskMeanAggregator.needsSeparateAdaptor!(v.value as unknown as MaskMeanOptions)).toBe('adaptor')
    expect(maskMeanAggregator.needsSeparateAdaptor!(MASK_MEAN_DEFAULTS)).toBeUndefined()
    const inst = await maskMeanAggregator.create(v.value as unknown as MaskMeanOptions, createTestContext({ stage: 'aggregator' }))
    try {
      const e = await Promise.resolve(inst.run({ features: plain, masks }, createRunContext({ id: '000007', index: 7 }))).catch((x: unknown) => x)
      expect(e).toBeInstanceOf(PlafError)
      expect((e as PlafError).diagnostics[0]).toMatchObject({ code: 'PLAF_INVALID_OPTION', plugin: 'mask-mean', stage: 'aggregator', frame: '000007', path: 'stages.aggregator.with.adaptor' })
    } finally {
      await inst.dispose?.()
    }
  })
})

/** A random c×c orthogonal matrix (Gram–Schmidt on uniform rows). */
function randomOrthogonal(r: () => number, c: number): number[][] {
  const q: number[][] = []
  while (q.length < c) {
    let v = Array.from({ length: c }, () => 2 * r() - 1)
    for (const u of q) {
      const dot = u.reduce((s, x, j) => s + x * v[j]!, 0)
      v = v.map((x, j) => x - dot * u[j]!)
    }
    const n = Math.hypot(...v)
    if (n > 1e-3) q.push(v.map((x) => x / n))
  }
  return q
}
