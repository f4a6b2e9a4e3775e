// The whole PLAF flow end to end through the plaf CLI, on a generated scene: frames → features →
// masks → mask means → 2D memory → 3D map → text queries, checked against the scene's ground truth.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeNpy, decodePly, decodePng, type RunReport } from '@plaf/core'
import { OBJECT_COLOURS, readLabelledMesh, readSceneMeta, sceneObjects, vertexInstances } from '@plaf/datasets'
import { npyFileBytes } from '@plaf/storage'
import { nearestWithin, plaf, tempDir } from './helpers.js'

const repo = join(__dirname, '..')
const demo = join(repo, 'pipelines', 'demo.yaml')
const { dir, cleanup } = tempDir()
const scene = join(dir, 'scene0000_00')
const run = join(dir, 'run')
const cache = join(dir, 'cache')
let colours: string[] = []

// `plaf demo` itself, on its own scene (generated into a temp dir), with every object colour the
// generator uses as a query; only the cache location differs.
const common = [
  `--set`, `runtime.cache_dir=${cache}`,
  `--progress`, `none`,
]
let demoOut = ''

beforeAll(async () => {
  const queries = OBJECT_COLOURS.map((c) => c.name).join(',')
  demoOut = (await plaf(['demo', '--scene', scene, '--out', run, ...common, '--set', `stages.querier.with.queries=[${queries}]`])).out
  colours = sceneObjects(readSceneMeta(scene)).map((o) => o.colour)
}, 600_000)
afterAll(cleanup)

const report = (d: string): RunReport => JSON.parse(readFileSync(join(d, 'report.json'), 'utf8'))

describe('walking skeleton: demo pipeline on a generated scene', () => {
  it('prints where the outputs are and the measured figures', () => {
    for (const k of ['frames', 'masks per frame', '2D mask-indexed / dense', '3D points', '3D pool rows', '3D index-reference / dense', 'query time']) expect(demoOut).toContain(k)
    expect(demoOut).toMatch(/outputs in .*run:/)
    expect(demoOut).toMatch(/3D text queries \(cosine ≥ 0\.7\):/) // demo.yaml: threshold 0.7 (1/√2)
    const r = report(run)
    const reused = Object.values(r.stages).reduce((s, st) => s + st.cache_hits, 0)
    const calls = Object.values(r.stages).reduce((s, st) => s + st.calls + st.cache_hits, 0)
    expect(demoOut).toMatch(new RegExp(`cache\\s+${reused} of ${calls} stage calls reused`))
  })

  it('measures both dense baselines exactly without leaving them on disk, and says the run directory size', () => {
    const r = report(run)
    const all = readdirSync(run, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    expect(all.filter((e) => /dense/.test(e.name) && e.name.endsWith('.npy')).map((e) => e.name)).toEqual([])
    const [h, w] = [968, 1296]
    const d = decodeNpy(readFileSync(join(run, 'storage2d', '000000.features.npy'))).shape[1]
    expect(r.stages.dense2d.metrics.bytes).toBe(npyFileBytes([h, w, d], '<f2'))
    expect(r.stages.storage3d.metrics.dense_bytes).toBe(npyFileBytes([r.stages.storage3d.metrics.points, d], '<f4'))
    const bytes = all.reduce((s, e) => s + statSync(join(e.parentPath, e.name)).size, 0)
    const shown = /run directory\s+([\d.]+) (MB|kB) in (\d+) files/.exec(demoOut)
    expect(shown, demoOut).not.toBeNull()
    expect(Number(shown![3])).toBe(all.length)
    expect(Number(shown![1])).toBeCloseTo(bytes / (shown![2] === 'MB' ? 1e6 : 1e3), shown![2] === 'MB' ? 2 : 1)
    expect(bytes).toBeLessThan(100e6) // 437 MB with the dense baselines kept; the query PNGs are most of the rest
  })

  it('writes every output the issue lists', () => {
    for (const f of ['config.resolved.yaml', 'manifest.json', 'report.json', 'report.md', 'storage2d/index.json', 'storage3d/map.ply', 'storage3d/pool.npy', 'storage3d/map.json', 'querier/scores.json']) {
      expect(existsSync(join(run, f)), f).toBe(true)
    }
    const r = report(run)
    expect(r.frames.processed).toBe(12)
    expect(r.stages.storage2d.metrics.frames).toBe(12)
    expect(r.stages.dense2d.metrics.frames).toBe(1) // demo.yaml: max_frames 1
    expect(r.stages.storage3d.metrics.points).toBeGreaterThan(1000)
    expect(readdirSync(join(run, 'querier', colours[0])).filter((f) => f.endsWith('.mask.png'))).toHaveLength(12)
    // pictures per query, linked from report.md so it shows them on GitHub
    const md = readFileSync(join(run, 'report.md'), 'utf8')
    for (const c of colours) {
      const sheet = decodePng(readFileSync(join(run, 'querier', c, 'contact-sheet.png')))
      expect([sheet.channels, sheet.width]).toEqual([3, 4 * 240 + 5 * 4]) // 12 frames: 4 columns of 240 px tiles
      expect(decodePng(readFileSync(join(run, 'querier', `${c}.map.png`))).channels).toBe(3)
      expect(md).toContain(`](querier/${c}/contact-sheet.png)`)
      expect(md).toContain(`](querier/${c}.map.png)`)
    }
    for (const section of ['## Storage', '## Queries', '## Skipped frames', '## Per-frame figures', '## Stages']) expect(md).toContain(section)
  })

  it('finds each coloured object in 3D: thresholded per-vertex scores have IoU ≥ 0.5 with its ground-truth vertices', () => {
    const meta = readSceneMeta(scene)
    const mesh = readLabelledMesh(join(scene, `${meta.scene}_vh_clean_2.labels.ply`))
    const gt = vertexInstances(scene, meta)
    const threshold = JSON.parse(readFileSync(join(run, 'querier', 'scores.json'), 'utf8')).threshold as number
    const ious: Record<string, number> = {}
    for (const obj of sceneObjects(meta)) {
      const ply = decodePly(readFileSync(join(run, 'querier', `${obj.colour}.ply`)))
      const { x, y, z, score } = ply.properties as Record<string, Float32Array>
      const pts = new Float32Array(x.length * 3)
      for (let i = 0; i < x.length; i++) pts.set([x[i], y[i], z[i]], 3 * i)
      // transfer the map to the mesh: each vertex takes its nearest map point's score (searched
      // within 0.5 m; a vertex with no map point that close counts as not selected)
      const nn = nearestWithin(pts, mesh.positions, 0.5)
      let inter = 0
      let union = 0
      for (let v = 0; v < nn.length; v++) {
        const pred = nn[v] >= 0 && score[nn[v]] >= threshold
        const truth = gt[v] === obj.instanceId
        if (pred && truth) inter++
        if (pred || truth) union++
      }
      ious[`${obj.colour} ${obj.rawCategory}`] = inter / union
    }
    console.log('per-object IoU', ious)
    for (const [name, iou] of Object.entries(ious)) expect(iou, name).toBeGreaterThanOrEqual(0.5)
  })

  it('writes files readers we did not write can load (16-bit PNG id maps, .npy, PLY)', () => {
    const ids = decodePng(readFileSync(join(run, 'storage2d', '000000.ids.png')))
    expect(ids).toMatchObject({ depth: 16, channels: 1, width: 1296, height: 968 })
    const table = decodeNpy(readFileSync(join(run, 'storage2d', '000000.features.npy')))
    expect(table.dtype).toBe('<f2')
    let maxId = 0
    for (const id of ids.data) maxId = Math.max(maxId, id)
    expect(maxId).toBeLessThan(table.shape[0])
    expect(maxId).toBeGreaterThan(0)
  })

  it('runs with the grid masker by changing only --set, reusing the cached backbone output', async () => {
    const out = join(dir, 'run-grid')
    await plaf(['run', demo, ...common, '--set', `input.with.scene=${scene}`, '--out', out, '--set', 'stages.masker.use=grid'])
    const r = report(out)
    expect(r.stages.backbone).toMatchObject({ cache_hits: 12, cache_misses: 0, calls: 0 })
    expect(r.stages.masker).toMatchObject({ plugin: 'grid', cache_misses: 12 })
    expect(r.stages.aggregator.cache_misses).toBe(12)
  })

  it('queries a finished run without recomputing features', async () => {
    const out = join(dir, 'q')
    const r = await plaf(['query', run, '--text', colours[0], '--text', 'dark green', '--out', out])
    expect(r.out).toContain('no features recomputed')
    expect(existsSync(join(out, `${colours[0]}.ply`))).toBe(true)
    expect(readdirSync(join(out, colours[0])).filter((f) => f.endsWith('.top.json'))).toHaveLength(12)
    expect(readdirSync(join(out, colours[0])).filter((f) => f.endsWith('.png'))).toEqual([]) // pictures only with --images
    // the same query as the pipeline's gives the same 3D scores, up to the float16 rounding of the
    // stored pool (the pipeline scored the in-memory float32 pool; the demo stores float16)
    const a = decodePly(readFileSync(join(out, `${colours[0]}.ply`))).properties.score
    const b = decodePly(readFileSync(join(run, 'querier', `${colours[0]}.ply`))).properties.score
    expect(a.length).toBe(b.length)
    let worst = 0
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]))
    expect(worst).toBeLessThan(2e-3)
  })
})
