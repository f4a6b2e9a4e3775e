// The paper's pipeline (pipelines/scannet.yaml, unchanged: sam with the official settings, radio,
// siglip-text) end to end through the plaf CLI, with SAM-, RADIO- and SigLIP-text-contract models
// (the exact I/O of the public exports) pulled from a hub on 127.0.0.1 into an empty PLAF_HOME;
// then the masker ablation by --set alone.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeNpy, decodePng } from '@plaf/core'
import { serveHub, type HubServer } from '@plaf/core/testing'
import { writeScene } from '@plaf/datasets'
import { writeRadioContractModel, writeSiglipTextContractModel } from '@plaf/backbone-radio/testing'
import { writeSamContractModel } from '@plaf/masker-sam/testing'
import { plaf, tempDir } from './helpers.js'

const scannet = join(__dirname, '..', 'pipelines', 'scannet.yaml')
const { dir, cleanup } = tempDir('paper-sam')
const hubRoot = join(dir, 'hub')
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex')
let hub: HubServer
const saved = { ...process.env }

beforeAll(async () => {
  writeRadioContractModel(join(hubRoot, 'radio-v2.5-b'))
  writeSiglipTextContractModel(join(hubRoot, 'siglip-so400m-text'))
  writeSamContractModel(join(hubRoot, 'sam-vit-h'))
  hub = await serveHub(hubRoot)
  await writeScene(join(dir, 'scannet', 'scans', 'scene0003_00'), { seed: 5, frames: 20, color_width: 320, color_height: 240 })
  Object.assign(process.env, { PLAF_HOME: join(dir, 'plaf-home'), PLAF_HUB: hub.url, SCANNET_ROOT: join(dir, 'scannet'), SCANNET_SCENE: 'scene0003_00' })
  delete process.env.PLAF_OFFLINE
}, 600_000)
afterAll(async () => {
  process.env = saved
  await hub?.close()
  cleanup()
})

const common = ['--set', `runtime.cache_dir=${join(dir, 'cache')}`, '--progress', 'none']

describe('pipelines/scannet.yaml with sam on contract models', () => {
  it('validates with nothing missing', async () => {
    const { out, err } = await plaf(['validate', scannet])
    expect(out + err).not.toContain('PLAF_UNKNOWN_PLUGIN')
    expect(err).toContain('0 error(s)')
    expect(out).toContain('masker       sam')
  })

  it('runs every frame with sam\'s masks and records the SAM model with the hub\'s hash', async () => {
    const run = join(dir, 'run-sam')
    await plaf(['run', scannet, ...common, '--out', run])
    const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as { models: { name: string; sha256: string }[] }
    const sam = manifest.models.find((m) => m.name === 'sam-vit-h')
    expect(sam?.sha256).toBe(sha(join(hubRoot, 'sam-vit-h', 'plaf-model.json')))
    const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as { frames: { processed: number } }
    expect(report.frames.processed).toBe(2)
    // Each frame's id map holds several SAM masks (the scene's objects, walls and floor).
    for (const frame of ['000000', '000010']) {
      const ids = decodePng(readFileSync(join(run, 'storage2d', `${frame}.ids.png`)))
      const distinct = new Set(ids.data as Uint16Array)
      expect(distinct.size, `frame ${frame}`).toBeGreaterThan(3)
      expect(decodeNpy(readFileSync(join(run, 'storage2d', `${frame}.features.npy`))).shape).toEqual([Math.max(...distinct) + 1, 1152])
    }
  })

  it('the masker ablation runs by --set alone: felzenszwalb, grid, slic and sam', async () => {
    for (const use of ['felzenszwalb', 'grid', 'slic', 'sam']) {
      const run = join(dir, `run-${use}`)
      await plaf(['run', scannet, ...common, '--set', `stages.masker.use=${use}`, '--out', run])
      const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as { frames: { processed: number } }
      expect(report.frames.processed, use).toBe(2)
      const ids = decodePng(readFileSync(join(run, 'storage2d', '000000.ids.png')))
      expect(new Set(ids.data as Uint16Array).size, use).toBeGreaterThan(1)
    }
  })
})
