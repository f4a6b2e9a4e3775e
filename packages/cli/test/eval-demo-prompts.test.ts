import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readSceneMeta } from '@plaf/datasets'
import { describe, expect, it } from 'vitest'
import { cli, tempDir } from './helpers.js'

// packages/eval/README.md's demo numbers come from a command with a shipped prompts file: the file is
// what the demo scene (seed 7) implies, and the documented command runs on a run of the demo pipeline.
const root = join(__dirname, '../../..')
const promptsFile = join(root, 'pipelines/demo-prompts.json')
const COMMAND = 'plaf eval scannet --run runs/demo --scene demo-data/scene0000_00 --prompts pipelines/demo-prompts.json'

describe('the eval README demo command', () => {
  it('is in the README, its prompts file is each ScanNet20 class of the demo scene by its colour, and it runs', async () => {
    const readme = readFileSync(join(root, 'packages/eval/README.md'), 'utf8').replace(/\s+/g, ' ')
    expect(readme).toContain(COMMAND)
    const scene = join(tempDir(), 'scene0000_00')
    // the demo scene's layout (seed 7, plaf demo's), at a test's size
    const made = await cli('make-scene', scene, '--seed', '7', '--frames', '3', '--set', 'color_width=324', '--set', 'color_height=242', '--set', 'depth_width=160', '--set', 'depth_height=120')
    expect(made.code, made.err).toBe(0)
    const byClass: Record<string, string[]> = {}
    for (const p of readSceneMeta(scene).primitives) {
      if (p.nyu40class === 'ceiling') continue // not a ScanNet20 class
      byClass[p.nyu40class] = [...new Set([...(byClass[p.nyu40class] ?? []), p.colour])]
    }
    const shipped = JSON.parse(readFileSync(promptsFile, 'utf8')) as Record<string, string | string[]>
    expect(Object.fromEntries(Object.entries(shipped).map(([k, v]) => [k, [v].flat()]))).toEqual(byClass)
    const pipeline = join(scene, '..', 'p.yaml')
    writeFileSync(pipeline, `name: demo\nextends: ${join(root, 'pipelines/demo.yaml')}\ninput: { use: scannet, with: { scene: '${scene}' } }\nstages:\n  dense2d: null\n  querier: { with: { write_overlays: false } }\n`)
    const run = join(scene, '..', 'runs', 'demo')
    const r = await cli('run', pipeline, '--out', run, '--progress', 'none')
    expect(r.code, r.err).toBe(0)
    const [, , , ...args] = COMMAND.split(' ')
    const flags = args.map((a) => (a === 'runs/demo' ? run : a === 'demo-data/scene0000_00' ? scene : a === 'pipelines/demo-prompts.json' ? promptsFile : a))
    const e = await cli('eval', 'scannet', ...flags, '--json')
    expect(e.code, e.err).toBe(0)
    const j = JSON.parse(e.out)
    expect(j.protocol.prediction).toMatch(/^argmax over the 7 class prompts/)
    expect(j.miou).toBeGreaterThan(0)
  }, 240_000)
})
