import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodePly, encodePly } from '@plaf/core'
import { pythonCheck } from '@plaf/core/testing'
import { readSceneMeta, sceneObjects, type SceneObject } from '@plaf/datasets'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from './helpers.js'

// One generated ScanNet-layout scene (3 frames) and one run of the demo pipeline on it: `plaf query`'s
// 3D outputs (scored PLYs, regions, labels, a reference mesh) checked against the scene and in
// readers nobody here wrote (numpy, Open3D, scipy's k-d tree).
let base = ''
let scene = ''
let run = ''
let objects: SceneObject[] = []
const open3d = pythonCheck(['open3d', 'numpy', 'scipy'], ['python3-open3d', 'python3-scipy'])

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'plaf-query3d-'))
  scene = join(base, 'scene0003_00')
  const made = await cli('make-scene', scene, '--frames', '3', '--seed', '11', '--set', 'color_width=324', '--set', 'color_height=242', '--set', 'depth_width=160', '--set', 'depth_height=120')
  expect(made.code, made.err).toBe(0)
  objects = sceneObjects(readSceneMeta(scene))
  writeFileSync(join(base, 'p.yaml'), `name: q3d
extends: ${join(process.cwd(), 'pipelines', 'demo.yaml')}
input: { use: scannet, with: { scene: '${scene}' } }
stages:
  masker: { use: grid, with: { cell_size: 24 } }
  dense2d: null
  querier: { with: { write_overlays: false } }
`)
  run = join(base, 'run')
  const r = await cli('run', join(base, 'p.yaml'), '--out', run, '--progress', 'none', '--set', `runtime.cache_dir=${join(base, 'cache')}`)
  expect(r.code, r.err).toBe(0)
}, 300_000)

afterAll(() => rmSync(base, { recursive: true, force: true }))

/** Whether p lies in the object's box grown by `margin` metres (box frame: yaw about +z). */
function inBox(o: SceneObject, p: number[], margin: number): boolean {
  const dx = p[0] - o.center[0]
  const dy = p[1] - o.center[1]
  const c = Math.cos(-o.yaw)
  const s = Math.sin(-o.yaw)
  const local = [c * dx - s * dy, s * dx + c * dy, p[2] - o.center[2]]
  return local.every((v, k) => Math.abs(v) <= o.halfExtents[k] + margin)
}

describe('plaf query: 3D outputs', () => {
  it('answers "where" with regions inside the object of that colour, and writes scores, labels and mesh files readers agree with', async () => {
    // A colour only one object has, so "where" has one right answer.
    const colours = objects.map((o) => o.colour)
    const unique = objects.filter((o) => colours.filter((c) => c === o.colour).length === 1)
    expect(unique.length).toBeGreaterThan(0)
    const target = unique.reduce((a, b) => (b.halfExtents[0] * b.halfExtents[1] * b.halfExtents[2] > a.halfExtents[0] * a.halfExtents[1] * a.halfExtents[2] ? b : a))
    const labels = [...new Set(colours)]
    const mesh = join(scene, 'scene0003_00_vh_clean_2.ply')
    const out = join(base, 'out')
    const r = await cli('query', run, '--text', target.colour, '--labels', labels.join(','), '--mesh', mesh, '--mesh-max-distance', '0.04', '--out', out)
    expect(r.code, r.err).toBe(0)
    expect(r.out).toContain('where in 3D')
    const scores = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8'))
    const q = scores.queries[0].map
    expect(q.regions_file).toBe(`${target.colour}.regions.json`)
    const regions = JSON.parse(readFileSync(join(out, q.regions_file), 'utf8'))
    expect(regions).toMatchObject({ text: target.colour, threshold: 0.7, voxel_size: 0.05 })
    expect(regions.regions.length).toBeGreaterThan(0)
    const top = regions.regions[0]
    expect(top).toEqual(q.top_region === null ? null : { rank: 1, ...q.top_region })
    expect(inBox(target, top.centroid, 0.1), `centroid ${top.centroid} of "${target.colour}" in ${target.name}`).toBe(true)
    expect(regions.regions.reduce((a: number, x: { points: number }) => a + x.points, 0)).toBeLessThanOrEqual(regions.points_above_threshold)
    expect(r.out).toContain(`${top.points.toLocaleString('en-US')} points around (${top.centroid.map((v: number) => v.toFixed(2)).join(', ')}) m`)
    expect(scores.mesh).toMatchObject({ file: mesh, max_distance: 0.04, scores: 'mesh/scores.npy', labels: 'mesh/labels.ply' })
    expect(scores.labels_3d).toMatchObject({ file: 'labels/map.ply', npy: 'labels/map-labels.npy', threshold: 0.7 })
    if (!open3d.available) return
    const got = open3d.json(`import sys, json, numpy as np, open3d as o3d
from scipy.spatial import cKDTree
out, slug, mesh_file, cut = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
pc = o3d.t.io.read_point_cloud(f'{out}/{slug}.ply')
scores = np.load(f'{out}/map-scores.npy')
pos = pc.point.positions.numpy()
lab = o3d.t.io.read_point_cloud(f'{out}/labels/map.ply')
labels = np.load(f'{out}/labels/map-labels.npy')
ref = o3d.io.read_triangle_mesh(mesh_file)
m = o3d.io.read_triangle_mesh(f'{out}/mesh/{slug}.ply')
mt = o3d.t.io.read_point_cloud(f'{out}/mesh/{slug}.ply')  # the tensor mesh reader of 0.16 keeps no custom vertex attributes
verts = np.asarray(ref.vertices)
d, nn = cKDTree(pos).query(verts, distance_upper_bound=cut)
matched = np.isfinite(d) & (d < cut)
ms = np.load(f'{out}/mesh/scores.npy')
ml = np.load(f'{out}/mesh/labels.npy')
want = np.where(matched, scores[0][np.minimum(nn, len(pos) - 1)], np.nan)
want_l = np.where(matched, labels[np.minimum(nn, len(pos) - 1)], 0)
print(json.dumps({
  'points': int(pos.shape[0]), 'scores_shape': list(scores.shape),
  'score_attr_equal': bool(np.array_equal(pc.point['score'].numpy()[:, 0], scores[0])),
  'label_attr_equal': bool(np.array_equal(lab.point['label'].numpy()[:, 0].astype(np.int64), labels.astype(np.int64))),
  'label_dtype': str(labels.dtype), 'label_max': int(labels.max()),
  'mesh_vertices': [len(m.vertices), len(verts)], 'mesh_triangles': [len(m.triangles), len(ref.triangles)],
  'mesh_score_attr_equal': bool(np.array_equal(mt.point['score'].numpy()[:, 0], ms[0], equal_nan=True)),
  'matched': int(matched.sum()), 'mesh_scores_equal': bool(np.array_equal(ms[0], want.astype(np.float32), equal_nan=True)),
  'mesh_labels_equal': bool(np.array_equal(ml.astype(np.int64), want_l.astype(np.int64))),
}))`, [out, target.colour, mesh, '0.04']) as Record<string, unknown>
    const n = q.points
    expect(got).toEqual({
      points: n, scores_shape: [1, n], score_attr_equal: true, label_attr_equal: true, label_dtype: 'uint16', label_max: expect.any(Number),
      mesh_vertices: [scores.mesh.vertices, scores.mesh.vertices], mesh_triangles: [scores.mesh.faces, scores.mesh.faces],
      mesh_score_attr_equal: true, matched: scores.mesh.vertices_matched, mesh_scores_equal: true, mesh_labels_equal: true,
    })
    expect(got.label_max as number).toBeLessThanOrEqual(labels.length)
    expect(scores.mesh.vertices_matched).toBeGreaterThan(0)
    expect(scores.mesh.vertices_matched).toBeLessThan(scores.mesh.vertices) // the 3 frames do not see the whole room
  })
})

describe('plaf query --mesh: bad files', () => {
  const norm = (s: string) => s.split(base).join('<tmp>')
  it('a missing mesh is exit 1 naming the file', async () => {
    const r = await cli('query', run, '--text', 'red', '--mesh', join(base, 'nope.ply'), '--out', join(base, 'bad1'))
    expect(r.code).toBe(1)
    expect(norm(r.err)).toMatchInlineSnapshot(`
      "<tmp>/nope.ply error reference mesh <tmp>/nope.ply does not exist  PLAF_FILE_NOT_FOUND
           | --mesh <tmp>/nope.ply
           | ^
           give the reference mesh PLY (e.g. the scene's <scene>_vh_clean_2.ply), relative to the working directory
      "
    `)
  })
  it('a file that is not PLY is exit 1 naming the file', async () => {
    writeFileSync(join(base, 'notply.ply'), 'solid cube\nfacet normal 0 0 1\n')
    const r = await cli('query', run, '--text', 'red', '--mesh', join(base, 'notply.ply'), '--out', join(base, 'bad2'))
    expect(r.code).toBe(1)
    expect(norm(r.err)).toMatchInlineSnapshot(`
      "<tmp>/notply.ply error stage querier (text): <tmp>/notply.ply: not a PLY file (first line is not "ply")  PLAF_INPUT_INVALID
      "
    `)
  })
  it('a run without a 3D map is exit 1 for --mesh', async () => {
    writeFileSync(join(base, 'no3d.yaml'), readFileSync(join(base, 'p.yaml'), 'utf8').replace('name: q3d', 'name: no3d') + '  storage3d: null\n')
    const made = await cli('run', join(base, 'no3d.yaml'), '--out', join(base, 'no3d'), '--progress', 'none', '--set', `runtime.cache_dir=${join(base, 'cache')}`)
    expect(made.code, made.err).toBe(0)
    const r = await cli('query', join(base, 'no3d'), '--text', 'red', '--mesh', join(scene, 'scene0003_00_vh_clean_2.ply'), '--out', join(base, 'bad4'))
    expect(r.code).toBe(1)
    expect(norm(r.err)).toMatchInlineSnapshot(`
      "<tmp>/scene0003_00/scene0003_00_vh_clean_2.ply error --mesh needs a run with a readable 3D map, and <tmp>/no3d has none (no storage3d stage that can read back)  PLAF_INVALID_OVERRIDE
           | --mesh <tmp>/scene0003_00/scene0003_00_vh_clean_2.ply
           | ^
      "
    `)
  })
  it('a PLY without vertices is exit 1 naming the file', async () => {
    writeFileSync(join(base, 'empty.ply'), encodePly({ vertexCount: 0, properties: [{ name: 'x', type: 'float', data: [] }, { name: 'y', type: 'float', data: [] }, { name: 'z', type: 'float', data: [] }] }))
    expect(decodePly(readFileSync(join(base, 'empty.ply'))).vertexCount).toBe(0)
    const r = await cli('query', run, '--text', 'red', '--mesh', join(base, 'empty.ply'), '--out', join(base, 'bad3'))
    expect(r.code).toBe(1)
    expect(norm(r.err)).toMatchInlineSnapshot(`
      "<tmp>/empty.ply error stage querier (text): reference mesh <tmp>/empty.ply has no vertices  PLAF_INPUT_INVALID
           expected at least one vertex; got 0
      "
    `)
  })
})
