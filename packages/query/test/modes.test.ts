import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeNpy, decodePng, encodeNpy, type SemanticMemory2D } from '@plaf/core'
import { createRunContext, createTestContext, pythonCheck, tempDir, type TempDir } from '@plaf/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { otsuThreshold, textQuerier, writeLabelPng, type TextQuerierOptions } from '../src/index.js'
import { frameFor, querierOptions, wordHotEncoder } from './fixtures.js'

const numpy = pythonCheck(['numpy'], ['python3-numpy'])
const dirs: TempDir[] = []
afterAll(() => dirs.forEach((d) => d.cleanup()))

// Vocabulary chair, table, lamp, red, wall. Rows: 0 none; 1 chair; 2 0.6 chair + 0.8 table; 3 wall; 4 0.8 chair + 0.6 wall.
const D = 5
const rows = [[0, 0, 0, 0, 0], [1, 0, 0, 0, 0], [0.6, 0.8, 0, 0, 0], [0, 0, 0, 0, 1], [0.8, 0, 0, 0, 0.6]]
// 6×4 id map: each row id r fills r·2 pixels … written out so boxes are easy to read.
const IDS = [
  1, 1, 0, 0, 3, 3,
  1, 1, 0, 2, 3, 3,
  0, 0, 2, 2, 4, 4,
  0, 0, 2, 2, 4, 0,
]
const W = 6
const H = 4
function memory(): SemanticMemory2D {
  return { ids: { data: Uint16Array.from(IDS), shape: [H, W] }, features: { data: Float32Array.from(rows.flat()), shape: [rows.length, D] }, space: 'test-space' }
}

async function query(options: Partial<TextQuerierOptions>) {
  const t = tempDir('query-modes')
  dirs.push(t)
  const ctx = createTestContext({ stage: 'querier', runDir: t.dir, plugins: [wordHotEncoder] })
  const inst = await textQuerier.create(querierOptions(options), ctx)
  await inst.run({ frame: frameFor(W, H), memory: memory(), map: undefined as never }, createRunContext({ id: '000010', index: 10 }))
  await inst.finish!({}, createRunContext())
  await inst.dispose?.()
  const json = (f: string) => JSON.parse(readFileSync(join(ctx.outDir, f), 'utf8'))
  const png = (f: string) => decodePng(readFileSync(join(ctx.outDir, f)))
  return { out: ctx.outDir, json, png }
}

type Top = { id: number; score: number; cosine: number; pixels: number; box: number[]; selected: boolean }

describe('score modes through the querier', () => {
  it('cosine: top.json lists masks best first with cosines, pixels and boxes', async () => {
    const { json, png } = await query({ queries: ['chair'], threshold: 0.7 })
    const top = json('chair/000010.top.json')
    expect(top).toMatchObject({ frame: '000010', text: 'chair', mode: 'cosine', threshold: 0.7, image_size: [4, 6] })
    expect(top.masks.map((m: Top) => [m.id, m.pixels, m.box, m.selected])).toEqual([
      [1, 4, [0, 0, 1, 1], true], [4, 3, [4, 2, 5, 3], true], [2, 5, [2, 1, 3, 3], false], [3, 4, [4, 0, 5, 1], false],
    ])
    expect(top.masks.map((m: Top) => m.score)).toEqual([1, 0.8, 0.6, 0].map(Math.fround))
    const mask = png('chair/000010.mask.png')
    expect(Array.from(mask.data)).toEqual(IDS.map((r) => (r === 1 || r === 4 ? 255 : 0)))
  })

  it('softmax over the query set (τ = 0.1 by default)', async () => {
    const { json } = await query({ queries: ['chair', 'table'], mode: 'softmax', threshold: 0.5 })
    const top = json('table/000010.top.json').masks as Top[]
    // row 2: cosines chair 0.6, table 0.8 → softmax(6, 8)[table] = 1 / (1 + e^-2)
    expect(top[0].id).toBe(2)
    expect(top[0].score).toBeCloseTo(1 / (1 + Math.exp(-2)), 6)
    expect(top[0].cosine).toBeCloseTo(0.8, 6)
    // row 3 (wall): both cosines 0 → 0.5 each, selected at ≥ 0.5
    expect(top.find((m) => m.id === 3)).toMatchObject({ score: 0.5, selected: true })
    expect(json('scores.json')).toMatchObject({ mode: 'softmax', temperature: 0.1, threshold: 0.5, negatives: [] })
  })

  it('softmax over one query (or one label) is refused: it is 1 everywhere, so it would select everything', async () => {
    const msg = 'mode softmax scores each query against the other queries, and there is only one ("chair"): softmax over one text is 1 everywhere, so every mask and point would be selected'
    await expect(query({ queries: ['chair'], mode: 'softmax' })).rejects.toThrow(`PLAF_INVALID_OPTION: ${msg}`)
    expect(await textQuerier.check!(querierOptions({ queries: ['chair'], mode: 'softmax' }), { baseDir: '.', stage: 'querier' })).toEqual([{
      code: 'PLAF_INVALID_OPTION', path: 'mode', actual: 'softmax', expected: 'at least two queries to compare', message: msg,
      hint: 'give at least two queries (plaf query: --text a --text b), or use mode cosine (raw scores) or relevancy (against negative phrases)',
    }])
    await expect(query({ queries: [], labels: ['chair'], mode: 'softmax' })).rejects.toThrow('PLAF_INVALID_OPTION: mode softmax scores each label against the other labels, and there is only one ("chair")')
    expect(await textQuerier.check!(querierOptions({ queries: ['chair', 'table'], mode: 'softmax' }), { baseDir: '.', stage: 'querier' })).toEqual([])
  })

  it('relevancy against negative phrases, with the threshold chosen by Otsu', async () => {
    const { json, png } = await query({ queries: ['chair'], mode: 'relevancy', negatives: ['wall', 'lamp'], threshold: 'auto' })
    const top = json('chair/000010.top.json')
    const rel = (cq: number, worst: number) => 1 / (1 + Math.exp((worst - cq) / 0.1))
    const want = new Map([[1, rel(1, 0)], [2, rel(0.6, 0)], [3, rel(0, 1)], [4, rel(0.8, 0.6)]])
    for (const m of top.masks as Top[]) expect(m.score).toBeCloseTo(want.get(m.id)!, 6)
    const scores = Float32Array.from([0, ...[1, 2, 3, 4].map((r) => want.get(r)!)])
    // Otsu, but never below relevancy's break-even 0.5 (below it the negative wins)
    const t = Math.max(0.5, otsuThreshold(scores, [0, 4, 5, 4, 3])!)
    expect(top.threshold).toBeCloseTo(t, 6)
    const selected = new Set((top.masks as Top[]).filter((m) => m.score >= t).map((m) => m.id))
    expect(selected.size).toBeGreaterThan(0)
    expect(selected.size).toBeLessThan(4)
    expect(Array.from(png('chair/000010.mask.png').data)).toEqual(IDS.map((r) => (selected.has(r) ? 255 : 0)))
    expect(json('scores.json')).toMatchObject({ mode: 'relevancy', threshold: 'auto', negatives: ['wall', 'lamp'] })
    expect(json('texts.json')).toMatchObject({ texts: ['chair', 'wall', 'lamp'], roles: ['query', 'negative', 'negative'] })
  })

  it('--labels: a label image by argmax, background for no mask and below the threshold', async () => {
    const { json, png } = await query({ labels: ['chair', 'table', 'wall'], threshold: 0.7 })
    // cosine argmax: row 1 chair (1), row 2 table (0.8), row 3 wall (1), row 4 chair (0.8); all ≥ 0.7
    const img = png('labels/000010.png')
    expect([img.width, img.height, img.depth]).toEqual([W, H, 8])
    const label = [0, 1, 2, 3, 1]
    expect(Array.from(img.data)).toEqual(IDS.map((r) => label[r]))
    const lj = json('labels/labels.json')
    expect(lj).toMatchObject({ labels: ['background', 'chair', 'table', 'wall'], frames: 1 })
    expect(lj.pixels).toEqual([8, 4 + 3, 5, 4])
    const strict = await query({ labels: ['chair', 'table', 'wall'], threshold: 0.9 })
    expect(Array.from(strict.png('labels/000010.png').data)).toEqual(IDS.map((r) => [0, 1, 0, 3, 0][r]))
  })

  it.skipIf(!numpy.available)(`text.npy lets numpy recompute every score of top.json${numpy.note}`, async () => {
    const { out, json } = await query({ queries: ['chair', 'red table'], mode: 'relevancy', negatives: ['wall'] })
    writeFileSync(join(out, 'features.npy'), encodeNpy({ data: memory().features.data, shape: [rows.length, D] }))
    expect(decodeNpy(readFileSync(join(out, 'text.npy'))).shape).toEqual([3, D])
    const got = numpy.json(`import sys, json, numpy as np
d = sys.argv[1]; t = np.load(d + '/text.npy'); names = json.load(open(d + '/texts.json'))
f = np.load(d + '/features.npy').astype(np.float64); n = np.linalg.norm(f, axis=1, keepdims=True); n[n == 0] = 1
c = (f / n) @ (t / np.linalg.norm(t, axis=1, keepdims=True)).T
neg = c[:, [i for i, r in enumerate(names['roles']) if r == 'negative']].max(axis=1)
rel = 1 / (1 + np.exp((neg[:, None] - c[:, :2]) / names['temperature']))
print(json.dumps({'cos': c.tolist(), 'rel': rel.tolist()}))`, [out]) as { cos: number[][]; rel: number[][] }
    for (const [q, slug] of ['chair', 'red-table'].entries()) {
      for (const m of json(`${slug}/000010.top.json`).masks as Top[]) {
        expect(m.cosine).toBeCloseTo(got.cos[m.id][q], 6)
        expect(m.score).toBeCloseTo(got.rel[m.id][q], 6)
      }
    }
  })
})

describe('3D scores and wide label images', () => {
  it('relevancy on the pool with threshold auto: Otsu over pool rows weighted by their points', async () => {
    const t = tempDir('query-modes-3d')
    dirs.push(t)
    const ctx = createTestContext({ stage: 'querier', runDir: t.dir, plugins: [wordHotEncoder] })
    const inst = await textQuerier.create(querierOptions({ queries: ['chair'], mode: 'relevancy', negatives: ['wall'], threshold: 'auto' }), ctx)
    // pool rows as the 2D rows above; refs: row 1 ×3, row 2 ×2, row 3 ×4, row 4 ×1, row 0 ×2
    const refs = Uint32Array.from([1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 0, 0])
    const n = refs.length
    const map = { positions: new Float32Array(n * 3), colors: new Uint8Array(n * 3), refs, pool: { data: Float32Array.from(rows.flat()), shape: [rows.length, D] as [number, number] }, space: 'test-space' }
    await inst.finish!({ map }, createRunContext())
    const s = JSON.parse(readFileSync(join(ctx.outDir, 'scores.json'), 'utf8'))
    const rel = (cq: number, cn: number) => 1 / (1 + Math.exp((cn - cq) / 0.1))
    const pool = Float32Array.from([0, rel(1, 0), rel(0.6, 0), rel(0, 1), rel(0.8, 0.6)])
    const th = Math.max(0.5, otsuThreshold(pool, [0, 3, 2, 4, 1])!)
    expect(s.queries[0].map.threshold).toBeCloseTo(th, 6)
    const above = Array.from(refs).filter((r) => r > 0 && pool[r] >= th).length
    expect(s.queries[0].map.points_above_threshold).toBe(above)
    expect(above).toBeGreaterThan(0)
    expect(above).toBeLessThan(10)
    expect(s.queries[0].map.top_pool_rows[0]).toMatchObject({ row: 1 })
    expect(s.queries[0].map.top_pool_rows[0].score).toBeCloseTo(rel(1, 0), 6)
  })

  it('more than 255 labels give a 16-bit label image', () => {
    const t = tempDir('query-labels-16')
    dirs.push(t)
    const labels = Uint16Array.from([0, 300, 7])
    const hist = writeLabelPng(join(t.dir, 'l.png'), Uint16Array.from([1, 2, 0, 1]), 2, 2, labels, 300)
    const png = decodePng(readFileSync(join(t.dir, 'l.png')))
    expect([png.depth, Array.from(png.data)]).toEqual([16, [300, 7, 0, 300]])
    expect([hist[0], hist[7], hist[300]]).toEqual([1, 1, 2])
  })
})
