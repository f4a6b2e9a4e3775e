import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readQueryScores } from '../../src/runtime/query-scores.js'
import { tempDir, type TempDir } from '../../src/testing/index.js'

const dirs: TempDir[] = []
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()))

function write(v: unknown): string {
  const t = tempDir('query-scores')
  dirs.push(t)
  writeFileSync(join(t.dir, 'scores.json'), JSON.stringify(v))
  return t.dir
}

const query = { text: 'red', frames_2d: { masks: 3, masks_above_threshold: 1, pixels: 12, pixels_above_threshold: 4, best: null }, map: null }

describe('readQueryScores', () => {
  it('accepts a numeric threshold, or auto with a mode', () => {
    expect(readQueryScores(write({ threshold: 0.5, frames: 1, timings_ms: {}, queries: [query] }), ['red'], 'text').threshold).toBe(0.5)
    const auto = readQueryScores(write({ threshold: 'auto', mode: 'relevancy', frames: 1, timings_ms: {}, queries: [query] }), ['red'], 'text')
    expect(auto).toMatchObject({ threshold: 'auto', mode: 'relevancy' })
  })

  it('refuses another threshold string or a mode that is not a string, naming the plugin and file', () => {
    const bad = write({ threshold: 'high', frames: 1, timings_ms: {}, queries: [query] })
    expect(() => readQueryScores(bad, ['red'], 'text')).toThrow(/querier "text" wrote .*scores\.json, but threshold must be a number or "auto"/)
    const mode = write({ threshold: 0.5, mode: 3, frames: 1, timings_ms: {}, queries: [query] })
    expect(() => readQueryScores(mode, ['red'], 'text')).toThrow(/but mode must be a string/)
  })
})
