import { cpSync, existsSync, readFileSync, readdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir as coreTempDir, type TempDir } from '@plaf/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from './helpers.js'

// A small generated scene: 12 frames, two frame shards of chunks of 3, and the unsharded run.
const pipeline = `name: guards
input: { use: synthetic-room, with: { seed: 2, frames: 12, objects: 3, color_width: 96, color_height: 72, depth_width: 48, depth_height: 36 } }
stages:
  backbone: { use: color-lexicon, with: { resolution: 32 } }
  masker: { use: felzenszwalb, with: { min_size: 30, max_side: 96 } }
  aggregator: { use: mask-mean }
  lifter: { use: backproject, with: { voxel_size: 0.05, fusion: voxel-overlap } }
  storage3d: { use: index-reference, with: { feature_dtype: float32, counts: true } }
runtime: { cache: false }
`

let tmp: TempDir
let dir: string
/** A fresh copy of a fixture run (tests that could destroy a run work on copies). */
let copies = 0
const copy = (name: string): string => {
  const to = join(dir, `${name}-copy${copies++}`)
  cpSync(join(dir, name), to, { recursive: true })
  return to
}
const listing = (d: string): string[] => readdirSync(d, { recursive: true }).map(String).sort()

beforeAll(async () => {
  tmp = coreTempDir('merge-guards', { 'p.yaml': pipeline })
  dir = tmp.dir
  const run = (...a: string[]) => cli('run', join(dir, 'p.yaml'), '--progress', 'none', ...a)
  for (const [i, a] of [['whole', []], ['s0', ['--shard', '0/2', '--shard-chunk', '3']], ['s1', ['--shard', '1/2', '--shard-chunk', '3']]] as const) {
    const r = await run(...a, '--out', join(dir, i))
    expect(r.code, r.err).toBe(0)
  }
})
afterAll(() => tmp?.cleanup())

describe('plaf merge guards its inputs and its output directory', () => {
  it('refuses --out that is, lies inside or contains a partial run (exit 1, naming it), and leaves the partial whole', async () => {
    const s0 = copy('s0')
    const s1 = copy('s1')
    const before = listing(s1)
    for (const out of [s1, join(s1, 'merged'), dir]) {
      const r = await cli('merge', s0, s1, '--out', out)
      expect(r.code, r.err).toBe(1)
      expect(r.err).toContain('PLAF_INVALID_OPTION')
      expect(r.err).toMatch(/--out .* (is|lies inside|contains) the partial run /)
      expect(r.err).toContain(out === dir ? s0 : s1)
    }
    expect(listing(s1)).toEqual(before)
    // through a symbolic link too
    symlinkSync(s1, join(dir, 'link-to-s1'))
    const r = await cli('merge', s0, s1, '--out', join(dir, 'link-to-s1'))
    expect(r.code, r.err).toBe(1)
    expect(listing(s1)).toEqual(before)
  })

  it('follows plaf run\'s run-directory rules: refuses a directory holding another run without --overwrite, clears it with --overwrite', async () => {
    const s0 = join(dir, 's0')
    const s1 = join(dir, 's1')
    const small = copy('whole')
    const before = listing(small)
    const refused = await cli('merge', s0, s1, '--out', small)
    expect(refused.code, refused.err).toBe(1)
    expect(refused.err).toContain('PLAF_RUN_DIR_USED')
    expect(refused.err).toContain('--overwrite')
    expect(listing(small)).toEqual(before)
    const over = await cli('merge', s0, s1, '--out', small, '--overwrite')
    expect(over.code, over.err).toBe(0)
    // nothing of the earlier run is left beside the merged map: no storage2d, querier outputs, report.md
    const names = readdirSync(small).sort()
    expect(names).toEqual(['config.resolved.yaml', 'manifest.json', 'merge.json', 'progress.json', 'report.json', 'storage3d'])
    expect(JSON.parse(readFileSync(join(small, 'progress.json'), 'utf8'))).toMatchObject({ complete: true })
    // the same merge again replaces its own earlier output (as plaf run's rerun of one configuration)
    const again = await cli('merge', s0, s1, '--out', small)
    expect(again.code, again.err).toBe(0)
    expect(again.err).toContain('cleared')
    expect(readdirSync(small).sort()).toEqual(names)
    expect(existsSync(join(small, '.plaf-run.lock'))).toBe(false)
  })

  it('refuses one directory twice (also through a link) and frames in two partials (a shard with the unsharded run), exit 1', async () => {
    const s0 = join(dir, 's0')
    const whole = join(dir, 'whole')
    const twice = await cli('merge', whole, whole, '--out', join(dir, 'm-twice'))
    expect(twice.code, twice.err).toBe(1)
    expect(twice.err).toContain(`${whole} is given twice`)
    symlinkSync(whole, join(dir, 'link-to-whole'))
    const linked = await cli('merge', whole, join(dir, 'link-to-whole'), '--out', join(dir, 'm-linked'))
    expect(linked.code, linked.err).toBe(1)
    expect(linked.err).toContain('is given twice')
    const mixed = await cli('merge', s0, whole, '--out', join(dir, 'm-mixed'))
    expect(mixed.code, mixed.err).toBe(1)
    expect(mixed.err).toMatch(/frame position 0 is in both .*s0 .*and .*whole/)
    for (const m of ['m-twice', 'm-linked', 'm-mixed']) expect(existsSync(join(dir, m))).toBe(false)
  })
})
