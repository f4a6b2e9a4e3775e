import { validateOptions } from '@plaf/core'
import { createRunContext, createTestContext, describeStagePlugin } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { gridMasker, type GridOptions } from '../src/grid-masker.js'
import { coverage, makeFrame } from './fixtures.js'

const frame = () => makeFrame(100, 150, (x, y) => [x, y, 0])

describeStagePlugin(gridMasker, [
  { name: 'default cells', inputs: () => ({ frame: frame() }) },
  { name: 'small cells', options: { cell_size: 7 }, inputs: () => ({ frame: frame() }) },
])

describe('grid masker', () => {
  it('cuts 64 px cells and truncates them at the edges, covering every pixel once', async () => {
    const opts = validateOptions(gridMasker, {}).value as unknown as GridOptions
    const inst = await gridMasker.create(opts, createTestContext({ stage: 'masker' }))
    const { masks } = await inst.run({ frame: frame() }, createRunContext({ id: '000000', index: 0 }))
    expect(masks!.masks.map((m) => m.bbox)).toEqual([
      [0, 0, 64, 64], [64, 0, 64, 64], [128, 0, 22, 64],
      [0, 64, 64, 36], [64, 64, 64, 36], [128, 64, 22, 36],
    ])
    expect(masks!.masks.map((m) => m.area)).toEqual([4096, 4096, 1408, 2304, 2304, 792])
    expect(coverage(masks!).hits.every((c) => c === 1)).toBe(true)
  })
})
