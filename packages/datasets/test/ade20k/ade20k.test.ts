import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodePng } from '@plaf/core'
import { ADE20K_CLASSES } from '../../src/ade20k/classes.js'
import { openAde20kSplit, reduceZeroLabel, type Ade20kSample } from '../../src/ade20k/reader.js'
import { writeAde20kSplit, type GeneratedAde20kSample } from '../../src/ade20k/write.js'
import { diagnosticOf, tempRoot } from '../fixtures.js'

const tmp = tempRoot('ade20k')
const root = join(tmp.root, 'ADEChallengeData2016')
let val: GeneratedAde20kSample[]
beforeAll(async () => {
  await writeAde20kSplit(root, 'training', 3, [64, 48], 1)
  val = await writeAde20kSplit(root, 'validation', 2, [40, 30], 2)
})
afterAll(() => tmp.cleanup())

async function all(split: 'training' | 'validation', dir = root): Promise<Ade20kSample[]> {
  const out: Ade20kSample[] = []
  for await (const s of openAde20kSplit(dir, split).samples()) out.push(s)
  return out
}

describe('ade20k', () => {
  it('has the 150 SceneParse150 classes', () => {
    expect([ADE20K_CLASSES.length, new Set(ADE20K_CLASSES).size]).toEqual([150, 150])
    expect([ADE20K_CLASSES[0], ADE20K_CLASSES[7], ADE20K_CLASSES[149]]).toEqual(['wall', 'bed', 'flag'])
  })

  it('reads a generated split: every annotation value as written, images as libvips decodes them', async () => {
    const got = await all('validation')
    expect(got.map((s) => s.id)).toEqual(['ADE_val_00000001', 'ADE_val_00000002'])
    for (const [k, s] of got.entries()) {
      expect(s.labels.shape).toEqual([30, 40])
      expect(Buffer.compare(Buffer.from(s.labels.data), Buffer.from(val[k].labels))).toBe(0)
      const decoded = await sharp(readFileSync(join(root, 'images', 'validation', `${s.id}.jpg`))).raw().toBuffer()
      expect(Buffer.compare(Buffer.from(s.image.data), decoded)).toBe(0)
    }
    expect((await all('training')).map((s) => s.image.shape)).toEqual([[48, 64, 3], [48, 64, 3], [48, 64, 3]])
  })

  it('reduceZeroLabel: 0 → 255 (ignore), k → k − 1', () => {
    expect(Array.from(reduceZeroLabel(Uint8Array.from([0, 1, 150, 7])))).toEqual([255, 0, 149, 6])
  })

  it('a missing annotation, one of the wrong size, and a label above 150 are errors naming the file', async () => {
    const ann = join(root, 'annotations', 'validation', 'ADE_val_00000002.png')
    const saved = readFileSync(ann)
    rmSync(ann)
    expect(await diagnosticOf(() => openAde20kSplit(root, 'validation'))).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: ann, expected: 'annotations/validation/ADE_val_00000002.png', actual: 'no such file',
      message: `${ann} is missing: every image of ${join(root, 'images', 'validation')} needs its annotation`,
    })
    writeFileSync(ann, encodePng({ data: new Uint8Array(20 * 15), width: 20, height: 15, channels: 1, depth: 8 }))
    expect(await diagnosticOf(() => all('validation'))).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: ann, frame: 'ADE_val_00000002', expected: '40×30', actual: '20×15',
      message: `${ann}: annotation is 20×15, its image 40×30`,
    })
    writeFileSync(ann, encodePng({ data: new Uint8Array(40 * 30).fill(200), width: 40, height: 30, channels: 1, depth: 8 }))
    expect(await diagnosticOf(() => all('validation'))).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: ann, frame: 'ADE_val_00000002', expected: '0…150', actual: '200',
      message: `${ann}: label 200 is outside 0…150 (0 = ignore, 1…150 the SceneParse150 classes)`,
    })
    writeFileSync(ann, saved)
  })
})
