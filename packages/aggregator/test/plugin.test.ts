import { checkPort, type MaskSet } from '@plaf/core'
import { createRunContext, createTestContext, describeStagePlugin } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { maskMeanAggregator } from '../src/index.js'
import { maskFromFull, prng, randomGrid, randomMasks, rect, resizeTransform } from './fixtures.js'

const small = () => {
  const rand = prng(7)
  return { features: randomGrid(rand, 3, 4, 8, resizeTransform(20, 24, 3, 4)), masks: randomMasks(rand, 24, 20, 4) }
}

describeStagePlugin(maskMeanAggregator, [
  { name: 'defaults', inputs: small },
  { name: 'largest-wins, min_area', options: { overlap: 'largest-wins', min_area: 30 }, inputs: small },
  { name: 'no masks', inputs: () => ({ ...small(), masks: { width: 24, height: 20, masks: [] } }) },
  { name: 'average overlap, patch background', options: { overlap: 'average', background: 'patch' }, inputs: small },
])

async function run(masks: MaskSet, options: Record<string, unknown> = {}) {
  const ctx = createTestContext()
  const opts = { overlap: 'smallest-wins', min_area: 0, ...options }
  const inst = await maskMeanAggregator.create(opts as never, ctx)
  const rc = createRunContext({ id: '000007', index: 7 })
  const grid = randomGrid(prng(3), 2, 2, 4, resizeTransform(masks.height, masks.width, 2, 2))
  const out = await inst.run({ features: grid, masks }, rc)
  return { memory: out.memory!, rc }
}

describe('mask-mean plugin', () => {
  const W = 10
  const H = 8
  // Areas: big 80 (whole image), mid 20, small 4; given out of order to test the sort.
  const small4 = maskFromFull(rect(W, H, 1, 1, 3, 3), W, H)
  const big = maskFromFull(rect(W, H, 0, 0, W, H), W, H)
  const mid = maskFromFull(rect(W, H, 0, 0, 5, 4), W, H)

  it('assigns ids by area (largest first) and lets smaller masks overwrite larger ones', async () => {
    const { memory, rc } = await run({ width: W, height: H, masks: [small4, big, mid] })
    expect(checkPort('SemanticMemory2D', memory)).toBeNull()
    expect(memory.features.shape).toEqual([4, 4])
    const id = (x: number, y: number) => memory.ids.data[y * W + x]
    expect([id(9, 7), id(4, 3), id(1, 1), id(2, 2), id(0, 0)]).toEqual([1, 2, 3, 3, 2])
    expect(rc.metrics.masks).toBe(3)
  })

  it('largest-wins keeps ids by area but paints larger masks last', async () => {
    const { memory } = await run({ width: W, height: H, masks: [small4, big, mid] }, { overlap: 'largest-wins' })
    expect(new Set(memory.ids.data)).toEqual(new Set([1]))
  })

  it('keeps a row for a mask fully hidden under smaller ones, and a zero row for an empty mask', async () => {
    const left = maskFromFull(rect(W, H, 0, 0, 5, H), W, H)
    const right = maskFromFull(rect(W, H, 5, 0, W, H), W, H)
    const empty = maskFromFull(new Uint8Array(W * H), W, H)
    const { memory } = await run({ width: W, height: H, masks: [left, big, empty, right] })
    // big (id 1) is an orphan: no pixel carries id 1, yet its row is a unit vector.
    expect(memory.ids.data.includes(1)).toBe(false)
    const row = (r: number) => Array.from(memory.features.data.subarray(r * 4, r * 4 + 4))
    expect(Math.hypot(...row(1))).toBeCloseTo(1, 6)
    expect(row(0)).toEqual([0, 0, 0, 0])
    expect(row(4)).toEqual([0, 0, 0, 0]) // the empty mask sorts last
    expect(memory.ids.data.includes(4)).toBe(false)
  })

  it('drops masks below min_area before assigning ids', async () => {
    const { memory } = await run({ width: W, height: H, masks: [small4, big, mid] }, { min_area: 5 })
    expect(memory.features.shape[0]).toBe(3)
    expect(new Set(memory.ids.data)).toEqual(new Set([1, 2]))
  })

  it('returns a one-row zero table and an all-zero id map for zero masks', async () => {
    const { memory } = await run({ width: W, height: H, masks: [] })
    expect(memory.features.shape).toEqual([1, 4])
    expect(memory.ids.data.every((v) => v === 0)).toBe(true)
    expect(memory.space).toBe('test-space')
  })

  it('rejects masks whose size differs from the grid transform image size, naming the frame', async () => {
    const ctx = createTestContext()
    const inst = await maskMeanAggregator.create({ overlap: 'smallest-wins', min_area: 0, background: 'none' }, ctx)
    const grid = randomGrid(prng(1), 2, 2, 4, resizeTransform(9, 9, 2, 2))
    await expect(inst.run({ features: grid, masks: { width: W, height: H, masks: [] } }, createRunContext({ id: '000042', index: 42 })))
      .rejects.toMatchObject({ code: 'PLAF_INPUT_INVALID', diagnostics: [{ frame: '000042', expected: '9×9', actual: '10×8' }] })
  })
})
