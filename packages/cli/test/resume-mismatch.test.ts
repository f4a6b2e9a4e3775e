import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, tempDir, tinyPipeline } from './helpers.js'

// `--resume` into a directory holding a run of another configuration: the refusal names the first
// differing path with both values (as plaf merge does) and advice that works, which this follows.
describe('plaf run --resume of a run with another configuration', () => {
  it('names the first differing path and values, and its hint (--overwrite) is what then works', async () => {
    const dir = tempDir({ 'p.yaml': tinyPipeline('resume-mismatch', 2) })
    const out = join(dir, 'x')
    const common = ['--out', out, '--progress', 'none', '--set', `runtime.cache_dir=${join(dir, 'cache')}`]
    const first = await cli('run', join(dir, 'p.yaml'), ...common)
    expect(first.code, first.err).toBe(0)

    const refused = await cli('run', join(dir, 'p.yaml'), ...common, '--set', 'stages.masker.with.cell_size=20', '--resume')
    expect(refused.code).toBe(1)
    const err = refused.err.split(dir).join('<dir>').replace(/\b[0-9a-f]{12}\b/g, '<hash>')
    expect(err).toMatchInlineSnapshot(`
      "<dir>/x/progress.json error cannot resume <dir>/x: it was started with another configuration: stages.masker.with.cell_size is 20 now, 40 in that run  PLAF_RESUME_MISMATCH
           expected 40 (that run's configuration <hash>); got 20 (this configuration <hash>); add --overwrite instead of --resume to replace that run (its outputs are deleted), or choose another --out for this configuration; to continue that run, resume it with its own configuration (<dir>/x/config.resolved.yaml)
      "
    `)

    const overwritten = await cli('run', join(dir, 'p.yaml'), ...common, '--set', 'stages.masker.with.cell_size=20', '--overwrite')
    expect(overwritten.code, overwritten.err).toBe(0)
  })
})
