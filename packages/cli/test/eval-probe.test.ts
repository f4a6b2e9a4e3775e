import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodePng } from '@plaf/core'
import { writeAde20kSplit, type GeneratedAde20kSample } from '@plaf/datasets'
import { describe, expect, it } from 'vitest'
import { evalProbeCommand, type ProbeCommandOptions } from '../src/commands/eval-probe.js'
import { cli, tempDir } from './helpers.js'

// The input is replaced by the ADE20K data, so the pipeline's own scene need not exist; the
// storage and the lifter (which would refuse frames without depth) are dropped.
const PIPELINE = `name: probe-test
input: { use: scannet, with: { scene: ./no-such-scene } }
stages:
  backbone: { use: color-lexicon, with: { resolution: 64, patch_size: 8 } }
  masker: { use: felzenszwalb, with: { sigma: 0.5, k: 200, min_size: 20 } }
  aggregator: { use: mask-mean }
  storage2d: { use: mask-indexed }
  lifter: { use: backproject }
runtime: { tensor_backend: reference }
output: { dir: ./runs/probe }
`

async function probe(o: Partial<ProbeCommandOptions> & { pipeline: string; data: string }): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = ''
  const code = await evalProbeCommand({ progress: 'none', ...o }, { out: (t) => void (out += t + '\n'), err: (t) => void (err += t + '\n') })
  return { code, out, err }
}

const labelled = (samples: GeneratedAde20kSample[]): number => samples.reduce((n, s) => n + s.labels.filter((v) => v !== 0).length, 0)

describe('plaf eval ade20k-probe', () => {
  it('runs end to end on a generated ADE20K-layout dataset: mask-mean, patch and pixel in one sweep', async () => {
    const dir = tempDir({ 'probe.yaml': PIPELINE })
    const data = join(dir, 'ADEChallengeData2016')
    const train = await writeAde20kSplit(data, 'training', 6, [32, 24], 4)
    // the same seed: the validation images are the first three training images, so a probe that learns scores well
    const val = await writeAde20kSplit(data, 'validation', 3, [32, 24], 4)
    const r = await cli('eval', 'ade20k-probe', '--pipeline', join(dir, 'probe.yaml'), '--data', data, '--aggregators', 'mask-mean,patch,pixel',
      '--epochs', '20', '--batch-images', '3', '--lr', '0.03', '--json', '--out', join(dir, 'report'), '--progress', 'none')
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    const res = JSON.parse(r.out)
    expect(JSON.parse(readFileSync(join(dir, 'report', 'probe.json'), 'utf8'))).toEqual(res)
    expect(readFileSync(join(dir, 'report', 'probe.md'), 'utf8')).toMatch(/\| mask-mean \| [\d.]+ \|/)
    for (const plot of ['probe-comparison', 'probe-mask-mean-iou', 'probe-patch-iou', 'probe-pixel-iou']) {
      expect(readFileSync(join(dir, 'report', `${plot}.svg`), 'utf8')).toMatch(/^<svg/)
      expect(readFileSync(join(dir, 'report', `${plot}.png`)).subarray(1, 4).toString()).toBe('PNG')
    }
    expect(res.protocol.resolution).toMatch(/^the pipeline's: backbone \(color-lexicon\) \{"resolution":64,"patch_size":8,/)
    expect(res.protocol.train_images).toBe('6 of 6 (training, file-name order)')
    expect(res.variants.map((v: { variant: string }) => v.variant)).toEqual(['mask-mean', 'patch', 'pixel'])
    const zeros = val.reduce((n, s) => n + s.labels.length, 0) - labelled(val)
    for (const v of res.variants) {
      expect(v.stages.map((s: { use: string }) => s.use)).toEqual(v.variant === 'mask-mean' ? ['color-lexicon', 'felzenszwalb', 'mask-mean'] : ['color-lexicon', v.variant])
      expect(v.train.pixels).toBe(labelled(train))
      expect(v.val).toMatchObject({ images: 3, pixels: labelled(val), ignored: zeros })
      expect(v.train.steps).toBe(40)
      expect(v.classes).toHaveLength(150)
      expect(v.classes[12]).toMatchObject({ id: 13, name: 'person' })
      // the means are over the classes present in the validation ground truth
      const present = v.classes.filter((c: { iou: number | null }) => c.iou !== null)
      expect(present.length + v.absent.length).toBe(150)
      const mean = present.reduce((s: number, c: { iou: number }) => s + c.iou, 0) / present.length
      expect(Math.abs(v.miou - mean)).toBeLessThan(0.01)
      const seen = new Set(val.flatMap((s) => [...new Set(s.labels)].filter((x) => x !== 0)))
      expect(present.map((c: { id: number }) => c.id).sort((a: number, b: number) => a - b)).toEqual([...seen].sort((a, b) => a - b))
      // it learns: the last epoch's loss is well below ln 150 = 5.01, the loss of the initial head
      expect(v.train.epoch_loss[0]).toBeGreaterThan(4.5)
      expect(v.train.epoch_loss.at(-1)).toBeLessThan(v.train.epoch_loss[0] / 2)
      expect(v.miou).toBeGreaterThan(10)
    }
    // one row per pixel for pixel, per (patch, class) for patch, per (mask, class) for mask-mean
    const rows = Object.fromEntries(res.variants.map((v: { variant: string; train: { rows: number } }) => [v.variant, v.train.rows]))
    expect(rows.pixel).toBe(labelled(train))
    expect(rows['mask-mean']).toBeLessThan(rows.patch)
    expect(rows.patch).toBeLessThan(rows.pixel)
  })

  describe('errors are located, exit 1', () => {
    it('a missing data folder', async () => {
      const dir = tempDir({ 'probe.yaml': PIPELINE })
      const r = await probe({ pipeline: join(dir, 'probe.yaml'), data: join(dir, 'nowhere') })
      expect(r.code).toBe(1)
      expect(r.err).toContain(`ADE20K root ${join(dir, 'nowhere')} does not exist`)
      expect(r.err).toContain('PLAF_FILE_NOT_FOUND')
    })

    it('a folder without the ADEChallengeData2016 layout', async () => {
      const dir = tempDir({ 'probe.yaml': PIPELINE, 'data/images/training/ADE_train_00000001.jpg': 'x' })
      const r = await probe({ pipeline: join(dir, 'probe.yaml'), data: join(dir, 'data') })
      expect(r.code).toBe(1)
      expect(r.err).toMatch(/ADE_train_00000001\.png is missing: every image of .*images\/training needs its annotation/)
    })

    it('an annotation whose size differs from its image, naming the file', async () => {
      const dir = tempDir({ 'probe.yaml': PIPELINE })
      const data = join(dir, 'ADEChallengeData2016')
      await writeAde20kSplit(data, 'training', 2, [32, 24], 4)
      await writeAde20kSplit(data, 'validation', 1, [32, 24], 4)
      const bad = join(data, 'annotations', 'training', 'ADE_train_00000002.png')
      writeFileSync(bad, encodePng({ data: new Uint8Array(20 * 10).fill(3), width: 20, height: 10, channels: 1, depth: 8 }))
      const r = await probe({ pipeline: join(dir, 'probe.yaml'), data, epochs: '1' })
      expect(r.code).toBe(1)
      expect(r.err).toContain(`${bad}: annotation is 20×10, its image 32×24`)
    })

    it('a validation split that is missing', async () => {
      const dir = tempDir({ 'probe.yaml': PIPELINE })
      const data = join(dir, 'ADEChallengeData2016')
      await writeAde20kSplit(data, 'training', 1, [32, 24], 4)
      const r = await probe({ pipeline: join(dir, 'probe.yaml'), data })
      expect(r.code).toBe(1)
      expect(r.err).toContain('has no images/validation/ folder')
    })

    it('a bad flag, an unknown aggregator, an aggregator the pipeline cannot feed', async () => {
      const dir = tempDir({ 'probe.yaml': PIPELINE, 'nomask.yaml': PIPELINE.replace(/ {2}masker:.*\n/, '').replace('use: mask-mean', 'use: patch') })
      const data = join(dir, 'ADEChallengeData2016')
      await writeAde20kSplit(data, 'training', 1, [32, 24], 4)
      await writeAde20kSplit(data, 'validation', 1, [32, 24], 4)
      const flag = await probe({ pipeline: join(dir, 'probe.yaml'), data, epochs: '2.5' })
      expect(flag.code).toBe(1)
      expect(flag.err).toContain('--epochs must be an integer ≥ 1')
      const unknown = await probe({ pipeline: join(dir, 'probe.yaml'), data, aggregators: 'mask-mean,pach' })
      expect(unknown.code).toBe(1)
      expect(unknown.err).toMatch(/--aggregators mask-mean,pach error no aggregator plugin named "pach"[\s\S]*\^[\s\S]*did you mean "patch"/)
      const unfed = await probe({ pipeline: join(dir, 'nomask.yaml'), data, aggregators: 'patch,mask-mean' })
      expect(unfed.code).toBe(1)
      expect(unfed.err).toContain('input port "masks" needs a MaskSet')
    })

    it('an image too large for the pixel aggregator, with the way out (--max-side)', async () => {
      const dir = tempDir({ 'probe.yaml': PIPELINE })
      const data = join(dir, 'ADEChallengeData2016')
      await writeAde20kSplit(data, 'training', 1, [270, 250], 4)
      await writeAde20kSplit(data, 'validation', 1, [32, 24], 4)
      const r = await probe({ pipeline: join(dir, 'probe.yaml'), data, aggregators: 'pixel' })
      expect(r.code).toBe(1)
      expect(r.err).toContain(`${join(data, 'images', 'training', 'ADE_train_00000001.jpg')}: stage aggregator (pixel) frame 000000: the pixel baseline keeps one feature per pixel`)
      const small = await probe({ pipeline: join(dir, 'probe.yaml'), data, aggregators: 'pixel', maxSide: '100', epochs: '1', json: true })
      expect(small.code).toBe(0)
      const res = JSON.parse(small.out)
      expect(res.protocol.input).toMatch(/^whole images scaled so the longer side is ≤ 100 px/)
      expect(res.variants[0].train.rows).toBe(res.variants[0].train.pixels)
      expect(res.variants[0].train.pixels).toBeLessThanOrEqual(100 * 93)
    })
  })
})
