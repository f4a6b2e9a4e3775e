import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cli, tempDir } from './helpers.js'

const SCANNET = resolve(dirname(fileURLToPath(import.meta.url)), '../../../pipelines/scannet.yaml')
afterEach(() => void vi.unstubAllEnvs())

describe('plaf models make-contract: scannet.yaml end to end on a fresh machine', () => {
  it('installs the three contract models, marked random_weights; validate then misses none; a run warns PLAF_RANDOM_WEIGHTS', async () => {
    const dir = tempDir()
    vi.stubEnv('PLAF_HOME', join(dir, 'home'))
    vi.stubEnv('PLAF_HUB', undefined)
    vi.stubEnv('SCANNET_ROOT', join(dir, 'scannet'))
    vi.stubEnv('SCANNET_SCENE', 'scene0000_00')
    expect((await cli('make-scene', join(dir, 'scannet', 'scans', 'scene0000_00'), '--frames', '11')).code).toBe(0)
    const before = await cli('validate', SCANNET)
    expect(before.err.match(/PLAF_MODEL_MISSING/g)).toHaveLength(3)

    const made = await cli('models', 'make-contract', 'all')
    expect(made.code).toBe(0)
    for (const ref of ['radio-v2.5-b@0.0.0-contract', 'siglip-so400m-text@0.0.0-contract', 'sam-vit-h@0.0.0-contract']) expect(made.out).toContain(`installed ${ref}`)
    expect(made.err).toContain('RANDOM WEIGHTS')
    const manifest = JSON.parse(readFileSync(join(dir, 'home', 'models', 'sam-vit-h@0.0.0-contract', 'plaf-model.json'), 'utf8')) as { random_weights?: boolean; description: string }
    expect(manifest.random_weights).toBe(true)
    expect(manifest.description).toMatch(/^CONTRACT MODEL, RANDOM WEIGHTS/)
    // again: nothing changes
    expect((await cli('models', 'make-contract', 'sam')).out).toContain('already installed sam-vit-h@0.0.0-contract')

    const after = await cli('validate', SCANNET)
    expect(after.code).toBe(0)
    expect(after.err).not.toContain('PLAF_MODEL_MISSING')

    const out = join(dir, 'run')
    const run = await cli('run', SCANNET, '--out', out, '--progress', 'none', '--set', `runtime.cache_dir=${join(dir, 'cache')}`)
    expect(run.code).toBe(0)
    expect(run.err).toContain('model sam-vit-h@0.0.0-contract is a generated contract model with random weights')
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { warnings: Record<string, number>; frames: { processed: number } }
    expect(report.frames.processed).toBe(2)
    expect(report.warnings.PLAF_RANDOM_WEIGHTS).toBe(3)
    const runManifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { models: { name: string; random_weights?: boolean }[] }
    expect(runManifest.models.map((m) => [m.name, m.random_weights])).toEqual(expect.arrayContaining([['sam-vit-h', true], ['radio-v2.5-b', true], ['siglip-so400m-text', true]]))

    // what is read from that run says so too: eval (stderr and its warnings), query (stderr and its notes)
    const scores = await cli('eval', 'scannet', '--run', out, '--scene', join(dir, 'scannet', 'scans', 'scene0000_00'), '--json')
    expect(scores.code, scores.err).toBe(0)
    expect(scores.err).toContain('PLAF_RANDOM_WEIGHTS')
    expect((JSON.parse(scores.out) as { warnings: { code: string }[] }).warnings.filter((d) => d.code === 'PLAF_RANDOM_WEIGHTS')).toHaveLength(3)
    const hits = await cli('query', out, '--text', 'chair', '--json')
    expect(hits.code, hits.err).toBe(0)
    expect(hits.err).toContain('model radio-v2.5-b@0.0.0-contract is a generated contract model with random weights')
    expect((JSON.parse(hits.out) as { notes: { code: string }[] }).notes.filter((d) => d.code === 'PLAF_RANDOM_WEIGHTS')).toHaveLength(3)
  })

  it('an unknown model name is a user error with the choices', async () => {
    vi.stubEnv('PLAF_HOME', join(tempDir(), 'home'))
    const r = await cli('models', 'make-contract', 'sma')
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/sma.*(radio|sam)/s)
  })
})
