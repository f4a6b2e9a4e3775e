import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, tempDir, tinyPipeline } from './helpers.js'

const pipeline = tinyPipeline('small', 3, { tail: 'runtime: { cache: false }\n' })
const stamp = (f: string) => `${readFileSync(f, 'utf8')}@${statSync(f).mtimeMs}`

describe('plaf run --resume of a complete run (a requeued cluster task that had finished)', () => {
  it('says it is complete, exits 0 and rewrites nothing', async () => {
    const dir = tempDir({ 'p.yaml': pipeline })
    const out = join(dir, 'run')
    expect((await cli('run', join(dir, 'p.yaml'), '--out', out, '--progress', 'none')).code).toBe(0)
    const before = ['report.json', 'manifest.json', 'progress.json'].map((f) => stamp(join(out, f)))
    const r = await cli('run', join(dir, 'p.yaml'), '--out', out, '--progress', 'none', '--resume')
    expect(r.code).toBe(0)
    expect(r.err).toContain(`--resume: ${out} already holds this run, complete (3 frames, same configuration): nothing to do`)
    expect(r.out).toContain(`run already complete in ${out}`)
    expect(['report.json', 'manifest.json', 'progress.json'].map((f) => stamp(join(out, f)))).toEqual(before)
  })

  it('a frame shard: the same, and its shard.json is kept for plaf merge', async () => {
    const dir = tempDir({ 'p.yaml': pipeline })
    const out = join(dir, 'shard')
    expect((await cli('run', join(dir, 'p.yaml'), '--shard', '0/2', '--shard-chunk', '1', '--out', out, '--progress', 'none')).code).toBe(0)
    const before = stamp(join(out, 'shard.json'))
    const r = await cli('run', join(dir, 'p.yaml'), '--shard', '0/2', '--shard-chunk', '1', '--out', out, '--progress', 'none', '--resume')
    expect(r.code).toBe(0)
    expect(r.err).toContain('already holds this run, complete')
    expect(stamp(join(out, 'shard.json'))).toBe(before)
  })

  it('--scenes: every complete scene is skipped', async () => {
    const dir = tempDir({ 'p.yaml': pipeline })
    expect((await cli('make-scene', join(dir, 'sc', 'a'), '--frames', '2')).code).toBe(0)
    expect((await cli('make-scene', join(dir, 'sc', 'b'), '--frames', '2')).code).toBe(0)
    const scannet = pipeline.replace(/input: .*\n/, 'input: { use: scannet, with: { scene: ./none } }\n')
    const files = tempDir({ 'p.yaml': scannet, 'list.txt': `${join(dir, 'sc', 'a')}\n${join(dir, 'sc', 'b')}\n` })
    const args = ['run', join(files, 'p.yaml'), '--scenes', join(files, 'list.txt'), '--out', join(files, 'runs'), '--progress', 'none']
    expect((await cli(...args)).code).toBe(0)
    const r = await cli(...args, '--resume')
    expect(r.code).toBe(0)
    expect(r.err.match(/already holds this run, complete/g)).toHaveLength(2)
  })
})
