// mask-mean `adaptor: after-average` end to end: pipelines/scannet.yaml (unchanged) on a generated
// scene with a RADIO-contract model that ships its adaptor as a graph of its own, switched by
// --set only; the same pipeline on an export without the separate adaptor is refused at validate.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeNpy } from '@plaf/core'
import { writeScene } from '@plaf/datasets'
import { writeRadioContractModel, writeSiglipTextContractModel } from '@plaf/backbone-radio/testing'
import { plaf, tempDir } from './helpers.js'

const repo = join(__dirname, '..')
const scannet = join(repo, 'pipelines', 'scannet.yaml')
const { dir, cleanup } = tempDir('adaptor')
const home = join(dir, 'plaf-home')
const scans = join(dir, 'scannet')
const saved = { ...process.env }

beforeAll(async () => {
  writeRadioContractModel(join(home, 'models', 'radio-v2.5-b@1.0.0'), { adaptor: true })
  writeRadioContractModel(join(home, 'models', 'radio-baked@1.0.0'), { name: 'radio-baked' })
  writeSiglipTextContractModel(join(home, 'models', 'siglip-so400m-text@1.0.0'))
  await writeScene(join(scans, 'scans', 'scene0003_00'), { seed: 5, frames: 11 })
  Object.assign(process.env, { PLAF_HOME: home, SCANNET_ROOT: scans, SCANNET_SCENE: 'scene0003_00', PLAF_OFFLINE: '1' })
}, 600_000)
afterAll(() => {
  process.env = saved
  cleanup()
})

const common = ['--set', 'stages.masker.use=felzenszwalb', '--set', `runtime.cache_dir=${join(dir, 'cache')}`, '--progress', 'none']
const after = ['--set', 'stages.aggregator.with.adaptor=after-average']
const npy = (run: string, file: string) => decodeNpy(readFileSync(join(run, 'storage2d', file)))

describe('plaf run with --set stages.aggregator.with.adaptor=after-average', () => {
  it('runs on an export with graphs.adaptor: same id maps, unit rows in the text space, rows that differ from before-average', async () => {
    const before = join(dir, 'run-before')
    const ablation = join(dir, 'run-after')
    await plaf(['run', scannet, ...common, '--out', before])
    // the backbone's grids (with their backbone features) come from the cache of the first run
    await plaf(['run', scannet, ...common, ...after, '--out', ablation])
    expect(readFileSync(join(ablation, 'config.resolved.yaml'), 'utf8')).toMatch(/adaptor: after-average/)
    const report = JSON.parse(readFileSync(join(ablation, 'report.json'), 'utf8')) as { stages: Record<string, { cache_hits: number }> }
    expect(report.stages.backbone!.cache_hits).toBe(2)
    for (const frame of ['000000', '000010']) {
      const a = npy(before, `${frame}.features.npy`)
      const b = npy(ablation, `${frame}.features.npy`)
      expect(b.shape).toEqual(a.shape)
      expect(b.shape[1]).toBe(1152)
      expect(readFileSync(join(ablation, 'storage2d', `${frame}.ids.png`))).toEqual(readFileSync(join(before, 'storage2d', `${frame}.ids.png`)))
      const [rows, d] = b.shape as [number, number]
      const fa = a.data as Float32Array
      const fb = b.data as Float32Array
      let diff = 0
      for (let r = 1; r < rows; r++) {
        let n2 = 0
        for (let j = 0; j < d; j++) {
          n2 += fb[r * d + j]! ** 2
          diff = Math.max(diff, Math.abs(fa[r * d + j]! - fb[r * d + j]!))
        }
        expect(Math.sqrt(n2)).toBeCloseTo(1, 4)
      }
      expect(diff).toBeGreaterThan(1e-2)
    }
  })

  it('is refused at validate, at the --set, for an export without the separate adaptor and for adaptor: none', async () => {
    for (const extra of [['--set', 'stages.backbone.with.model=radio-baked'], ['--set', 'stages.backbone.with.adaptor=none']]) {
      const { err } = await plaf(['validate', scannet, ...common.slice(0, 4), ...after, ...extra], 1)
      expect(err).toContain('PLAF_INVALID_OPTION')
      expect(err).toContain('stages.aggregator.with.adaptor: "after-average" needs a backbone that ships its language adaptor as a separate graph')
      expect(err).toContain('backbone radio (stage backbone)')
      // located at the --set that asked for it
      expect(err).toMatch(/PLAF_INVALID_OPTION\n\s+\| --set stages\.aggregator\.with\.adaptor=after-average\n/)
    }
    // the default needs nothing
    await plaf(['validate', scannet, ...common.slice(0, 4), '--set', 'stages.backbone.with.model=radio-baked'])
  })
})
