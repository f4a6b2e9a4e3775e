import { describe, expect, it } from 'vitest'
import { denseBytes, indexedBytes, storageRatio } from '../src/index.js'

describe('storage figures (paper eqs. (4)–(9))', () => {
  it('dense per-pixel storage of a 480×640 frame at D = 1152 fp32 is the 1.42 GB the official code holds', () => {
    expect(denseBytes(480 * 640, 1152, 4)).toBe(1_415_577_600)
    expect(denseBytes(480 * 640, 1152, 2)).toBe(707_788_800)
  })
  it('mask-indexed: uint16 ids plus one row per mask; the ratio follows eq. (6)', () => {
    const ours = indexedBytes(480 * 640, 2, 101, 1152, 4)
    expect(ours).toBe(614_400 + 465_408)
    const ratio = storageRatio(ours, denseBytes(480 * 640, 1152, 4))!
    // eq. (6): r/(D·b) + K/(H·W)
    expect(ratio).toBeCloseTo(2 / (1152 * 4) + 101 / (480 * 640), 12)
  })
  it('index-reference: M·D·b + N·r over N·D·b, and no ratio against an empty dense size', () => {
    expect(indexedBytes(1_000_000, 4, 5000, 1152, 2)).toBe(5000 * 1152 * 2 + 4_000_000)
    expect(storageRatio(10, 0)).toBeNull()
  })
})
