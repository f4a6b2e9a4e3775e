import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readSceneMeta, sceneObjects } from '@plaf/datasets'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from './helpers.js'

// One generated ScanNet-layout scene (3 frames) and one run of the demo pipeline on it: what a new
// user's walkthrough of plaf query found (output directory, printed summary, ignored flags).
let base = ''
let scene = ''
let run = ''
let colours: string[] = []

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'plaf-query-walk-'))
  scene = join(base, 'scene0004_00')
  const made = await cli('make-scene', scene, '--frames', '3', '--seed', '5', '--set', 'color_width=160', '--set', 'color_height=120', '--set', 'depth_width=80', '--set', 'depth_height=60')
  expect(made.code, made.err).toBe(0)
  colours = [...new Set(sceneObjects(readSceneMeta(scene)).map((o) => o.colour))]
  writeFileSync(join(base, 'p.yaml'), `name: walk
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

const mesh = () => join(scene, `${'scene0004_00'}_vh_clean_2.ply`)

describe('plaf query: what a new user runs into', () => {
  it('prints how many mesh vertices had a map point within the distance (the rest NaN)', async () => {
    const out = join(base, 'q-mesh')
    const r = await cli('query', run, '--text', colours[0], '--mesh', mesh(), '--mesh-max-distance', '0.04', '--out', out)
    expect(r.code, r.err).toBe(0)
    const m = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8')).mesh
    expect(m.vertices_matched).toBeGreaterThan(0)
    expect(r.out).toContain(`${m.vertices_matched.toLocaleString('en-US')} of ${m.vertices.toLocaleString('en-US')} mesh vertices had a map point within 0.04 m (the rest NaN)`)
  })

  it('says how many regions <query>.regions.json lists, and --top-regions raises the cap', async () => {
    const out = join(base, 'q-regions')
    const r = await cli('query', run, '--text', colours[0], '--threshold', '0', '--out', out)
    expect(r.code, r.err).toBe(0)
    expect(r.out).not.toContain('all regions')
    expect(r.out).toContain('the 5 largest regions in <query>.regions.json')
    const file = join(out, `${JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8')).queries[0].map.regions_file}`)
    const first = JSON.parse(readFileSync(file, 'utf8'))
    expect(first.top_regions).toBe(5)
    expect(first.regions.length).toBeLessThanOrEqual(5)
    const more = await cli('query', run, '--text', colours[0], '--threshold', '0', '--top-regions', '40', '--out', out)
    expect(more.code, more.err).toBe(0)
    expect(more.out).toContain('the 40 largest regions in <query>.regions.json')
    const regions = JSON.parse(readFileSync(file, 'utf8'))
    expect(regions.top_regions).toBe(40)
    expect(regions.regions.length).toBeGreaterThanOrEqual(first.regions.length)
    expect(regions.regions.slice(0, first.regions.length)).toEqual(first.regions)
    const one = await cli('query', run, '--text', colours[0], '--threshold', '0', '--top-regions', '1', '--out', out)
    expect(one.out).toContain('the 1 largest region in <query>.regions.json')
    expect(JSON.parse(readFileSync(file, 'utf8')).regions.length).toBe(1)
    const bad = await cli('query', run, '--text', colours[0], '--top-regions', '0', '--out', out)
    expect(bad.code, bad.err).toBe(1)
    expect(bad.err).toContain('--top-regions 0')
  })

  it('an output directory holds one query: the previous query\'s outputs are cleared; files it did not write are refused without --overwrite', async () => {
    const out = join(base, 'q-twice')
    const [a, b] = colours
    expect((await cli('query', run, '--text', a, '--labels', colours.join(','), '--out', out)).code).toBe(0)
    expect(existsSync(join(out, `${a}.ply`))).toBe(true)
    expect(existsSync(join(out, 'labels'))).toBe(true)
    const second = await cli('query', run, '--text', b, '--out', out)
    expect(second.code, second.err).toBe(0)
    expect(second.err).toContain(`cleared ${out}, which held an earlier query's outputs`)
    const left = readdirSync(out)
    expect(left).not.toContain(`${a}.ply`)
    expect(left).not.toContain(`${a}.regions.json`)
    expect(left).not.toContain('labels')
    expect(left).toContain(`${b}.ply`)
    expect(JSON.parse(readFileSync(join(out, 'query.json'), 'utf8'))).toMatchObject({ tool: 'plaf query', texts: [b], labels: [] })
    // a file no query wrote: refused, kept; --overwrite deletes it
    writeFileSync(join(out, 'notes.txt'), 'mine')
    const foreign = join(base, 'q-foreign')
    mkdirSync(foreign)
    writeFileSync(join(foreign, 'notes.txt'), 'mine')
    const refused = await cli('query', run, '--text', a, '--out', foreign)
    expect(refused.code, refused.err).toBe(1)
    expect(refused.err).toContain('PLAF_RUN_DIR_USED')
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('mine')
    const over = await cli('query', run, '--text', a, '--out', foreign, '--overwrite')
    expect(over.code, over.err).toBe(0)
    expect(existsSync(join(foreign, 'notes.txt'))).toBe(false)
    // never the run itself
    const self = await cli('query', run, '--text', a, '--out', run, '--overwrite')
    expect(self.code, self.err).toBe(1)
    expect(existsSync(join(run, 'report.json'))).toBe(true)
  })

  it('refuses flags that would be ignored: --mesh-max-distance without a mesh, a label given twice (exit 1)', async () => {
    const out = join(base, 'q-flags')
    const dist = await cli('query', run, '--text', colours[0], '--mesh-max-distance', '0.04', '--out', out)
    expect(dist.code, dist.err).toBe(1)
    expect(dist.err).toContain('--mesh-max-distance')
    expect(dist.err).toContain('--mesh')
    const [x, y] = colours
    const twice = await cli('query', run, '--labels', `${x},${x},${y}`, '--out', out)
    expect(twice.code, twice.err).toBe(1)
    expect(twice.err).toContain(`--labels names "${x}" twice`)
    // plaf view: serving flags with --export (which serves nothing)
    const page = join(base, 'y.html')
    const view = await cli('view', run, '--port', '9999', '--export', page)
    expect(view.code, view.err).toBe(1)
    expect(view.err).toContain('--port applies to serving the viewer')
    expect(existsSync(page)).toBe(false)
  })
})
