import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readSceneMeta, readScannetMesh } from '@plaf/datasets'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from './helpers.js'

// One small generated scene (3 frames, quarter-size images) and one run of the demo pipeline on it,
// plus a sweep over two maskers: the end-to-end checks of `plaf eval scannet --run`.
let base = ''
let scene = ''
let prompts = ''

// the single run is pipelines/demo.yaml itself on the small scene; the sweep drops the dense baseline and overlays and sweeps the masker
const pipeline = (sweep: boolean) => `name: evaltest
extends: ${fileURLToPath(new URL('../../../pipelines/demo.yaml', import.meta.url))}
input: { use: scannet, with: { scene: 'SCENE' } }
${sweep ? `stages:
  masker: { use: grid, with: { cell_size: 24 } }
  dense2d: null
  querier: { with: { write_overlays: false } }
sweep:
  matrix:
    stages.masker.use: [grid, felzenszwalb]
` : ''}`

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'plaf-eval-'))
  scene = join(base, 'scene0003_00')
  const made = await cli('make-scene', scene, '--frames', '3', '--seed', '11', '--set', 'color_width=324', '--set', 'color_height=242', '--set', 'depth_width=160', '--set', 'depth_height=120')
  expect(made.code, made.err).toBe(0)
  // the colour-word encoder of the demo names colours, not classes: each class is queried by the colour it has in this scene
  const byClass: Record<string, string[]> = {}
  for (const p of readSceneMeta(scene).primitives) {
    if (p.nyu40class === 'ceiling') continue // not a ScanNet20 class
    byClass[p.nyu40class] = [...new Set([...(byClass[p.nyu40class] ?? []), p.colour])]
  }
  prompts = join(base, 'prompts.json')
  writeFileSync(prompts, JSON.stringify(byClass))
  for (const sweep of [false, true]) {
    const file = join(base, sweep ? 'sweep.yaml' : 'p.yaml')
    writeFileSync(file, pipeline(sweep).replace('SCENE', scene))
    const r = await cli('run', file, '--out', join(base, sweep ? 'sweep' : 'run'), '--progress', 'none', '--set', `runtime.cache_dir=${join(base, 'cache')}`)
    expect(r.code, r.err).toBe(0)
  }
}, 300_000)

afterAll(() => rmSync(base, { recursive: true, force: true }))

/** A string as a literal inside a RegExp. */
const esc = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('plaf eval scannet --run', () => {
  it('gives per-class numbers, the protocol block and the run manifest (--json)', async () => {
    const r = await cli('eval', 'scannet', '--run', join(base, 'run'), '--scene', scene, '--prompts', prompts, '--json')
    expect(r.code, r.err).toBe(0)
    const j = JSON.parse(r.out)
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['protocol', 'classes', 'miou', 'fmiou', 'macc', 'ignored']))
    expect(j.protocol).toMatchObject({ benchmark: 'scannet', classes: 'scannet20', background: 'include', class_count: 20 })
    expect(j.protocol.prediction).toContain('nearest map point closer than 0.05 m')
    expect(j.classes).toHaveLength(20)
    // every vertex with a ScanNet20 label is scored once
    const gt = readScannetMesh(join(scene, 'scene0003_00_vh_clean_2.labels.ply'), true).labels!
    const in20 = Array.from(gt).filter((id) => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 24, 28, 33, 34, 36, 39].includes(id)).length
    expect(j.classes.reduce((a: number, c: { support: number }) => a + c.support, 0)).toBe(in20)
    const present = j.classes.filter((c: { support: number }) => c.support > 0)
    expect(present.length).toBeGreaterThan(3)
    for (const c of present) expect(c.iou).toBeGreaterThanOrEqual(0)
    for (const c of j.classes.filter((x: { support: number }) => x.support === 0)) expect(c).toMatchObject({ iou: null, acc: null })
    expect(j.ignored.classes).toEqual(j.classes.filter((c: { support: number }) => c.support === 0).map((c: { name: string }) => c.name))
    expect(j.miou).toBeCloseTo(present.reduce((a: number, c: { iou: number }) => a + c.iou, 0) / present.length, 12)
    expect(j.runs[0]).toMatchObject({ pipeline: 'evaltest', text_encoder: { plugin: 'color-lexicon-text' }, storage3d: 'storage3d' })
    expect(j.runs[0].plugins).toMatchObject({ masker: 'felzenszwalb@0.2.0', backbone: expect.stringMatching(/^color-lexicon@/) })
  })

  it('prints the protocol and a per-class table, and writes JSON, CSV, Markdown and plots with --out', async () => {
    const out = join(base, 'report')
    const r = await cli('eval', 'scannet', '--run', join(base, 'run'), '--scene', scene, '--prompts', prompts, '--out', out)
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/^protocol:\n {2}benchmark: scannet\n {2}protocol: vertex/)
    expect(r.out).toMatch(/\n {2}bookshelf +\d+\.\d +\d+\.\d +[\d,]+\n/)
    expect(r.out).toMatch(/\nmIoU \d+\.\d {2}fmIoU \d+\.\d {2}mAcc \d+\.\d/)
    for (const f of ['result.json', 'classes.csv', 'report.md', 'per-class-iou.svg', 'per-class-iou.png', 'confusion.svg', 'confusion.png']) expect(existsSync(join(out, f)), f).toBe(true)
    expect(readFileSync(join(out, 'per-class-iou.svg'), 'utf8')).toMatch(/^<svg[^>]+width="\d+"/)
    expect(readFileSync(join(out, 'confusion.png')).subarray(1, 4).toString()).toBe('PNG')
    const csv = readFileSync(join(out, 'classes.csv'), 'utf8').split('\n')
    expect(csv[0]).toBe('scene,id,name,iou,acc,support,predicted')
    expect(csv).toHaveLength(22)
    const md = readFileSync(join(out, 'report.md'), 'utf8')
    expect(md).toContain('## Protocol')
    expect(md).toContain('![per-class-iou.svg](per-class-iou.svg)')
    expect(md).toContain('| GT \\ pred |')
  })

  it('compares the variants of a sweep over two maskers in one table with plots', async () => {
    const out = join(base, 'sweep-report')
    const r = await cli('eval', 'scannet', '--run', join(base, 'sweep'), '--scene', scene, '--prompts', prompts, '--out', out)
    expect(r.code, r.err).toBe(0)
    expect(r.out).toContain('sweep of 2 variants')
    const md = readFileSync(join(out, 'sweep.md'), 'utf8')
    const rows = md.split('\n').filter((l) => /^\| masker\.use=/.test(l))
    expect(rows.map((l) => l.split('|')[1].trim())).toEqual(['masker.use=grid', 'masker.use=felzenszwalb'])
    // mIoU %, fmIoU %, mAcc %, 2D memory, 3D map, time / frame, rounded for people
    for (const l of rows) expect(l).toMatch(/^\| masker\.use=\w+ \| \d+\.\d \| \d+\.\d \| \d+\.\d \| [\d.]+ [kM]B \| [\d.]+ [kM]B \| [\d.]+ (ms|s) \|$/)
    const json = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'))
    expect(json.variants).toHaveLength(2)
    for (const v of json.variants) expect(v.bytes3d).toBeGreaterThan(0)
    for (const f of ['storage3d-vs-miou.svg', 'storage3d-vs-miou.png', 'storage2d-vs-miou.png', 'masker.use=grid/report.md', 'masker.use=felzenszwalb/per-class-iou.png']) expect(existsSync(join(out, f)), f).toBe(true)
  })

  it('scores --predictions equal to the ground truth 1.0 and exits 1 on located errors', async () => {
    const gt = readScannetMesh(join(scene, 'scene0003_00_vh_clean_2.labels.ply'), true).labels!
    const file = join(base, 'gt.txt')
    writeFileSync(file, Array.from(gt).join('\n') + '\n')
    const ok = await cli('eval', 'scannet', '--predictions', file, '--scene', scene, '--json')
    expect(ok.code, ok.err).toBe(0)
    expect(JSON.parse(ok.out).miou).toBe(1)
    const short = join(base, 'short.txt')
    writeFileSync(short, '1\n2\n')
    const bad = await cli('eval', 'scannet', '--predictions', short, '--scene', scene)
    expect(bad.code).toBe(1)
    expect(bad.err).toContain(`${short} has 2 predictions, but the mesh has ${gt.length} vertices`)
    const missing = await cli('eval', 'scannet', '--predictions', file, '--scene', join(base, 'nope'))
    expect(missing.code).toBe(1)
    expect(missing.err).toContain(`scene directory ${join(base, 'nope')} does not exist`)
    const set = await cli('eval', 'scannet', '--predictions', file, '--scene', scene, '--classes', 'scannet21')
    expect(set.code).toBe(1)
    expect(set.err).toMatch(/unknown class set "scannet21"[\s\S]*did you mean "scannet20"/)
    const words = await cli('eval', 'scannet', '--run', join(base, 'run'), '--scene', scene)
    expect(words.code).toBe(1)
    expect(words.err).toMatch(/text "wall" names no colour[\s\S]*--prompts <file.json> queries classes with texts it can embed/)
    const neither = await cli('eval', 'scannet', '--scene', scene)
    expect(neither.code).toBe(1)
    expect(neither.err).toContain('plaf eval scannet needs --run or --predictions')
  })

  it('warns when the run\'s input names no scene (a synthetic-room run against an unrelated scan)', async () => {
    const file = join(base, 'synthetic.yaml')
    writeFileSync(file, `name: synthetic
extends: ${fileURLToPath(new URL('../../../pipelines/demo.yaml', import.meta.url))}
input: { use: synthetic-room, with: { frames: 3, seed: 11, color_width: 324, color_height: 242, depth_width: 160, depth_height: 120 } }
stages:
  dense2d: null
  querier: { with: { write_overlays: false } }
`)
    const run = join(base, 'sh0')
    const r = await cli('run', file, '--out', run, '--progress', 'none', '--set', `runtime.cache_dir=${join(base, 'cache')}`)
    expect(r.code, r.err).toBe(0)
    const e = await cli('eval', 'scannet', '--run', run, '--scene', scene, '--prompts', prompts, '--json')
    expect(e.code, e.err).toBe(0)
    expect(e.err).toContain(`${join(run, 'manifest.json')} warning ${run} was made from synthetic-room input`)
    expect(e.err).toContain(`that input names no scene folder (no "scene" option), so nothing shows it was made from ${scene}: the scores may compare a map with a scene it was not built from  PLAF_INPUT_INVALID`)
    expect(JSON.parse(e.out).warnings).toHaveLength(1)
  })

  it('warns when the run was made from another scene; explains a plaf query labels PLY and predictions outside the set; names the files it looks for', async () => {
    const runManifest = JSON.parse(readFileSync(join(base, 'run', 'manifest.json'), 'utf8'))
    // another generated scene under the same scene name
    const other = join(base, 'other', 'scene0003_00')
    const made = await cli('make-scene', other, '--frames', '3', '--seed', '12', '--set', 'color_width=324', '--set', 'color_height=242', '--set', 'depth_width=160', '--set', 'depth_height=120')
    expect(made.code, made.err).toBe(0)
    const mismatch = await cli('eval', 'scannet', '--run', join(base, 'run'), '--scene', other, '--prompts', prompts, '--json')
    expect(mismatch.code, mismatch.err).toBe(0)
    const id = runManifest.input.identity as string
    expect(mismatch.err).toMatch(new RegExp(`^${esc(`${join(base, 'run', 'manifest.json')} warning ${join(base, 'run')} was not made from ${other}: the run's manifest records input ${id.slice(0, 12)}… (${runManifest.input.describe}), ${other} is input `)}[0-9a-f]{12}…; the scores compare a map with a scene it was not built from  PLAF_INPUT_INVALID$`, 'm'))
    expect(mismatch.err).toContain(`     give the scene the run was made from (--scene ${scene}), or run the pipeline on ${other} (--set input.with.scene=${other}) and evaluate that run; the identity hashes the input's files, so the same scan in another layout (a .sens file against exported frames) differs too: then this warning does not apply\n`)
    expect(JSON.parse(mismatch.out).warnings).toHaveLength(1)
    const same = await cli('eval', 'scannet', '--run', join(base, 'run'), '--scene', scene, '--prompts', prompts, '--json')
    expect(same.err).not.toContain('warning')
    expect(JSON.parse(same.out).warnings).toBeUndefined()
    // the protocol says how many class prompts were queried
    const queried = Object.keys(JSON.parse(readFileSync(prompts, 'utf8'))).length
    expect(JSON.parse(same.out).protocol.prediction).toMatch(new RegExp(`^argmax over the ${queried} class prompts of the cosine`))

    // labels.ply of plaf query --labels … --mesh holds label indices, not NYU40 ids
    const mesh = join(scene, 'scene0003_00_vh_clean_2.ply')
    const q = await cli('query', join(base, 'run'), '--labels', 'red,blue', '--mesh', mesh, '--out', join(base, 'q'))
    expect(q.code, q.err).toBe(0)
    const ply = join(base, 'q', 'mesh', 'labels.ply')
    const fromQuery = await cli('eval', 'scannet', '--predictions', ply, '--scene', scene)
    expect(fromQuery.code).toBe(1)
    expect(fromQuery.err).toBe([
      '[eval] scene scene0003_00',
      `${ply} error ${ply} was written by plaf query --labels (its header comment "plaf query labels …"): its label property holds indices into the query's 3 labels (0 = "background", 1 = "red", 2 = "blue"), not NYU40 ids, so scoring it against ScanNet classes would be meaningless  PLAF_INPUT_INVALID`,
      `     | --predictions ${ply}`,
      '     | ^',
      '     expected NYU40 ids per vertex (ScanNet20 and NYU40 sets) or raw ScanNet ids (ScanNet200); got plaf query label indices; score the run itself: plaf eval scannet --run <run dir> --scene <scene> (it queries every class, by name or with --prompts), or map the indices to NYU40 ids and write one id a line to a .txt',
      '',
      '1 error(s), 0 warning(s)',
      '',
    ].join('\n'))
    // and so does the labels.npy beside it: its sidecar labels.json says so (and, without the
    // sidecar, the labels.ply beside it); the .npy alone cannot
    const npy = join(base, 'q', 'mesh', 'labels.npy')
    expect(JSON.parse(readFileSync(join(base, 'q', 'mesh', 'labels.json'), 'utf8'))).toMatchObject({ format: 'plaf-query-labels', labels: ['background', 'red', 'blue'] })
    const npyFromQuery = await cli('eval', 'scannet', '--predictions', npy, '--scene', scene)
    expect(npyFromQuery.code, npyFromQuery.err).toBe(1)
    expect(npyFromQuery.err).toContain(`${npy} was written by plaf query --labels (its sidecar labels.json says format "plaf-query-labels"): its array holds indices into the query's 3 labels (0 = "background", 1 = "red", 2 = "blue"), not NYU40 ids`)
    const moved = join(base, 'q-moved')
    mkdirSync(moved)
    copyFileSync(npy, join(moved, 'labels.npy'))
    copyFileSync(join(base, 'q', 'mesh', 'labels.ply'), join(moved, 'labels.ply'))
    const older = await cli('eval', 'scannet', '--predictions', join(moved, 'labels.npy'), '--scene', scene)
    expect(older.code, older.err).toBe(1)
    expect(older.err).toContain('(the labels.ply beside it has the header comment "plaf query labels …"): its array holds indices')

    // a .txt of ids outside the set: a warning naming the file and its first such line
    const gt = readScannetMesh(join(scene, 'scene0003_00_vh_clean_2.labels.ply'), true).labels!
    const outside = join(base, 'outside.txt')
    writeFileSync(outside, Array.from(gt, (g, i) => (i < 5 ? String(g) : '-3')).join('\n') + '\n')
    const o = await cli('eval', 'scannet', '--predictions', outside, '--scene', scene, '--json')
    expect(o.code, o.err).toBe(0)
    const j = JSON.parse(o.out)
    // the first scored vertex past the five right ones (ground truth a ScanNet20 id; 0 and e.g. ceiling are not scored)
    const scannet20 = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 24, 28, 33, 34, 36, 39])
    const firstBad = Array.from(gt).findIndex((g, i) => i >= 5 && scannet20.has(g)) + 1
    const n = (x: number) => x.toLocaleString('en-US')
    expect(j.outside_predictions).toBeGreaterThan(0)
    expect(j.outside_predictions).toBeLessThan(j.samples)
    expect(o.err).toContain(`${outside}:${firstBad}:1 warning ${n(j.outside_predictions)} of the ${n(j.samples)} scored predictions of outside.txt are not an NYU40 id of a scannet20 class, first at line ${firstBad} (-3); they count as misses  PLAF_INPUT_INVALID\n`)
    expect(j.warnings).toMatchObject([{ code: 'PLAF_INPUT_INVALID', severity: 'warning', file: outside, line: firstBad, actual: '-3' }])

    // a copy of the scan under another folder name, without its labels mesh: the files named are the scan's own
    const copy = join(base, 'sc1b')
    cpSync(scene, copy, { recursive: true })
    rmSync(join(copy, 'scene0003_00_vh_clean_2.labels.ply'))
    const noLabels = await cli('eval', 'scannet', '--predictions', join(base, 'gt.txt'), '--scene', copy)
    expect(noLabels.code).toBe(1)
    expect(noLabels.err).toContain(`${copy} error ${copy} has no scannet20 ground truth: scannet20 needs scene0003_00_vh_clean_2.labels.ply, or scene0003_00_vh_clean_2.0.010000.segs.json + scene0003_00.aggregation.json + scannetv2-labels.combined.tsv + the mesh  PLAF_INPUT_INVALID\n`)
  })

  it('scores the run\'s 2D memories against label-filt with plaf eval scannet2d', async () => {
    const r = await cli('eval', 'scannet2d', '--run', join(base, 'run'), '--scene', scene, '--prompts', prompts, '--max-frames', '2', '--json')
    expect(r.code, r.err).toBe(0)
    const j = JSON.parse(r.out)
    expect(j.protocol).toMatchObject({ benchmark: 'scannet2d', classes: 'scannet20' })
    expect(j.protocol.protocol).toContain('2 frames (at most 2, evenly spaced)')
    expect(j.classes.filter((c: { support: number }) => c.support > 0).length).toBeGreaterThan(3)
    expect(j.miou).toBeGreaterThanOrEqual(0)
    expect(j.runs[0].pipeline).toBe('evaltest')
    // the text says which 2D memories were read, never "map read from -"
    const text = await cli('eval', 'scannet2d', '--run', join(base, 'run'), '--scene', scene, '--prompts', prompts, '--max-frames', '1')
    expect(text.code, text.err).toBe(0)
    expect(text.out).toContain('; 2D memories read from storage2d\n')
    expect(text.out).not.toContain('map read from')
    const bad = await cli('eval', 'scannet2d', '--run', join(base, 'run'), '--scene', scene, '--max-frames', '0')
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('--max-frames must be a positive integer')
  })

  it('evaluates a --scenes list against a folder of per-scene runs: per scene and pooled', async () => {
    const runs = join(base, 'runs')
    mkdirSync(runs, { recursive: true })
    symlinkSync(join(base, 'run'), join(runs, 'scene0003_00'))
    writeFileSync(join(base, 'scenes.txt'), 'scene0003_00  # one scan folder a line, relative to this file\n')
    const r = await cli('eval', 'scannet', '--run', runs, '--scenes', join(base, 'scenes.txt'), '--prompts', prompts, '--json')
    expect(r.code, r.err).toBe(0)
    const single = JSON.parse((await cli('eval', 'scannet', '--run', join(base, 'run'), '--scene', scene, '--prompts', prompts, '--json')).out)
    const j = JSON.parse(r.out)
    expect(j.protocol.scenes).toEqual(['scene0003_00'])
    expect(j.miou).toBe(single.miou)
    const missing = await cli('eval', 'scannet', '--run', join(base, 'nothing'), '--scenes', join(base, 'scenes.txt'), '--prompts', prompts)
    expect(missing.code).toBe(1)
    expect(missing.err).toContain(`run directory ${join(base, 'nothing', 'scene0003_00')} does not exist`)
  })

  it('aligns the mesh like a run made with axis_align: true (its map is then in the axis-aligned frame)', async () => {
    // a copy of the scene whose axisAlignment turns the scan 90° about z and shifts it by (5, -2, 0)
    const turned = join(base, 'turned', 'scene0003_00')
    cpSync(scene, turned, { recursive: true })
    const meta = join(turned, 'scene0003_00.txt')
    writeFileSync(meta, readFileSync(meta, 'utf8').replace(/^axisAlignment = .*$/m, 'axisAlignment = 0 -1 0 5 1 0 0 -2 0 0 1 0 0 0 0 1'))
    const file = join(base, 'aligned.yaml')
    writeFileSync(file, pipeline(false).replace('SCENE', turned))
    const ran = await cli('run', file, '--out', join(base, 'aligned'), '--progress', 'none', '--set', 'input.with.axis_align=true', '--set', `runtime.cache_dir=${join(base, 'cache')}`)
    expect(ran.code, ran.err).toBe(0)
    const a = JSON.parse((await cli('eval', 'scannet', '--run', join(base, 'aligned'), '--scene', turned, '--prompts', prompts, '--json')).out)
    const plain = JSON.parse((await cli('eval', 'scannet', '--run', join(base, 'run'), '--scene', scene, '--prompts', prompts, '--json')).out)
    expect(a.sources[0].prediction).toContain('mesh axis-aligned like the run')
    // the same scene lifted in a turned frame: voxels fall differently, the scores barely move (unaligned, nearly every vertex would be a miss)
    expect(Math.abs(a.miou - plain.miou)).toBeLessThan(0.05)
    expect(a.outside_predictions).toBeLessThan(plain.outside_predictions * 1.2 + 100)
  })
})
