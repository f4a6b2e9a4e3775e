import { writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkPort, validateOptions, type Frame } from '@plaf/core'
import { createTestContext, describeInputPlugin } from '@plaf/core/testing'
import { writeAde20kSplit, type GeneratedAde20kSample } from '../../src/ade20k/write.js'
import { ADE20K_CLASSES } from '../../src/ade20k/classes.js'
import type { Ade20kSource } from '../../src/ade20k/source.js'
import { ade20kInput, type Ade20kOptions } from '../../src/plugins/ade20k.js'
import { inspectDataset, openDataset } from '../../src/inspect.js'
import type { DatasetSource } from '../../src/frames/source.js'
import { diagnosticOf, tempRoot } from '../fixtures.js'

const tmp = tempRoot('ade20k-input')
const root = join(tmp.root, 'ADEChallengeData2016')
let train: GeneratedAde20kSample[]
beforeAll(async () => {
  train = await writeAde20kSplit(root, 'training', 5, [48, 36], 4)
  await writeAde20kSplit(root, 'validation', 2, [40, 30], 5)
})
afterAll(() => tmp.cleanup())

describeInputPlugin(ade20kInput, [{ name: 'generated validation split', options: { root }, frames: 2 }])

async function open(options: Partial<Ade20kOptions>): Promise<DatasetSource> {
  const r = validateOptions(ade20kInput, options)
  expect(r.errors).toEqual([])
  return (await ade20kInput.create(r.value as unknown as Ade20kOptions, createTestContext())) as DatasetSource
}

async function all(src: DatasetSource, from = 0): Promise<Frame[]> {
  const out: Frame[] = []
  for await (const f of src.frames(from)) out.push(f)
  return out
}

describe('ade20k input', () => {
  it('frames are images with their annotation as labels, no depth, no camera, pose null; every label value as written', async () => {
    const src = await open({ root, split: 'training', frame_range: [1, 5], frame_step: 2 })
    expect([src.format, src.found, src.frameCount, src.skips, src.depthScale]).toEqual(['ade20k', 5, 2, [], null])
    expect((src as Ade20kSource).classes).toBe(ADE20K_CLASSES)
    const frames = await all(src)
    expect(frames.map((f) => [f.index, f.id])).toEqual([[1, '000001'], [3, '000003']])
    for (const f of frames) {
      expect(checkPort('Frame', f)).toBeNull()
      expect([f.pose, f.depth, f.colorIntrinsics, f.depthIntrinsics]).toEqual([null, undefined, undefined, undefined])
      expect(f.rgb.shape).toEqual([36, 48, 3])
      expect(f.labels!.shape).toEqual([36, 48])
      expect(Array.from(f.labels!.data)).toEqual(Array.from(train[f.index].labels))
    }
    expect((await all(src, 1)).map((f) => f.index)).toEqual([3])
    expect((await open({ root, split: 'training', max_frames: 3 })).frameCount).toBe(3)
  })

  it('the identity changes with the split, the selection and an annotation', async () => {
    const a = (await open({ root })).identity
    expect((await open({ root, split: 'training' })).identity).not.toBe(a)
    expect((await open({ root, max_frames: 1 })).identity).not.toBe(a)
    const ann = join(root, 'annotations', 'validation', 'ADE_val_00000001.png')
    const saved = readFileSync(ann)
    writeFileSync(ann, Buffer.concat([saved, Buffer.from([0])]))
    expect((await open({ root })).identity).not.toBe(a)
    writeFileSync(ann, saved)
    expect((await open({ root })).identity).toBe(a)
  })

  it('plaf validate names a missing root and an empty selection at the root option', () => {
    const ctx = { baseDir: tmp.root } as Parameters<NonNullable<typeof ade20kInput.check>>[1]
    const opts = (o: Partial<Ade20kOptions>) => validateOptions(ade20kInput, o).value as unknown as Ade20kOptions
    const gone = join(tmp.root, 'nope')
    expect(ade20kInput.check!(opts({ root: 'nope' }), ctx)).toEqual([{
      code: 'PLAF_FILE_NOT_FOUND', message: `ADE20K root ${gone} does not exist`, file: gone, path: 'root',
      expected: 'ADEChallengeData2016: images/{training,validation}/*.jpg and annotations/{training,validation}/*.png',
    }])
    const dir = join(root, 'images', 'validation')
    expect(ade20kInput.check!(opts({ root, frame_range: [5, 9] }), ctx)).toEqual([{
      code: 'PLAF_INPUT_INVALID', message: `the selection keeps none of the 2 images of ${dir}`, file: dir, path: 'root',
      expected: 'at least one image', actual: '2 images, none selected',
    }])
  })

  it('a truncated image is an error naming the file and the image', async () => {
    const img = join(root, 'images', 'validation', 'ADE_val_00000002.jpg')
    const saved = readFileSync(img)
    writeFileSync(img, saved.subarray(0, 200))
    const { cause, ...d } = (await diagnosticOf(async () => all(await open({ root }))))!
    writeFileSync(img, saved)
    expect(cause).toBeInstanceOf(Error)
    expect(d).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: img, frame: 'ADE_val_00000002',
      message: `frame ADE_val_00000002: ${img}: truncated JPEG (200 bytes without the end-of-image marker FFD9)`,
      expected: 'a complete JPEG or PNG colour image', actual: '200 bytes without the end-of-image marker FFD9',
    })
  })

  it('openDataset gives the input (validation split); inspect still reads both splits', async () => {
    expect(openDataset(root, 'ade20k').frameCount).toBe(2)
    expect(await inspectDataset(root)).toMatchObject({ format: 'ade20k', frames: 7, usable: 7, depth: null, intrinsics: null })
  })
})
