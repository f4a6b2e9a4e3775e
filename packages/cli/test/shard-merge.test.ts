import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeNpy, encodeNpy } from '@plaf/core'
import { open3D, writeIndexReferenceMap } from '@plaf/storage'
import { describe, expect, it } from 'vitest'
import { shardPositions } from '../src/commands/shard.js'
import { cli, tempDir } from './helpers.js'

// A generated scene small enough for a test: 24 frames on the camera loop, Felzenszwalb masks,
// colour-lexicon features, voxel-overlap fusion, counts stored (what merge weights by).
const VOXEL = 0.05
const pipeline = `name: shards
input: { use: synthetic-room, with: { seed: 4, frames: 24, objects: 5, color_width: 160, color_height: 120, depth_width: 80, depth_height: 60 } }
stages:
  backbone: { use: color-lexicon, with: { resolution: 64 } }
  masker: { use: felzenszwalb, with: { min_size: 30, max_side: 160 } }
  aggregator: { use: mask-mean }
  lifter: { use: backproject, with: { voxel_size: ${VOXEL}, fusion: voxel-overlap } }
  storage3d: { use: index-reference, with: { feature_dtype: float32, counts: true } }
runtime: { cache: false }
`

/**
 * Per point (keyed by its voxel), the argmax label over the 11 basic colour terms: the
 * color-lexicon-text vector of a term is one-hot, so the label is the argmax over the pool row.
 */
function labels(dir: string): Map<string, number> {
  const { map } = open3D(dir)
  const [m, d] = map.pool.shape
  const rowLabel = Array.from({ length: m }, (_, r) => {
    let best = 0
    for (let c = 1; c < d; c++) if (map.pool.data[r * d + c] > map.pool.data[r * d + best]) best = c
    return best
  })
  const out = new Map<string, number>()
  for (let i = 0; i < map.refs.length; i++) {
    const key = [0, 1, 2].map((k) => Math.round(map.positions[3 * i + k] / VOXEL)).join(',')
    out.set(key, rowLabel[map.refs[i]])
  }
  return out
}

describe('plaf run --shard and plaf merge', () => {
  it('assigns chunks of frames round-robin', () => {
    expect(shardPositions(10, { index: 1, count: 2, chunk: 3 })).toEqual([3, 4, 5, 9])
    expect(shardPositions(10, { index: 0, count: 2, chunk: 3 })).toEqual([0, 1, 2, 6, 7, 8])
    expect(shardPositions(4, { index: 2, count: 3, chunk: 2 })).toEqual([])
  })

  it('merged shards give the unsharded map: the same argmax label on 100 % of points, the same pool rows', async () => {
    const dir = tempDir({ 'p.yaml': pipeline })
    const run = (...a: string[]) => cli('run', join(dir, 'p.yaml'), '--progress', 'none', ...a)
    expect((await run('--out', join(dir, 'whole'))).code).toBe(0)
    for (const i of [0, 1, 2]) {
      const r = await run('--shard', `${i}/3`, '--shard-chunk', '4', '--out', join(dir, `s${i}`))
      expect(r.code, r.err).toBe(0)
      const rec = JSON.parse(readFileSync(join(dir, `s${i}`, 'shard.json'), 'utf8'))
      const files = { masks: join('storage3d', 'masks.npy'), features: join('storage3d', 'mask-features.npy'), samples: join('storage3d', 'mask-samples.npy'), keys: join('storage3d', 'voxel-keys.npy') }
      expect(rec).toMatchObject({ shard: i, of: 3, chunk: 4, frames_total: 24, frames: shardPositions(24, { index: i, count: 3, chunk: 4 }), masks: files })
      // the mask sidecar: masks in frame order, of this shard's frames; their samples add up to each point's observations
      const { map, counts } = open3D(join(dir, `s${i}`, 'storage3d'))
      const masks = decodeNpy(readFileSync(join(dir, `s${i}`, files.masks)))
      const samples = decodeNpy(readFileSync(join(dir, `s${i}`, files.samples)))
      const keys = decodeNpy(readFileSync(join(dir, `s${i}`, files.keys)))
      expect(decodeNpy(readFileSync(join(dir, `s${i}`, files.features))).shape).toEqual([masks.shape[0], map.pool.shape[1]])
      expect(keys.shape).toEqual([map.refs.length, 3])
      const frames = new Set(shardPositions(24, { index: i, count: 3, chunk: 4 }))
      for (let k = 0; k < masks.shape[0]; k++) {
        expect(frames.has(Number(masks.data[2 * k]))).toBe(true)
        if (k) expect(Number(masks.data[2 * k])).toBeGreaterThanOrEqual(Number(masks.data[2 * k - 2]))
      }
      const sums = new Uint32Array(map.refs.length)
      const perMask = new Uint32Array(masks.shape[0])
      for (let k = 0; k < samples.shape[0]; k++) {
        sums[Number(samples.data[k * 3 + 1])] += Number(samples.data[k * 3 + 2])
        perMask[Number(samples.data[k * 3])] += Number(samples.data[k * 3 + 2])
      }
      expect(sums).toEqual(counts)
      for (let k = 0; k < masks.shape[0]; k++) expect(perMask[k]).toBe(Number(masks.data[2 * k + 1]))
      expect(JSON.parse(readFileSync(join(dir, `s${i}`, 'report.json'), 'utf8')).frames.processed).toBe(8)
    }
    const m = await cli('merge', join(dir, 's0'), join(dir, 's1'), join(dir, 's2'), '--out', join(dir, 'merged'), '--json')
    expect(m.code, m.err).toBe(0)
    const summary = JSON.parse(m.out)
    const whole = labels(join(dir, 'whole', 'storage3d'))
    const merged = labels(join(dir, 'merged', 'storage3d'))
    expect(summary.points).toBe(whole.size)
    const wholeReport = JSON.parse(readFileSync(join(dir, 'whole', 'report.json'), 'utf8'))
    expect(summary.masks_seen).toBe(wholeReport.stages.lifter.metrics.masks_seen)
    let same = 0
    for (const [k, l] of whole) same += merged.get(k) === l ? 1 : 0
    // The issue's goal (≥ 99 %). The merge replays the shards' masks in frame order, so it is the
    // unsharded map: the same pool rows, and the same ref at every point (in the same point order).
    expect(same / whole.size).toBeGreaterThanOrEqual(0.99)
    expect(same).toBe(whole.size)
    expect(summary.pool_rows).toBe(wholeReport.stages.lifter.metrics.pool_rows)
    // the dense per-point size (computed, not written) and the ratio in report.md, as the unsharded run has them
    expect(summary.dense_bytes).toBeGreaterThan(0)
    expect(summary.dense_bytes).toBe(wholeReport.stages.storage3d.metrics.dense_bytes)
    expect(JSON.parse(readFileSync(join(dir, 'merged', 'report.json'), 'utf8')).stages.storage3d.metrics.dense_bytes).toBe(summary.dense_bytes)
    // and the like-for-like figures (dense per-point at the pool's dtype, refs + pool) as the unsharded run has them
    for (const k of ['dense_pool_dtype_bytes', 'semantic_bytes', 'feature_bytes']) {
      expect(JSON.parse(readFileSync(join(dir, 'merged', 'report.json'), 'utf8')).stages.storage3d.metrics[k], k).toBe(wholeReport.stages.storage3d.metrics[k])
    }
    expect(open3D(join(dir, 'merged', 'storage3d')).map.refs).toEqual(open3D(join(dir, 'whole', 'storage3d')).map.refs)
    // the partials' order on the command line does not matter (they are taken in shard order)
    const r = await cli('merge', join(dir, 's2'), join(dir, 's0'), join(dir, 's1'), '--out', join(dir, 'merged-2'), '--json')
    expect(r.code, r.err).toBe(0)
    expect(readFileSync(join(dir, 'merged-2', 'storage3d', 'map.ply'))).toEqual(readFileSync(join(dir, 'merged', 'storage3d', 'map.ply')))
    // The fused pool against an unfused one (fusion: none) of the same shards, merged. Both saw the
    // same masks; an unfused row is a mask that leads some voxel's vote (masks that lead none are
    // compacted away), so unfused rows ≤ masks seen. Fusion's rule (lifter README, Fusion): a
    // mask with ≥ fusion_overlap (0.3) of its points on voxels led by an entry that agrees with it
    // (cosine ≥ fusion_cosine to its mean and anchor) joins that entry instead of adding a row. So
    // a surface in view over k frames takes one fused row where the unfused map keeps up to k. On
    // this camera loop (24 views 15° apart looking at the room's centre, a 58° horizontal field of
    // view) a wall stays in view for about 58° / 15° ≈ 4 frames and the objects near the centre in
    // all 24: fusion must at least halve the rows, leaving room for masks whose view changed too
    // much to reach the overlap, or that straddle two surfaces, and start entries of their own.
    // Measured 274 unfused rows → 104 fused (0.38; 304 masks seen) with felzenszwalb 0.2.0.
    for (const i of [0, 1, 2]) {
      const r = await run('--shard', `${i}/3`, '--shard-chunk', '4', '--set', 'stages.lifter.with.fusion=none', '--out', join(dir, `u${i}`))
      expect(r.code, r.err).toBe(0)
    }
    const um = await cli('merge', join(dir, 'u0'), join(dir, 'u1'), join(dir, 'u2'), '--out', join(dir, 'merged-unfused'), '--json')
    expect(um.code, um.err).toBe(0)
    const unfused = JSON.parse(um.out)
    expect(unfused).toMatchObject({ points: summary.points, masks_seen: summary.masks_seen })
    expect(unfused.pool_rows).toBeLessThanOrEqual(unfused.masks_seen)
    expect(summary.pool_rows * 2).toBeLessThan(unfused.pool_rows)

    // merging a run of another pipeline is a located error, exit 1
    expect((await run('--shard', '0/3', '--shard-chunk', '4', '--out', join(dir, 'other'), '--set', 'stages.lifter.with.voxel_size=0.04')).code).toBe(0)
    const bad = await cli('merge', join(dir, 's0'), join(dir, 'other'), '--out', join(dir, 'm2'))
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('stages.lifter.with.voxel_size differs')
    expect(bad.err).toContain(join(dir, 'other', 'config.resolved.yaml'))
    // the same shard twice
    const twice = await cli('merge', join(dir, 's0'), join(dir, 's0'), '--out', join(dir, 'm3'))
    expect(twice.code).toBe(1)
    expect(twice.err).toContain('is shard 0/3 again')
    // a partial map whose pool rows have another dimension
    const s1 = join(dir, 's1', 'storage3d')
    const { map, counts } = open3D(s1)
    const [rows, d] = map.pool.shape
    const narrow = new Float32Array(rows * (d - 1))
    for (let r = 0; r < rows; r++) narrow.set(map.pool.data.subarray(r * d, r * d + d - 1), r * (d - 1))
    writeIndexReferenceMap(s1, { ...map, pool: { data: narrow, shape: [rows, d - 1] } }, { feature_dtype: 'float32', dense_baseline: false, keep_dense_baseline: false, counts: true }, counts ?? undefined)
    const dims = await cli('merge', join(dir, 's0'), join(dir, 's1'), '--out', join(dir, 'm4'))
    expect(dims.code).toBe(1)
    expect(dims.err).toContain(`${d - 1}-dimensional rows`)
    expect(dims.err).toContain(join(s1, 'map.json'))
    // a mask sidecar file of the wrong shape, or missing
    const samplesFile = join(dir, 's0', 'storage3d', 'mask-samples.npy')
    writeFileSync(samplesFile, encodeNpy({ data: new Uint32Array(4), shape: [2, 2] }))
    const badSamples = await cli('merge', join(dir, 's0'), join(dir, 's2'), '--out', join(dir, 'm5'))
    expect(badSamples.code).toBe(1)
    expect(badSamples.err).toContain(`${samplesFile}: expected a (K, 3) uint32 array`)
    const keysFile = join(dir, 's2', 'storage3d', 'voxel-keys.npy')
    rmSync(keysFile)
    const noKeys = await cli('merge', join(dir, 's2'), '--out', join(dir, 'm6'))
    expect(noKeys.code).toBe(1)
    expect(noKeys.err).toContain(`${keysFile} is missing`)
  }, 120_000)

  it('a shard reuses the stage cache entries of an unsharded run of the same frames', async () => {
    const small = pipeline.replace('frames: 24', 'frames: 4').replace('runtime: { cache: false }', 'runtime: { cache: true, cache_dir: ./cache }')
    const dir = tempDir({ 'p.yaml': small })
    expect((await cli('run', join(dir, 'p.yaml'), '--progress', 'none', '--out', join(dir, 'whole'))).code).toBe(0)
    const r = await cli('run', join(dir, 'p.yaml'), '--progress', 'none', '--shard', '1/2', '--shard-chunk', '1', '--out', join(dir, 's1'))
    expect(r.code, r.err).toBe(0)
    const report = JSON.parse(readFileSync(join(dir, 's1', 'report.json'), 'utf8'))
    expect(report.frames.processed).toBe(2)
    expect(report.stages.backbone).toMatchObject({ cache_hits: 2, cache_misses: 0 })
    const manifest = JSON.parse(readFileSync(join(dir, 's1', 'manifest.json'), 'utf8'))
    expect(manifest.input.describe).toContain('(shard 1/2, chunks of 1 frames: 2 of 4 frames)')
  })

  it('a shard that got no frame (more shards than chunks) merges with the others into the unsharded map, a run plaf query opens', async () => {
    // with a 2D codec and a querier, so that the merged run is queried as the unsharded one is
    const withQuerier = pipeline.replace('frames: 24', 'frames: 4').replace('  lifter:', '  storage2d: { use: mask-indexed }\n  lifter:')
      .replace('runtime:', 'querier: { use: text, with: { encoder: color-lexicon-text, queries: [blue], threshold: 0.7, write_masks: false, write_overlays: false } }\nruntime:')
      .replace('\nquerier:', '\n  querier:')
    const dir = tempDir({ 'p.yaml': withQuerier })
    const run = (...a: string[]) => cli('run', join(dir, 'p.yaml'), '--progress', 'none', ...a)
    expect((await run('--out', join(dir, 'whole'))).code).toBe(0)
    const runs = []
    for (const i of [0, 1, 2]) runs.push(await run('--shard', `${i}/3`, '--shard-chunk', '2', '--out', join(dir, `s${i}`)))
    for (const r of runs) expect(r.code, r.err).toBe(0)
    expect(JSON.parse(readFileSync(join(dir, 's2', 'shard.json'), 'utf8')).frames).toEqual([])
    // the empty shard says so plainly, and the stages' "no point: check the depth images" notes are not printed
    expect(runs[2].err).toBe([
      'plaf warning shard 2/3 received no frames: the input has 4 frames, which make 2 chunks of 2 frames (--shard-chunk 2), and chunk k goes to shard k mod 3; its partial map is empty (plaf merge accepts it)  PLAF_EMPTY_RESULT',
      '     to give every shard frames, use a smaller chunk: --shard-chunk 1',
      '',
      '0 error(s), 1 warning(s)',
      '',
    ].join('\n'))
    expect(runs[2].out).toContain(`empty partial map (no frames) (shard 2/3, chunks of 2 frames) written to ${join(dir, 's2')}`)
    expect(runs[1].err).not.toContain('received no frames')
    const m = await cli('merge', join(dir, 's0'), join(dir, 's1'), join(dir, 's2'), '--out', join(dir, 'merged'))
    expect(m.code, m.err).toBe(0)
    expect(open3D(join(dir, 'merged', 'storage3d')).map.refs).toEqual(open3D(join(dir, 'whole', 'storage3d')).map.refs)
    // the merged directory is a run: its manifest names the whole input and the shards merged
    const manifest = JSON.parse(readFileSync(join(dir, 'merged', 'manifest.json'), 'utf8'))
    const wholeManifest = JSON.parse(readFileSync(join(dir, 'whole', 'manifest.json'), 'utf8'))
    expect(manifest.input).toEqual({ ...wholeManifest.input, describe: `${wholeManifest.input.describe} (merged from 3 partial maps)` })
    expect(manifest.pipeline.config_hash).toBe(wholeManifest.pipeline.config_hash)
    expect(manifest.merged).toEqual({
      shards: [0, 1, 2].map((i) => ({ dir: join(dir, `s${i}`), shard: `${i}/3`, frames: shardPositions(4, { index: i, count: 3, chunk: 2 }) })), replayed: true, stores: ['3d'],
    })
    // plaf query on it: the same 3D hits as on the unsharded run; no 2D part, and it says where the 2D memories are
    const texts = ['--text', 'blue', '--text', 'red', '--text', 'green', '--threshold', '0.5']
    const qm = await cli('query', join(dir, 'merged'), ...texts, '--json')
    const qw = await cli('query', join(dir, 'whole'), ...texts, '--json')
    expect(qm.code, qm.err).toBe(0)
    expect(qw.code, qw.err).toBe(0)
    const hits = (out: string) => (JSON.parse(out) as { queries: { text: string; map3d: unknown }[] }).queries.map((q) => [q.text, q.map3d])
    expect(hits(qm.out)).toEqual(hits(qw.out))
    expect(hits(qm.out).some(([, m]) => (m as { pointsSelected: number }).pointsSelected > 0)).toBe(true)
    expect(JSON.parse(qm.out).queries.every((q: { frames2d: unknown }) => q.frames2d === null)).toBe(true)
    const text = await cli('query', join(dir, 'merged'), '--text', 'blue')
    expect(text.out.split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^queried 1 text on the 3D map \(storage3d\) in \d+ ms \(no features recomputed\)$/),
      `${join(dir, 'merged')} is a merged run (plaf merge of 3 partial runs): it holds the 3D map only; each shard's 2D memories stay in its own directory (plaf query <shard dir> for 2D hits): ${[0, 1, 2].map((i) => join(dir, `s${i}`)).join(', ')}`,
    ])
    // labels on a merged run (no 2D memory): per label 3D points only, not "2D 0 of 0 pixels"
    const lq = await cli('query', join(dir, 'merged'), '--labels', 'red,blue', '--out', join(dir, 'merged-labels'))
    expect(lq.code, lq.err).toBe(0)
    const labelLines = lq.out.slice(lq.out.indexOf('\nlabels (') + 1).split('\n\n')[0].split('\n').slice(1)
    expect(labelLines.map((l) => l.trim().split(/\s+/)[0])).toEqual(['red', 'blue', 'background'])
    for (const l of labelLines) expect(l).toMatch(/3D +[\d,]+ of [\d,]+ points$/)
    // plaf view opens it too (an exported page of the merged map)
    const page = join(dir, 'merged.html')
    const v = await cli('view', join(dir, 'merged'), '--export', page)
    expect(v.code, v.err).toBe(0)
    expect(v.out).toContain(`${open3D(join(dir, 'whole', 'storage3d')).map.refs.length.toLocaleString('en-US')} of`)
    expect(existsSync(page)).toBe(true)
  }, 60_000)

  it('bad --shard values are located option errors, exit 1', async () => {
    const dir = tempDir({ 'p.yaml': pipeline })
    for (const [v, text] of [['3/2', 'not below the number of shards 2'], ['a/b', 'must be i/n'], ['1/0', 'at least 1']]) {
      const r = await cli('run', join(dir, 'p.yaml'), '--shard', v, '--out', join(dir, 'x'), '--progress', 'none')
      expect(r.code).toBe(1)
      expect(r.err).toContain('PLAF_INVALID_OPTION')
      expect(r.err).toContain(text)
      expect(r.err).toContain(`--shard ${v}`)
    }
    const c = await cli('run', join(dir, 'p.yaml'), '--shard', '0/2', '--shard-chunk', '0', '--out', join(dir, 'x'), '--progress', 'none')
    expect(c.code).toBe(1)
    expect(c.err).toContain('--shard-chunk must be a positive integer')
    const alone = await cli('run', join(dir, 'p.yaml'), '--shard-chunk', '5', '--out', join(dir, 'x'), '--progress', 'none')
    expect(alone.code).toBe(1)
    expect(alone.err).toContain('--shard-chunk needs --shard i/n')
    expect(existsSync(join(dir, 'x'))).toBe(false)
    const m = await cli('merge', join(dir, 'nope'), '--out', join(dir, 'm'))
    expect(m.code).toBe(1)
    expect(m.err).toContain('PLAF_FILE_NOT_FOUND')
  })

  it('--scenes runs every n-th listed scene; a missing listed scene names the list line', async () => {
    const dir = tempDir({})
    for (const s of ['a', 'b', 'c']) {
      const r = await cli('make-scene', join(dir, s), '--frames', '2', '--set', 'color_width=80', '--set', 'color_height=60', '--set', 'depth_width=40', '--set', 'depth_height=30')
      expect(r.code, r.err).toBe(0)
    }
    const scanPipeline = pipeline.replace(/input: .*\n/, 'input: { use: scannet, with: { scene: ./a } }\n')
    const root = tempDir({ 'p.yaml': scanPipeline, 'list.txt': `# scenes\n${join(dir, 'a')}\n${join(dir, 'b')}\n\n${join(dir, 'c')}\n` })
    const r = await cli('run', join(root, 'p.yaml'), '--scenes', join(root, 'list.txt'), '--shard', '1/2', '--out', join(root, 'runs'), '--progress', 'none')
    expect(r.code, r.err).toBe(0)
    expect(existsSync(join(root, 'runs', 'b', 'report.json'))).toBe(true)
    expect(existsSync(join(root, 'runs', 'a'))).toBe(false)
    expect(existsSync(join(root, 'runs', 'c'))).toBe(false)
    expect(r.out).toBe(`shard 1/2: 1 scene run\n  ${join(root, 'runs', 'b')}\n`)
    // without --shard no shard is named
    writeFileSync(join(root, 'two.txt'), `${join(dir, 'a')}\n${join(dir, 'c')}\n`)
    const all = await cli('run', join(root, 'p.yaml'), '--scenes', join(root, 'two.txt'), '--out', join(root, 'all'), '--progress', 'none')
    expect(all.code, all.err).toBe(0)
    expect(all.out).toBe(`2 scenes run\n  ${join(root, 'all', 'a')}\n  ${join(root, 'all', 'c')}\n`)
    const chunk = await cli('run', join(root, 'p.yaml'), '--scenes', join(root, 'list.txt'), '--shard-chunk', '5', '--progress', 'none')
    expect(chunk.code).toBe(1)
    expect(chunk.err).toContain('--shard-chunk applies to frame shards')
    const bad = tempDir({ 'p.yaml': scanPipeline, 'list.txt': `${join(dir, 'a')}\n  ./missing\n` })
    const e = await cli('run', join(bad, 'p.yaml'), '--scenes', join(bad, 'list.txt'), '--progress', 'none')
    expect(e.code).toBe(1)
    expect(e.err).toContain(`${join(bad, 'list.txt')}:2:3`)
    expect(e.err).toContain('scene ./missing does not exist')
  }, 60_000)
})
