import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { decodePng, type SemanticMap3D, type SemanticMemory2D } from '@plaf/core'
import { createRunContext, createTestContext, describeStagePlugin, tempDir, type TempDir } from '@plaf/core/testing'
import { Color, SRGBColorSpace } from 'three'
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js'
import { afterAll, describe, expect, it } from 'vitest'
import { textQuerier, type TextQuerierOptions } from '../src/index.js'
import { cosine, frameFor, prng, querierOptions, randomMap, randomMemory, VOCAB, wordHotEncoder } from './fixtures.js'

const [W, H] = [12, 9]
const inputs = () => ({ frame: frameFor(W, H, 2), memory: randomMemory(prng(3), W, H, 6) })
const sceneInputs = () => ({ map: randomMap(prng(5), 200, 8) })
const context = { plugins: [wordHotEncoder] }

describeStagePlugin(textQuerier, [
  { name: 'two queries, 2D and 3D', options: { encoder: 'word-hot', queries: ['chair', 'red lamp'], threshold: 0.3 }, inputs, sceneInputs, context },
  { name: 'no queries', options: { encoder: 'word-hot' }, inputs, sceneInputs, context },
  { name: 'no map, no overlays', options: { encoder: 'word-hot', queries: ['wall'], write_overlays: false }, inputs, context },
], {
  volatile: [{ file: 'querier/scores.json', fields: ['timings_ms.*', 'queries.*.frames_2d.gather_ms', 'queries.*.map.gather_ms'], why: 'wall-clock milliseconds' }],
})

describe('text querier options', () => {
  it('refuses a query or a label named twice (the second would never win a mask or point)', () => {
    expect(() => querierOptions({ labels: ['chair', 'lamp', 'chair'] })).toThrow(/uniqueItems/)
    expect(() => querierOptions({ queries: ['red', 'red'] })).toThrow(/uniqueItems/)
    expect(querierOptions({ queries: ['red', 'lamp'], labels: ['chair', 'lamp'] }).labels).toEqual(['chair', 'lamp'])
  })
})

const dirs: TempDir[] = []
afterAll(() => dirs.forEach((d) => d.cleanup()))
const temp = (): string => {
  const t = tempDir('query')
  dirs.push(t)
  return t.dir
}

async function runQuerier(options: Partial<TextQuerierOptions>, memory: SemanticMemory2D, map?: SemanticMap3D, frameScale = 1) {
  const runDir = temp()
  const ctx = createTestContext({ stage: 'querier', runDir, plugins: [wordHotEncoder] })
  const opts = querierOptions(options)
  const inst = await textQuerier.create(opts, ctx)
  const [h, w] = memory.ids.shape
  const rc = createRunContext({ id: '000010', index: 10 })
  await inst.run({ frame: frameFor(w, h, frameScale), memory, map: undefined as never }, rc)
  const fin = createRunContext()
  await inst.finish!({ map }, fin)
  await inst.dispose?.()
  return { out: ctx.outDir, rc, fin }
}

describe('text querier outputs', () => {
  it('writes binary masks equal to thresholded per-pixel cosines, overlays, a PLY three.js reads, and scores.json', async () => {
    const memory = randomMemory(prng(21), W, H, 7)
    const map = randomMap(prng(22), 300, 9)
    const queries = ['red chair', 'lamp']
    const { out, rc, fin } = await runQuerier({ queries, threshold: 0.4 }, memory, map, 2)
    expect(readdirSync(out).sort()).toEqual([
      'lamp', 'lamp.map.png', 'lamp.ply', 'lamp.regions.json', 'map-scores.npy', 'red-chair', 'red-chair.map.png', 'red-chair.ply', 'red-chair.regions.json', 'scores.json', 'text.npy', 'texts.json',
    ])
    expect(readdirSync(join(out, 'lamp')).sort()).toEqual(['000010.mask.png', '000010.overlay.png', '000010.top.json', 'contact-sheet.png'])
    const d = VOCAB.length
    const text = (q: number) => {
      const v = VOCAB.map((word) => (queries[q].split(' ').includes(word) ? 1 : 0))
      return v.map((x) => x / Math.hypot(...v))
    }
    const report = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8'))
    for (const [q, slug] of ['red-chair', 'lamp'].entries()) {
      const mask = decodePng(readFileSync(join(out, slug, '000010.mask.png')))
      expect([mask.width, mask.height, mask.channels, mask.depth]).toEqual([W, H, 1, 8])
      let selected = 0
      for (let p = 0; p < W * H; p++) {
        const id = memory.ids.data[p]
        const cos = cosine(memory.features.data.subarray(id * d, id * d + d), text(q))
        const want = id > 0 && cos >= 0.4 ? 255 : 0
        expect(mask.data[p], `pixel ${p}`).toBe(want)
        selected += want ? 1 : 0
      }
      expect(selected).toBeGreaterThan(0) // the test would not see a broken threshold otherwise
      expect(report.queries[q].frames_2d.pixels_above_threshold).toBe(selected)
      expect(report.queries[q].frames_2d).toMatchObject({ masks: 7, pixels: W * H }) // what the counts are out of
      expect(report.queries[q].frames_2d.contact_sheet).toBe(`${slug}/contact-sheet.png`)
      expect(report.queries[q].map.snapshot).toBe(`${slug}.map.png`)
      const overlay = decodePng(readFileSync(join(out, slug, '000010.overlay.png')))
      expect([overlay.width, overlay.height, overlay.channels]).toEqual([W, H, 3])

      const loader = new PLYLoader()
      loader.setCustomPropertyNameMapping({ score: ['score'] })
      const geo = loader.parse(new Uint8Array(readFileSync(join(out, `${slug}.ply`))).buffer)
      const pos = geo.getAttribute('position')
      const score = geo.getAttribute('score')
      const col = geo.getAttribute('color')
      expect(pos.count).toBe(300)
      let above = 0
      for (let i = 0; i < 300; i++) {
        expect([pos.getX(i), pos.getY(i), pos.getZ(i)]).toEqual(Array.from(map.positions.subarray(i * 3, i * 3 + 3)))
        const r = map.refs[i]
        const cos = cosine(map.pool.data.subarray(r * d, r * d + d), text(q))
        expect(Math.abs(score.getX(i) - cos)).toBeLessThan(1e-6)
        if (r > 0 && cos >= 0.4) above++
        if (r === 0) {
          // Zero pool row: the point keeps its own colour (three.js stores colours linear).
          const c = new Color(col.getX(i), col.getY(i), col.getZ(i)).getRGB({ r: 0, g: 0, b: 0 }, SRGBColorSpace)
          expect([c.r, c.g, c.b].map((v) => Math.round(v * 255))).toEqual(Array.from(map.colors.subarray(i * 3, i * 3 + 3)))
        }
      }
      expect(above).toBeGreaterThan(0)
      expect(report.queries[q].map.points_above_threshold).toBe(above)
      const top = report.queries[q].map.top_pool_rows as Array<{ row: number; score: number }>
      expect(top.length).toBe(8) // 9 pool rows minus the zero row
      expect(top.map((t) => t.score)).toEqual([...top.map((t) => t.score)].sort((a, b) => b - a))
    }
    expect(report.space).toBe('test-space')
    expect(rc.metrics.masks_scored).toBe(7)
    expect(rc.metrics.query_ms).toBeGreaterThanOrEqual(0)
    expect(fin.metrics.points_scored).toBe(300)
  })

  it('write_masks and write_overlays off: no PNG at all, the counts unchanged (from per-row pixel counts)', async () => {
    const memory = randomMemory(prng(21), W, H, 7)
    const map = randomMap(prng(22), 300, 9)
    const both = await runQuerier({ queries: ['lamp'], threshold: 0.4 }, memory, map)
    const none = await runQuerier({ queries: ['lamp'], threshold: 0.4, write_masks: false, write_overlays: false }, memory, map)
    expect(readdirSync(none.out).sort()).toEqual(['lamp', 'lamp.ply', 'lamp.regions.json', 'map-scores.npy', 'scores.json', 'text.npy', 'texts.json'])
    expect(readdirSync(join(none.out, 'lamp'))).toEqual(['000010.top.json'])
    const counts = (out: string) => {
      const q = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8')).queries[0]
      return [q.frames_2d.masks_above_threshold, q.frames_2d.pixels_above_threshold, q.map.points_above_threshold, q.frames_2d.contact_sheet, q.map.snapshot]
    }
    const [m, p, pts] = counts(both.out)
    expect(p).toBeGreaterThan(0)
    expect(counts(none.out)).toEqual([m, p, pts, null, null])
  })

  it('fails with PLAF_SPACE_MISMATCH naming the frame when the memory is from another space', async () => {
    const runDir = temp()
    const ctx = createTestContext({ runDir, plugins: [wordHotEncoder] })
    const inst = await textQuerier.create(querierOptions({ encoder_options: { space: 'siglip' }, queries: ['chair'] }), ctx)
    const memory = randomMemory(prng(1), W, H, 3)
    await expect(inst.run({ frame: frameFor(W, H), memory, map: undefined as never }, createRunContext({ id: '000010', index: 10 })))
      .rejects.toMatchObject({ code: 'PLAF_SPACE_MISMATCH', diagnostics: [{ frame: '000010', expected: 'test-space', actual: 'siglip' }] })
  })

  it('fails when the encoder is not a registered text encoder', async () => {
    await expect(textQuerier.create(querierOptions({ encoder: 'nope' }), createTestContext({ plugins: [wordHotEncoder] })))
      .rejects.toMatchObject({ code: 'PLAF_UNKNOWN_PLUGIN' })
  })
})

describe('text querier: threshold boundaries and background', () => {
  // Cosines with "chair" (one-hot on dimension 0) that are exact in float32: row r scores
  // scores[r]. Rows 0 and 5 are zero features (no mask / no feature): never selected or counted.
  const rows = [
    [0, 0, 0, 0, 0], // 0: background
    [1, 1, 1, 1, 0], // 1: 1/2
    [3, 0, 0, 0, 0], // 2: 1
    [0, 1, 0, 0, 0], // 3: 0
    [1, 3, 2, 1, 1], // 4: 1/4 (norm 4)
    [0, 0, 0, 0, 0], // 5: zero feature
    [-1, 0, 0, 0, 0], // 6: −1
  ]
  const ids = [0, 1, 2, 3, 4, 5, 6, 0, 1, 1, 4, 4, 6, 0]
  const memory: SemanticMemory2D = {
    ids: { data: Uint16Array.from(ids), shape: [2, 7] },
    features: { data: Float32Array.from(rows.flat()), shape: [rows.length, 5] },
    space: 'test-space',
  }
  const map: SemanticMap3D = {
    positions: Float32Array.from(ids.flatMap((_, i) => [i, 0, 1])),
    colors: new Uint8Array(ids.length * 3),
    refs: Uint32Array.from(ids),
    pool: { data: Float32Array.from(rows.flat()), shape: [rows.length, 5] },
    space: 'test-space',
  }

  // The README: selected "if its score is at or above this value"; rows that are all zero never.
  it.each([
    [0.5, [1, 2]],
    [0.25, [1, 2, 4]],
    [0, [1, 2, 3, 4]],
    [-1, [1, 2, 3, 4, 6]],
  ])('threshold %d selects exactly rows %j: scores equal to it included, zero features excluded, in 2D and 3D', async (threshold, selected) => {
    const { out } = await runQuerier({ queries: ['chair'], threshold }, memory, map)
    const hits = ids.filter((id) => selected.includes(id)).length
    const report = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8'))
    const q = report.queries[0]
    expect([q.frames_2d.masks_above_threshold, q.frames_2d.pixels_above_threshold, q.map.points_above_threshold]).toEqual([selected.length, hits, hits])
    const png = decodePng(readFileSync(join(out, 'chair', '000010.mask.png')))
    expect(Array.from(png.data as Uint8Array)).toEqual(ids.map((id) => (selected.includes(id) ? 255 : 0)))
  })
})
