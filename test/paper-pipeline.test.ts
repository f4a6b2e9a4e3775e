// The paper's pipeline (pipelines/scannet.yaml, unchanged) end to end through the plaf CLI with
// ONNX models in the exact I/O contract of the real exports, pulled from a hub on 127.0.0.1 into an
// empty PLAF_HOME, verified and run on a generated ScanNet-layout scene; then the CLIP family
// behind the same ports by editing only --set.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeNpy, decodePly } from '@plaf/core'
import { serveHub, type HubServer } from '@plaf/core/testing'
import { writeScene } from '@plaf/datasets'
import { writeRadioContractModel, writeSiglipTextContractModel } from '@plaf/backbone-radio/testing'
import { writeClipContractModel, writeClipTextContractModel } from '@plaf/backbone-clip/testing'
import { plaf, tempDir } from './helpers.js'

const repo = join(__dirname, '..')
const scannet = join(repo, 'pipelines', 'scannet.yaml')
const { dir, cleanup } = tempDir('paper')
const hubRoot = join(dir, 'hub')
const home = join(dir, 'plaf-home')
const scans = join(dir, 'scannet')
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex')
let hub: HubServer
const saved = { ...process.env }

beforeAll(async () => {
  // a hub laid out like the public ones: {repo}/resolve/{revision}/{path}, repo = model name
  writeRadioContractModel(join(hubRoot, 'radio-v2.5-b'))
  writeSiglipTextContractModel(join(hubRoot, 'siglip-so400m-text'))
  writeClipContractModel(join(hubRoot, 'clip-vit-b-16'))
  writeClipTextContractModel(join(hubRoot, 'clip-vit-b-16-text'))
  hub = await serveHub(hubRoot)
  await writeScene(join(scans, 'scans', 'scene0007_00'), { seed: 3, frames: 20 })
  Object.assign(process.env, { PLAF_HOME: home, PLAF_HUB: hub.url, SCANNET_ROOT: scans, SCANNET_SCENE: 'scene0007_00' })
  delete process.env.PLAF_OFFLINE
}, 600_000)
afterAll(async () => {
  process.env = saved
  await hub?.close()
  cleanup()
})

const common = ['--set', 'stages.masker.use=felzenszwalb', '--set', `runtime.cache_dir=${join(dir, 'cache')}`, '--progress', 'none']

describe('pipelines/scannet.yaml with contract models from a hub on 127.0.0.1', () => {
  it('validates without naming radio or siglip-text as missing plugins', async () => {
    const { out, err } = await plaf(['validate', scannet])
    expect(out + err).not.toMatch(/PLAF_UNKNOWN_PLUGIN|no backbone plugin|no text-encoder plugin/)
    expect(out).toContain('backbone     radio')
  })

  it('pulls both models into PLAF_HOME, runs every frame, and records the models and their hashes', async () => {
    const run = join(dir, 'run-radio')
    await plaf(['run', scannet, ...common, '--out', run])
    // the store now holds byte-identical copies of what the hub serves, and verify agrees
    for (const [name, file] of [['radio-v2.5-b', 'vision_512x512.onnx'], ['siglip-so400m-text', 'plaf-model.json']] as const) {
      expect(sha(join(home, 'models', `${name}@1.0.0`, file))).toBe(sha(join(hubRoot, name, file)))
    }
    expect((await plaf(['models', 'verify'])).code).toBe(0)
    const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as { models: { name: string; version: string; sha256: string; pulled: boolean; graphs: Record<string, { file: string; sha256: string }> }[] }
    const byName = Object.fromEntries(manifest.models.map((m) => [m.name, m]))
    expect(Object.keys(byName).sort()).toEqual(['radio-v2.5-b', 'siglip-so400m-text'])
    expect(byName['radio-v2.5-b']!.sha256).toBe(sha(join(hubRoot, 'radio-v2.5-b', 'plaf-model.json')))
    expect(Object.values(byName['radio-v2.5-b']!.graphs).map((g) => g.sha256)).toEqual([sha(join(hubRoot, 'radio-v2.5-b', 'vision_512x512.onnx'))])
    expect(manifest.models.map((m) => m.pulled)).toEqual([true, true])
    expect(byName['siglip-so400m-text']!.sha256).toBe(sha(join(hubRoot, 'siglip-so400m-text', 'plaf-model.json')))

    // outputs in the shapes of the paper's configuration: frame_step 10 of 20 frames, D = 1152
    const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as { frames: { processed: number } }
    expect(report.frames.processed).toBe(2)
    const feats = decodeNpy(readFileSync(join(run, 'storage2d', '000000.features.npy')))
    expect(feats.shape[1]).toBe(1152)
    const pool = decodeNpy(readFileSync(join(run, 'storage3d', 'pool.npy')))
    expect(pool.shape[1]).toBe(1152)
    const ply = decodePly(readFileSync(join(run, 'storage3d', 'map.ply')))
    expect(ply.vertexCount).toBeGreaterThan(1000)
    const scores = JSON.parse(readFileSync(join(run, 'querier', 'scores.json'), 'utf8')) as { queries: { text: string; map: { points: number } | null }[] }
    expect(scores.queries.map((q) => q.text)).toEqual(['chair', 'table', 'pillow', 'picture'])
    for (const q of scores.queries) expect(q.map?.points).toBe(ply.vertexCount)
    // the models came from the hub exactly once; a second run opens them from the store
    const fetched = hub.requests.length
    await plaf(['run', scannet, ...common, '--out', join(dir, 'run-again')])
    expect(hub.requests.length).toBe(fetched)
  })

  it('runs the CLIP family behind the same ports by editing only --set, and refuses a cross-space pair at validate', async () => {
    const clip = ['--set', 'stages.backbone.use=clip-dense', '--set', 'stages.querier.with.encoder=clip-text']
    const run = join(dir, 'run-clip')
    await plaf(['run', scannet, ...common, ...clip, '--out', run])
    expect(decodeNpy(readFileSync(join(run, 'storage2d', '000000.features.npy'))).shape[1]).toBe(512)
    const { err } = await plaf(['validate', scannet, '--set', 'stages.querier.with.encoder=clip-text'], 1)
    expect(err).toContain('PLAF_SPACE_MISMATCH')
    expect(err).toContain('siglip-so400m-patch14-384')
    expect(err).toContain('openai-clip-vit-b-16')
  })
})
