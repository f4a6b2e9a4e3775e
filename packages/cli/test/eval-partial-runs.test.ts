import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readSceneMeta } from '@plaf/datasets'
import { openViewerData } from '@plaf/viewer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { builtinRegistry } from '../src/builtins.js'
import { cli } from './helpers.js'

// One small generated scene (6 frames, quarter-size images), the demo pipeline run on it whole and
// in two shards (chunks of 2 frames: shard 0/2 holds frames 0, 1, 4, 5, shard 1/2 frames 2, 3), the
// two shards merged, and shard 0 merged alone: what plaf eval makes of partial runs (and what plaf
// query and plaf view say about them), and of a run whose manifest records a random-weight
// contract model.
let base = ''
let scene = ''
let prompts = ''
const dir = (name: string) => join(base, name)

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'plaf-eval-partial-'))
  scene = join(base, 'scene0005_00')
  const made = await cli('make-scene', scene, '--frames', '6', '--seed', '5', '--set', 'color_width=324', '--set', 'color_height=242', '--set', 'depth_width=160', '--set', 'depth_height=120')
  expect(made.code, made.err).toBe(0)
  // the demo's colour-word encoder: each class is queried by the colour it has in this scene
  const byClass: Record<string, string[]> = {}
  for (const p of readSceneMeta(scene).primitives) {
    if (p.nyu40class === 'ceiling') continue
    byClass[p.nyu40class] = [...new Set([...(byClass[p.nyu40class] ?? []), p.colour])]
  }
  prompts = join(base, 'prompts.json')
  writeFileSync(prompts, JSON.stringify(byClass))
  const pipeline = join(base, 'p.yaml')
  writeFileSync(pipeline, `name: partial\nextends: ${fileURLToPath(new URL('../../../pipelines/demo.yaml', import.meta.url))}\ninput: { use: scannet, with: { scene: '${scene}' } }\nstages:\n  querier: { with: { write_overlays: false } }\n`)
  const cache = `runtime.cache_dir=${join(base, 'cache')}`
  for (const [out, extra] of [['whole', []], ['s0', ['--shard', '0/2', '--shard-chunk', '2']], ['s1', ['--shard', '1/2', '--shard-chunk', '2']]] as const) {
    const r = await cli('run', pipeline, '--out', dir(out), '--progress', 'none', '--set', cache, ...extra)
    expect(r.code, r.err).toBe(0)
  }
  for (const [out, parts] of [['merged', ['s0', 's1']], ['merged-s0', ['s0']]] as const) {
    const r = await cli('merge', ...parts.map(dir), '--out', dir(out))
    expect(r.code, r.err).toBe(0)
  }
}, 300_000)

afterAll(() => rmSync(base, { recursive: true, force: true }))

const evalRun = (run: string, ...extra: string[]) => cli('eval', 'scannet', '--run', run, '--scene', scene, '--prompts', prompts, ...extra)

describe('plaf eval on a partial run (plaf run --shard i/n)', () => {
  it('refuses one shard as the scene\'s run: exit 1 naming shard.json, the shard, k of N frames and plaf merge (both 3D protocols)', async () => {
    for (const protocol of ['vertex', 'voxel5cm']) {
      const r = await evalRun(dir('s1'), '--protocol', protocol)
      expect(r.code, r.out).toBe(1)
      expect(r.out).not.toMatch(/mIoU/)
      expect(r.err).toContain(`${join(dir('s1'), 'shard.json')} error ${dir('s1')} is shard 1/2 of a sharded run (plaf run --shard 1/2, chunks of 2 frames): it holds 2 of the input's 6 frames`)
      expect(r.err).toContain('PLAF_INPUT_INVALID')
      expect(r.err).toContain('plaf merge <the 2 shard dirs> --out <merged dir>')
    }
    const s0 = await evalRun(dir('s0'), '--json')
    expect(s0.code).toBe(1)
    expect(JSON.parse(s0.err)[0]).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: join(dir('s0'), 'shard.json'), expected: 'a run of all 6 frames', actual: '4 of 6 frames', source: `--run ${dir('s0')}` })
  })

  it('scores the merge of every shard like the whole run, and refuses a merge that left a shard out', async () => {
    const whole = await evalRun(dir('whole'), '--json')
    const merged = await evalRun(dir('merged'), '--json')
    expect(whole.code, whole.err).toBe(0)
    expect(merged.code, merged.err).toBe(0)
    expect(JSON.parse(merged.out).miou).toBe(JSON.parse(whole.out).miou)
    expect(JSON.parse(merged.out).warnings).toBeUndefined()
    const part = await evalRun(dir('merged-s0'))
    expect(part.code).toBe(1)
    expect(part.err).toContain(`${dir('merged-s0')} is a plaf merge of shards 0/2 only (shard 1/2 left out): it holds 4 of the input's 6 frames`)
    expect(part.err).toContain('merge every shard of the run: plaf merge <the 2 shard dirs>')
  })

  it('refuses a shard among the per-scene runs of --scenes', async () => {
    const runs = dir('runs')
    mkdirSync(runs, { recursive: true })
    symlinkSync(dir('s1'), join(runs, 'scene0005_00'))
    writeFileSync(dir('scenes.txt'), 'scene0005_00\n')
    const r = await cli('eval', 'scannet', '--run', runs, '--scenes', dir('scenes.txt'), '--prompts', prompts)
    expect(r.code).toBe(1)
    expect(r.err).toContain(`${join(runs, 'scene0005_00')} is shard 1/2 of a sharded run`)
  })

  it('refuses a shard in scannet2d unless --allow-partial, which scores its frames with a warning', async () => {
    const args = ['eval', 'scannet2d', '--run', dir('s1'), '--scene', scene, '--prompts', prompts]
    const refused = await cli(...args)
    expect(refused.code).toBe(1)
    expect(refused.err).toContain(`is shard 1/2 of a sharded run (plaf run --shard 1/2, chunks of 2 frames): it holds 2 of the input's 6 frames; its scores would cover only those frames`)
    expect(refused.err).toContain('or --allow-partial to score only its 2 frames')
    const out = dir('eval2d')
    const allowed = await cli(...args, '--allow-partial', '--json', '--out', out)
    expect(allowed.code, allowed.err).toBe(0)
    const j = JSON.parse(allowed.out)
    expect(j.protocol.protocol).toContain('2 frames')
    expect(j.warnings).toEqual([expect.objectContaining({ code: 'PLAF_INPUT_INVALID', severity: 'warning', message: expect.stringContaining('scored as asked (--allow-partial): the scores cover only those frames') })])
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).warnings).toHaveLength(1)
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/## Warnings\n\n- PLAF_INPUT_INVALID: .* is shard 1\/2 of a sharded run/)
  })
})

describe('plaf query and plaf view on a partial run: opened, with a warning of k of N frames', () => {
  const shardSays = (name: string) => `${name} is shard 1/2 of a sharded run (plaf run --shard 1/2, chunks of 2 frames): it holds 2 of the input's 6 frames; query results cover only those frames`
  const mergeSays = (name: string) => `${name} is a plaf merge of shards 0/2 only (shard 1/2 left out): it holds 4 of the input's 6 frames; query results cover only those frames`
  const partialNotes = (notes: Array<{ code: string; message: string }>) => notes.filter((d) => d.code === 'PLAF_INPUT_INVALID' && / is (shard|a plaf merge)/.test(d.message))

  it('plaf query on a shard or a merge that left one out: exit 0, the warning on stderr (at shard.json / the manifest), in --json notes and query.json; none on the whole run or the full merge', async () => {
    const q = await cli('query', dir('s1'), '--text', 'red', '--out', dir('q-s1'))
    expect(q.code, q.err).toBe(0)
    expect(q.err).toContain(`${join(dir('s1'), 'shard.json')} warning ${shardSays(dir('s1'))}  PLAF_INPUT_INVALID`)
    expect(q.err).toContain('to query the whole input, merge the run\'s 2 shards first: plaf merge <the 2 shard dirs> --out <merged dir>, then query or view the merged run')
    expect(JSON.parse(readFileSync(join(dir('q-s1'), 'query.json'), 'utf8')).warnings).toEqual([
      expect.objectContaining({ code: 'PLAF_INPUT_INVALID', severity: 'warning', message: shardSays(dir('s1')), expected: 'a run of all 6 frames', actual: '2 of 6 frames' }),
    ])
    const m = await cli('query', dir('merged-s0'), '--text', 'red', '--out', dir('q-m0'), '--json')
    expect(m.code, m.err).toBe(0)
    expect(partialNotes(JSON.parse(m.out).notes)).toEqual([expect.objectContaining({ message: mergeSays(dir('merged-s0')), file: join(dir('merged-s0'), 'manifest.json') })])
    expect(m.err).toContain('merge every shard of the run: plaf merge <the 2 shard dirs> --out <merged dir>, then query or view that run')
    for (const run of ['whole', 'merged']) {
      const r = await cli('query', dir(run), '--text', 'red', '--out', dir(`q-${run}`), '--json')
      expect(r.code, r.err).toBe(0)
      expect(partialNotes(JSON.parse(r.out).notes), run).toEqual([])
      expect(r.err, run).not.toMatch(/holds \d+ of the input's/)
      expect(JSON.parse(readFileSync(join(dir(`q-${run}`), 'query.json'), 'utf8')).warnings, run).toBeUndefined()
    }
  })

  it('plaf view on a shard: the warning on stderr, in the served info and in the exported page\'s banner (named by its directory\'s name); none on the whole run or the full merge', async () => {
    const v = await cli('view', dir('s1'), '--export', dir('s1.html'), '--max-points', '2000', '--export-frames', '0')
    expect(v.code, v.err).toBe(0)
    expect(v.err).toContain(`${join(dir('s1'), 'shard.json')} warning ${shardSays(dir('s1'))}  PLAF_INPUT_INVALID`)
    const page = readFileSync(dir('s1.html'), 'utf8')
    const banner = /<div id="warnings" role="alert">.*?<\/ul><\/div>/s.exec(page)?.[0] ?? ''
    expect(banner).toContain(`<code>PLAF_INPUT_INVALID</code> ${shardSays('s1').replace(/'/g, '&#39;')}`)
    expect(banner).not.toContain(base) // no local path in a page that is sent around
    const served = await openViewerData(dir('s1'), builtinRegistry())
    try {
      expect(served.info.warnings).toEqual([expect.objectContaining({ code: 'PLAF_INPUT_INVALID', message: shardSays('s1') })])
    } finally {
      await served.close()
    }
    for (const run of ['whole', 'merged']) {
      const r = await cli('view', dir(run), '--export', dir(`${run}.html`), '--max-points', '2000', '--export-frames', '0')
      expect(r.code, r.err).toBe(0)
      expect(r.err, run).not.toMatch(/holds \d+ of the input's/)
      expect(readFileSync(dir(`${run}.html`), 'utf8'), run).not.toContain('id="warnings"')
      const d = await openViewerData(dir(run), builtinRegistry())
      try {
        expect(d.info.warnings, run).toEqual([])
      } finally {
        await d.close()
      }
    }
  })
})

describe('results of a run made with random-weight contract models', () => {
  // the run as plaf run records a contract model it opened (manifest.json models[], random_weights: true)
  const contract = { name: 'radio-v2.5-b', version: '0.0.0-contract', sha256: '0'.repeat(64), licence: 'none', family: 'radio', graphs: {}, pulled: false, random_weights: true }
  const randomRun = () => {
    const run = dir('random')
    cpSync(dir('whole'), run, { recursive: true })
    const file = join(run, 'manifest.json')
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), models: [contract] }))
    return run
  }
  const message = 'model radio-v2.5-b@0.0.0-contract is a generated contract model with random weights: this run\'s features, masks and scores mean nothing'

  it('plaf eval warns PLAF_RANDOM_WEIGHTS on stderr, in --json and in result.json / report.md; a run without one has no warning', async () => {
    const run = randomRun()
    const text = await evalRun(run)
    expect(text.code, text.err).toBe(0)
    expect(text.err).toContain(`${join(run, 'manifest.json')} warning ${message}  PLAF_RANDOM_WEIGHTS`)
    expect(text.out).toMatch(/mIoU/)
    const out = dir('eval-random')
    const j = JSON.parse((await evalRun(run, '--json', '--out', out)).out)
    expect(j.warnings).toEqual([expect.objectContaining({ code: 'PLAF_RANDOM_WEIGHTS', severity: 'warning', message, file: join(run, 'manifest.json') })])
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).warnings[0].code).toBe('PLAF_RANDOM_WEIGHTS')
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(`## Warnings\n\n- PLAF_RANDOM_WEIGHTS: ${message}`)
    const twoD = await cli('eval', 'scannet2d', '--run', run, '--scene', scene, '--prompts', prompts, '--max-frames', '1', '--json')
    expect(JSON.parse(twoD.out).warnings.map((d: { code: string }) => d.code)).toEqual(['PLAF_RANDOM_WEIGHTS'])
    const clean = await evalRun(dir('whole'))
    expect(clean.err).not.toContain('PLAF_RANDOM_WEIGHTS')
  })

  it('plaf query warns on stderr, in its --json notes and in query.json; plaf view --export on stderr', async () => {
    const run = randomRun()
    const q = await cli('query', run, '--text', 'red', '--out', dir('q'))
    expect(q.code, q.err).toBe(0)
    expect(q.err).toContain(`warning ${message}  PLAF_RANDOM_WEIGHTS`)
    expect(JSON.parse(readFileSync(join(dir('q'), 'query.json'), 'utf8')).warnings).toEqual([expect.objectContaining({ code: 'PLAF_RANDOM_WEIGHTS', message })])
    const qj = await cli('query', run, '--text', 'red', '--out', dir('qj'), '--json')
    expect(JSON.parse(qj.out).notes).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'PLAF_RANDOM_WEIGHTS', message })]))
    const clean = await cli('query', dir('whole'), '--text', 'red', '--out', dir('q-clean'), '--json')
    expect(JSON.parse(clean.out).notes.map((d: { code: string }) => d.code)).not.toContain('PLAF_RANDOM_WEIGHTS')
    expect(JSON.parse(readFileSync(join(dir('q-clean'), 'query.json'), 'utf8')).warnings).toBeUndefined()
    const v = await cli('view', run, '--export', dir('page.html'), '--max-points', '2000', '--export-frames', '0')
    expect(v.code, v.err).toBe(0)
    expect(v.err).toContain(`warning ${message}  PLAF_RANDOM_WEIGHTS`)
  })
})
