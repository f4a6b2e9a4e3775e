import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeNpy, decodePly, encodePly } from '@plaf/core'
import { createRunContext, createTestContext, tempDir, type TempDir } from '@plaf/core/testing'
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js'
import { afterAll, describe, expect, it } from 'vitest'
import { otsuThreshold, textQuerier, type TextQuerierOptions } from '../src/index.js'
import { cosine, prng, querierOptions, randomMap, VOCAB, wordHotEncoder } from './fixtures.js'

const dirs: TempDir[] = []
afterAll(() => dirs.forEach((d) => d.cleanup()))

/** Runs the querier's 3D part alone (no frames) on `map`. */
async function query3d(options: Partial<TextQuerierOptions>, map: ReturnType<typeof randomMap>, files: Record<string, string> = {}) {
  const t = tempDir('query-map', files)
  dirs.push(t)
  const ctx = createTestContext({ stage: 'querier', runDir: t.dir, plugins: [wordHotEncoder] })
  const inst = await textQuerier.create(querierOptions(options), { ...ctx, baseDir: t.dir })
  await inst.finish!({ map }, createRunContext())
  await inst.dispose?.()
  return { out: ctx.outDir, dir: t.dir }
}

describe('3D labels', () => {
  it('softmax over the labels per pool row, background below Otsu of the rows\' best scores weighted by points (threshold auto)', async () => {
    const map = randomMap(prng(31), 400, 12)
    const labels = ['chair', 'table', 'lamp']
    // two queries: softmax over one would be refused (1 everywhere); the labels are scored on their own
    const { out } = await query3d({ queries: ['chair', 'table'], labels, mode: 'softmax', temperature: 0.2, threshold: 'auto' }, map)
    // Oracle: cosines in float64, softmax per row, argmax, Otsu of the best scores with points per row as weights.
    const d = VOCAB.length
    const text = labels.map((l) => VOCAB.map((w) => (w === l ? 1 : 0)))
    const [m] = map.pool.shape
    const best = new Float32Array(m)
    const arg = new Int32Array(m)
    const valid = new Uint8Array(m)
    const weights = new Float64Array(m)
    for (let r = 0; r < m; r++) {
      const row = map.pool.data.subarray(r * d, r * d + d)
      valid[r] = row.some((v) => v !== 0) ? 1 : 0
      if (!valid[r]) continue
      const e = text.map((t) => Math.exp(cosine(row, t) / 0.2))
      const s = e.reduce((a, b) => a + b, 0)
      arg[r] = e.indexOf(Math.max(...e))
      best[r] = e[arg[r]] / s
    }
    for (const ref of map.refs) if (valid[ref]) weights[ref]++
    const threshold = otsuThreshold(best, weights)!
    expect(threshold).not.toBeNull()
    const want = Array.from(map.refs, (ref) => (valid[ref] && best[ref] >= threshold ? arg[ref] + 1 : 0))
    const npy = decodeNpy(readFileSync(join(out, 'labels', 'map-labels.npy')))
    expect(npy.dtype).toBe('<u2')
    expect(Array.from(npy.data as Uint16Array)).toEqual(want)
    const ply = decodePly(readFileSync(join(out, 'labels', 'map.ply')))
    expect(ply.types.label).toBe('uint16')
    expect(Array.from(ply.properties.label)).toEqual(want)
    // A reader nobody here wrote: three.js's PLYLoader, with the label as a custom attribute.
    const loader = new PLYLoader()
    loader.setCustomPropertyNameMapping({ label: ['label'], label_score: ['label_score'] })
    const geo = loader.parse(new Uint8Array(readFileSync(join(out, 'labels', 'map.ply'))).buffer)
    expect(geo.getAttribute('position').count).toBe(400)
    expect(Array.from({ length: 400 }, (_, i) => geo.getAttribute('label').getX(i))).toEqual(want)
    expect(geo.getAttribute('label_score').getX(0)).toBeCloseTo(valid[map.refs[0]] ? best[map.refs[0]] : NaN, 5)
    const scores = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8'))
    expect(scores.labels_3d.threshold).toBeCloseTo(threshold, 6)
    expect(scores.labels_3d.points).toEqual([0, 1, 2, 3].map((v) => want.filter((x) => x === v).length))
    expect(scores.labels_3d.points.some((c: number, v: number) => v > 0 && c > 0)).toBe(true)
  })
})

describe('mesh option', () => {
  it('reads the mesh relative to the pipeline folder, keeps its faces and transfers scores and labels within the cut-off', async () => {
    const map = randomMap(prng(32), 300, 6)
    // Vertices: three on map points (distance 0), one 1 m away from every point.
    const far = [40, 40, 40]
    const verts = [0, 5, 17].flatMap((i) => Array.from(map.positions.subarray(3 * i, 3 * i + 3))).concat(far)
    const ply = encodePly({
      vertexCount: 4, faces: Uint32Array.from([0, 1, 2, 1, 2, 3]),
      properties: ['x', 'y', 'z'].map((name, k) => ({ name, type: 'float' as const, data: [0, 1, 2, 3].map((j) => verts[3 * j + k]) })),
    })
    const t = tempDir('query-mesh')
    dirs.push(t)
    writeFileSync(join(t.dir, 'ref.ply'), ply)
    const { out } = await query3d({ queries: ['lamp'], labels: ['chair', 'lamp'], threshold: -1, mesh: join(t.dir, 'ref.ply'), mesh_max_distance: 0.01 }, map)
    const mesh = decodePly(readFileSync(join(out, 'mesh', 'lamp.ply')))
    expect(mesh.faces).toEqual(Uint32Array.from([0, 1, 2, 1, 2, 3]))
    const points = decodeNpy(readFileSync(join(out, 'map-scores.npy'))).data as Float32Array
    const score = mesh.properties.score
    expect(Array.from(score.subarray(0, 3))).toEqual([0, 5, 17].map((i) => points[i]))
    expect(score[3]).toBeNaN()
    expect(Array.from(mesh.properties.distance.subarray(0, 3))).toEqual([0, 0, 0])
    expect(mesh.properties.distance[3]).toBeNaN()
    const labels = decodeNpy(readFileSync(join(out, 'labels', 'map-labels.npy'))).data as Uint16Array
    const meshLabels = decodeNpy(readFileSync(join(out, 'mesh', 'labels.npy'))).data as Uint16Array
    expect(Array.from(meshLabels)).toEqual([labels[0], labels[5], labels[17], 0])
    const s = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8'))
    expect(s.mesh).toMatchObject({ vertices: 4, faces: 2, max_distance: 0.01, vertices_matched: 3, scores: 'mesh/scores.npy', labels: 'mesh/labels.ply' })
    expect(s.queries[0].map.mesh).toMatchObject({ file: 'mesh/lamp.ply' })
    // A relative mesh path is resolved against the pipeline's folder (ctx.baseDir): an empty ref.ply there is named.
    await expect(query3d({ queries: ['lamp'], mesh: 'sub/ref.ply' }, map, { 'sub/ref.ply': '' })).rejects.toThrow(/plaf-query-map-[^/]+\/sub\/ref\.ply: not a PLY file/)
  })
})
