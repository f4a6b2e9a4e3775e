// backproject's cross-option rules at validate time: the plugin's `check`, run by the resolver
// (what `plaf validate` calls) and located at the option's line, before any frame is read.
import { writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { defineInput, Registry, resolvePipeline, type Diagnostic } from '@plaf/core'
import { makeFrame, tempDir } from '@plaf/core/testing'
import { backprojectLifter } from '../src/plugin.js'

const one = defineInput<Record<string, never>>({
  name: 'one-frame', kind: 'input', version: '1.0.0', description: 'One flat frame.', outputs: { frame: 'Frame' },
  options: { type: 'object', additionalProperties: false, properties: {} },
  async create() {
    return { identity: 'one', describe: 'one frame', frameCount: 1, async *frames() { yield makeFrame(8, 8, () => [0, 0, 0]) } }
  },
})
const registry = new Registry([one, backprojectLifter])
const dir = tempDir('lifter-check')
afterAll(() => dir.cleanup())

/** The option errors of a pipeline whose lifter has these `with:` lines (the memory port stays unwired: not what is tested). */
async function optionErrors(lifter: string, overrides: string[] = []): Promise<Diagnostic[]> {
  const file = dir.path('p.yaml')
  writeFileSync(file, `input: { use: one-frame }\nstages:\n  lifter:\n    use: backproject\n    with:\n${lifter}output: { dir: out }\n`)
  return (await resolvePipeline(file, registry, { overrides })).diagnostics.filter((d) => d.code === 'PLAF_INVALID_OPTION')
}

describe('backproject: cross-option errors at validate time, at the option\'s line', () => {
  it('fusion: greedy without pool_merge_threshold is an error at fusion:', async () => {
    expect(await optionErrors('      fusion: greedy\n')).toEqual([expect.objectContaining({
      severity: 'error', file: dir.path('p.yaml'), line: 6, column: 15, path: 'stages.lifter.with.fusion', stage: 'lifter', plugin: 'backproject',
      message: 'fusion: greedy needs pool_merge_threshold (a cosine, e.g. 0.95)', hint: 'set pool_merge_threshold, or use fusion: voxel-overlap',
    })])
  })
  it('the same from --set points at the --set argument', async () => {
    const d = await optionErrors('      stride: 2\n', ['stages.lifter.with.fusion=greedy'])
    expect(d).toEqual([expect.objectContaining({ path: 'stages.lifter.with.fusion', source: '--set stages.lifter.with.fusion=greedy' })])
  })
  it('pool_merge_threshold without fusion: greedy is an error at pool_merge_threshold:', async () => {
    expect(await optionErrors('      fusion: voxel-overlap\n      pool_merge_threshold: 0.9\n')).toEqual([expect.objectContaining({
      line: 7, path: 'stages.lifter.with.pool_merge_threshold', message: 'pool_merge_threshold applies to fusion: greedy, but fusion is voxel-overlap',
    })])
  })
  it('min_depth at or above max_depth is an error at min_depth:', async () => {
    expect(await optionErrors('      min_depth: 3\n      max_depth: 3\n')).toEqual([expect.objectContaining({
      line: 6, path: 'stages.lifter.with.min_depth', message: 'min_depth (3) must be below max_depth (3)',
    })])
  })
  it('consistent options pass', async () => {
    expect(await optionErrors('      fusion: greedy\n      pool_merge_threshold: 0.95\n')).toEqual([])
    expect(await optionErrors('      fusion: voxel-overlap\n      min_depth: 0.5\n      max_depth: 4\n')).toEqual([])
  })
})
