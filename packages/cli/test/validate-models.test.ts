import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cli, tempDir } from './helpers.js'

const SCANNET = resolve(dirname(fileURLToPath(import.meta.url)), '../../../pipelines/scannet.yaml')
afterEach(() => void vi.unstubAllEnvs())

describe('plaf validate names every model not installed, whatever the input', () => {
  it('pipelines/scannet.yaml without SCANNET_ROOT: the scene error and all three models', async () => {
    vi.stubEnv('PLAF_HOME', tempDir())
    vi.stubEnv('SCANNET_ROOT', undefined)
    vi.stubEnv('PLAF_HUB', undefined)
    const r = await cli('validate', SCANNET)
    expect(r.code).toBe(1)
    expect(r.err).toContain('scene directory /data/scannet/scans/scene0000_00 does not exist')
    for (const model of ['sam-vit-h', 'radio-v2.5-b', 'siglip-so400m-text']) expect(r.err).toContain(`model "${model}" is not in the model store`)
  })

  it('a stage whose options are wrong is not asked about its model; the others still are', async () => {
    vi.stubEnv('PLAF_HOME', tempDir())
    vi.stubEnv('SCANNET_ROOT', undefined)
    const r = await cli('validate', SCANNET, '--set', 'stages.backbone.with.resolution=-1')
    expect(r.code).toBe(1)
    expect(r.err).toContain('stages.backbone.with.resolution')
    expect(r.err).not.toContain('"radio-v2.5-b"')
    expect(r.err).toContain('model "siglip-so400m-text" is not in the model store')
  })
})
