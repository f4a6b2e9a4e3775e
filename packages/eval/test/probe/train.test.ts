import { existsSync } from 'node:fs'
import { createReferenceBackend, mulberry32 } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { TrainingSet, imageRows, trainProbe } from '../../src/probe/index.js'

/** Four images of random ids, labels and a random feature table each. */
function fill(set: TrainingSet, seed: number): void {
  const rng = mulberry32(seed)
  const d = set.d, h = 9, w = 13, k = 5
  for (let im = 0; im < 4; im++) {
    const ids = Uint16Array.from({ length: h * w }, () => Math.floor(rng() * (k + 1)))
    const labels = Uint8Array.from({ length: h * w }, () => Math.floor(rng() * 6) * 20)
    const table = Float32Array.from({ length: (k + 1) * d }, () => rng())
    set.add(imageRows(ids, [h, w], labels, [h, w]), table, d, `image ${im}`)
  }
}

describe('TrainingSet', () => {
  it('past maxValues moves the rows to a file, and training reads them back to the same head bit for bit', async () => {
    const inMemory = new TrainingSet(3, 1e9)
    const spilled = new TrainingSet(3, 40)
    fill(inMemory, 2)
    fill(spilled, 2)
    expect(inMemory.stored).toBe('memory')
    expect(spilled.stored).toMatch(/rows\.f32$/)
    expect(existsSync(spilled.stored)).toBe(true)
    expect(spilled.values).toBe(inMemory.values)
    for (let k = 0; k < 4; k++) expect(spilled.features(k)).toEqual(inMemory.features(k))
    const tensor = createReferenceBackend()
    const o = { epochs: 3, batchImages: 3, lr: 0.01, weightDecay: 0, seed: 4 }
    const a = await trainProbe(inMemory, tensor, o)
    const b = await trainProbe(spilled, tensor, o)
    expect(b.steps).toBe(6)
    expect(b.epochLoss).toEqual(a.epochLoss)
    expect(b.head.weight).toEqual(a.head.weight)
    const file = spilled.stored
    spilled.dispose()
    expect(existsSync(file)).toBe(false)
  })

  it('refuses features of another dimension', () => {
    const set = new TrainingSet(3, 1e9)
    expect(() => set.add(imageRows(new Uint16Array(4), [2, 2], new Uint8Array(4).fill(1), [2, 2]), new Float32Array(4), 4, 'ADE_train_00000002.jpg'))
      .toThrow('ADE_train_00000002.jpg: features have D = 4, earlier images D = 3')
  })
})
