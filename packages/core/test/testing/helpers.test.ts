import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import type { FeatureGrid, Mask } from '../../src/ports.js'
import { denseMaskMeanOracle, maxAbsDiff, mulberry32, naiveUpsample, tempDir } from '../../src/testing/index.js'
import { mulberry32 as coreMulberry32 } from '../../src/util/random.js'

describe('maxAbsDiff', () => {
  it('is the largest absolute difference, Infinity with a NaN, and refuses different lengths', () => {
    expect(maxAbsDiff([1, 2, 3], Float32Array.of(1, 2.5, 1))).toBe(2)
    expect(maxAbsDiff([], [])).toBe(0)
    expect(maxAbsDiff([0, NaN, 0], [0, 0, 5])).toBe(Infinity)
    expect(maxAbsDiff([NaN], [NaN])).toBe(Infinity)
    expect(() => maxAbsDiff([1, 2], [1])).toThrow(/lengths differ: 2 vs 1/)
  })
})

describe('tempDir', () => {
  it('makes plaf-<name>-XXXXXX with the given files (parents created) and deletes it on cleanup', () => {
    const t = tempDir('helpers', { 'a.txt': 'A', 'sub/dir/b.bin': Uint8Array.of(1, 2) })
    expect(t.dir).toMatch(/[/\\]plaf-helpers-[^/\\]+$/)
    expect(readFileSync(t.path('a.txt'), 'utf8')).toBe('A')
    expect(Array.from(readFileSync(join(t.dir, 'sub/dir/b.bin')))).toEqual([1, 2])
    t.cleanup()
    expect(existsSync(t.dir)).toBe(false)
    t.cleanup() // twice is harmless
  })

  it('deletes what was not cleaned up when the process exits', () => {
    // temp.ts imports Node built-ins only: transpiled, it runs in a plain node process.
    const src = fileURLToPath(new URL('../../src/testing/temp.ts', import.meta.url))
    const t = tempDir('helpers-exit')
    try {
      const mod = t.path('temp.mjs')
      writeFileSync(mod, ts.transpileModule(readFileSync(src, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText)
      const program = `const { tempDir } = await import(${JSON.stringify(pathToFileURL(mod).href)}); const d = tempDir('left', { 'x.txt': 'x' }); console.log(d.dir)`
      const left = execFileSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8' }).trim()
      expect(left).toMatch(/plaf-left-/)
      expect(existsSync(left)).toBe(false)
    } finally {
      t.cleanup()
    }
  })
})

describe('mulberry32', () => {
  it('is core’s generator', () => {
    expect(mulberry32).toBe(coreMulberry32)
  })
})

describe('the dense mask-mean oracle', () => {
  const grid = (data: number[], h: number, w: number, d: number, t = { ax: 1, bx: 0, ay: 1, by: 0 }): FeatureGrid => ({
    data: Float32Array.from(data),
    shape: [h, w, d],
    transform: { inputSize: [h, w], imageSize: [h, w], ...t },
    space: 's',
  })
  const mask = (bbox: [number, number, number, number], bits: number[]): Mask => ({ bbox, area: bits.filter(Boolean).length, bitmap: Uint8Array.from(bits), predictedIou: 1, stabilityScore: 1 })

  it('upsamples torch-style: half-pixel centres, clamped at both ends', () => {
    // 1×2 grid to 4 pixels wide: gx = 0.5x − 0.25 → −0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
    const up = naiveUpsample(grid([0, 8], 1, 2, 1, { ax: 0.5, bx: -0.25, ay: 1, by: 0 }), 1, 4)
    expect(Array.from(up)).toEqual([0, 2, 6, 8])
  })

  it('normalises pixels, then each mask’s mean; paints larger masks first; empty masks get a zero row', () => {
    // Pixels (0,0) = (3, 4)/5 → (0.6, 0.8) and (1,0) = (0, 2) → (0, 1).
    const g = grid([3, 4, 0, 2], 1, 2, 2)
    const whole = mask([0, 0, 2, 1], [1, 1])
    const right = mask([1, 0, 1, 1], [1])
    const empty = mask([0, 0, 0, 0], [])
    const r = denseMaskMeanOracle(g, { width: 2, height: 1, masks: [right, empty, whole] })
    expect(r.rows).toBe(4)
    expect(Array.from(r.ids)).toEqual([1, 2]) // whole (area 2) is row 1, right (area 1) row 2 paints over it
    const mean = [0.3, 0.9]
    const n = Math.hypot(...mean)
    expect(maxAbsDiff(r.features, [0, 0, mean[0] / n, mean[1] / n, 0, 1, 0, 0])).toBeLessThan(1e-15)
  })
})
