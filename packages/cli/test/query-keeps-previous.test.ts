import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, tinyPipeline } from './helpers.js'

// One small finished run (2D memories and a 3D map) and one earlier query in `q`: every user
// mistake, and a failure half-way through the new query, must leave that query byte for byte.
const pipeline = tinyPipeline('keep', 2, { cell: 20, extra: ['lifter: { use: backproject }', 'storage3d: { use: index-reference }', 'querier: { use: text, with: { encoder: color-lexicon-text, queries: [red] } }'] })

let base = ''
let run = ''
let q = ''
let before: Map<string, string> = new Map()

/** Every file under `dir` (relative path → contents as base64), and every directory (→ 'dir'). */
function tree(dir: string, prefix = ''): Map<string, string> {
  const m = new Map<string, string>()
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f)
    if (statSync(p).isDirectory()) {
      m.set(prefix + f + '/', 'dir')
      for (const [k, v] of tree(p, `${prefix}${f}/`)) m.set(k, v)
    } else {
      m.set(prefix + f, readFileSync(p).toString('base64'))
    }
  }
  return m
}

/** What a query left beside `q` in its parent (staging or moved-aside directories). */
const siblings = () => readdirSync(base).filter((f) => f.startsWith('.q.'))

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'plaf-query-keep-'))
  writeFileSync(join(base, 'p.yaml'), pipeline)
  run = join(base, 'run')
  const r = await cli('run', join(base, 'p.yaml'), '--out', run, '--progress', 'none', '--set', `runtime.cache_dir=${join(base, 'cache')}`)
  expect(r.code, r.err).toBe(0)
  writeFileSync(join(base, 'notply.ply'), 'solid cube\nfacet normal 0 0 1\n')
  q = join(base, 'q')
  const first = await cli('query', run, '--text', 'red', '--text', 'green', '--labels', 'red,green', '--threshold', '0.3', '--out', q)
  expect(first.code, first.err).toBe(0)
  before = tree(q)
  expect([...before.keys()]).toEqual(expect.arrayContaining(['query.json', 'scores.json', 'red.ply', 'labels/']))
}, 180_000)

afterAll(() => rmSync(base, { recursive: true, force: true }))

describe('plaf query: a mistake leaves the previous query in --out as it was', () => {
  // [what, extra arguments, a piece of the message] (functions: `base` is made in beforeAll)
  const mistakes: [string, () => string[], () => string][] = [
    ['a threshold above 1', () => ['--text', 'blue', '--threshold', '1.5'], () => '--threshold 1.5 error threshold must be <= 1'],
    ['a threshold that is not a number', () => ['--text', 'blue', '--threshold', 'high'], () => 'threshold must be number'],
    ['an unknown mode', () => ['--text', 'blue', '--mode', 'loudest'], () => '--mode loudest'],
    ['a label given twice', () => ['--labels', 'red,blue,red'], () => '--labels names "red" twice'],
    ['an empty label list', () => ['--labels', ','], () => '--labels needs a comma-separated list'],
    ['no text and no label', () => [], () => 'needs at least one --text or --labels'],
    ['a missing mesh', () => ['--text', 'blue', '--mesh', '/nonexistent/room.ply'], () => 'reference mesh /nonexistent/room.ply does not exist'],
    ['a mesh that is a directory', () => ['--text', 'blue', '--mesh', tmpdir()], () => `reference mesh ${tmpdir()} is a directory, not a PLY file`],
    ['a mesh that is not PLY', () => ['--text', 'blue', '--mesh', join(base, 'notply.ply')], () => 'not a PLY file (first line is not "ply")'],
    ['--mesh-max-distance without a mesh', () => ['--text', 'blue', '--mesh-max-distance', '0.05'], () => '--mesh-max-distance applies to --mesh'],
    ['--top-regions 0', () => ['--text', 'blue', '--top-regions', '0'], () => '--top-regions 0'],
    ['a frame the input does not have', () => ['--text', 'blue', '--frames', '7'], () => '--frames 7'],
    ['softmax over one text', () => ['--text', 'blue', '--mode', 'softmax'], () => 'softmax over one text is 1 everywhere'],
  ]
  it.each(mistakes)('%s: exit 1, a clear message, the previous query byte-identical', async (_, args, message) => {
    const r = await cli('query', run, ...args(), '--out', q)
    expect(r.code, r.err).toBe(1)
    expect(r.err).toContain(message())
    expect(r.err).not.toContain('cleared')
    expect(tree(q)).toEqual(before)
    expect(siblings()).toEqual([])
  })

  it('an encoder the run names that is not installed: exit 1, the previous query byte-identical', async () => {
    const copy = join(base, 'run-encoder')
    cpSync(run, copy, { recursive: true })
    const config = join(copy, 'config.resolved.yaml')
    const yaml = readFileSync(config, 'utf8')
    expect(yaml).toContain('color-lexicon-text')
    writeFileSync(config, yaml.replaceAll('color-lexicon-text', 'no-such-encoder'))
    const r = await cli('query', copy, '--text', 'blue', '--out', q)
    expect(r.code, r.err).toBe(1)
    expect(r.err).toContain('no-such-encoder')
    expect(tree(q)).toEqual(before)
    expect(siblings()).toEqual([])
  })

  it('a failure half-way (frame 000000 scored and written, frame 000001 unreadable): exit 1, the previous query byte-identical, nothing staged left', async () => {
    const copy = join(base, 'run-damaged')
    cpSync(run, copy, { recursive: true })
    rmSync(join(copy, 'storage2d', '000001.ids.png'))
    const r = await cli('query', copy, '--text', 'blue', '--images', '--out', q)
    expect(r.code, r.err).toBe(1)
    expect(r.err).toContain('frame 000001')
    expect(r.err).toContain('000001.ids.png does not exist')
    expect(r.err).not.toContain('.plaf-query-')
    expect(tree(q)).toEqual(before)
    expect(siblings()).toEqual([])
  })

  it('a query killed while swapping (the previous one moved aside, the new one staged): the next query puts the previous one back, even when it fails', async () => {
    // a process id that is no longer running: the killed query's
    const dead = spawnSync(process.execPath, ['-e', '']).pid
    expect(dead).toBeGreaterThan(0)
    const old = join(base, `.q.plaf-query-old-${dead}-abc123`)
    const staged = join(base, `.q.plaf-query-new-${dead}-def456`)
    renameSync(q, old)
    mkdirSync(staged)
    writeFileSync(join(staged, 'scores.json'), '{"half":')
    const r = await cli('query', run, '--text', 'blue', '--threshold', '1.5', '--out', q)
    expect(r.code, r.err).toBe(1)
    expect(r.err).toContain(`restored ${q} from ${old}: a plaf query (process ${dead}) was stopped while replacing it`)
    expect(tree(q)).toEqual(before)
    expect(siblings()).toEqual([])
  })

  it('a query that succeeds replaces the previous one whole; its files name no staging directory', async () => {
    const r = await cli('query', run, '--text', 'blue', '--out', q, '--json')
    expect(r.code, r.err).toBe(0)
    // --json: the notes as JSON on stderr, said once the new query has replaced the old one
    expect(JSON.parse(r.err)).toEqual([expect.objectContaining({ code: 'PLAF_RUN_DIR_USED', severity: 'info', message: `cleared ${q}, which held an earlier query's outputs ("red", "green", "red", "green")` })])
    const j = JSON.parse(r.out) as { out: string; scoresFile: string }
    expect(j).toMatchObject({ out: q, scoresFile: join(q, 'scores.json') })
    const after = tree(q)
    expect([...after.keys()]).not.toContain('labels/')
    expect([...after.keys()]).not.toContain('red.ply')
    expect(JSON.parse(readFileSync(join(q, 'query.json'), 'utf8'))).toMatchObject({ tool: 'plaf query', texts: ['blue'], labels: [], complete: true })
    for (const [f, v] of after) if (v !== 'dir') expect(Buffer.from(v, 'base64').includes('.plaf-query-'), f).toBe(false)
    expect(siblings()).toEqual([])
    expect(existsSync(join(q, 'blue.ply'))).toBe(true)
  })

  it('--out a symbolic link: the new query replaces the previous one in the directory it points to, and the link stays', async () => {
    const target = join(base, 'kept')
    const link = join(base, 'link')
    expect((await cli('query', run, '--text', 'red', '--out', target)).code).toBe(0)
    symlinkSync(target, link)
    const bad = await cli('query', run, '--text', 'blue', '--threshold', '1.5', '--out', link)
    expect(bad.code).toBe(1)
    expect(JSON.parse(readFileSync(join(target, 'query.json'), 'utf8')).texts).toEqual(['red'])
    const r = await cli('query', run, '--text', 'blue', '--out', link)
    expect(r.code, r.err).toBe(0)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(JSON.parse(readFileSync(join(link, 'query.json'), 'utf8')).texts).toEqual(['blue'])
    expect(existsSync(join(target, 'red.ply'))).toBe(false)
    expect(readdirSync(base).filter((f) => f.includes('.plaf-query-'))).toEqual([])
  })
})
