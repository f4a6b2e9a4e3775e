import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, tempDir } from './helpers.js'

const small = `name: small
input: { use: synthetic-room, with: { frames: 2, color_width: 160, color_height: 120, depth_width: 80, depth_height: 60 } }
stages:
  backbone: { use: color-lexicon, with: { resolution: 64 } }
  masker: { use: grid, with: { cell_size: 40 } }
  aggregator: { use: mask-mean }
  storage2d: { use: mask-indexed }
`
const missingScene = small.replace(/input: .*\n/, 'input: { use: scannet, with: { scene: ./missing-scene } }\n')

describe('plaf run: what a failed run leaves behind', () => {
  it('leaves no run directory when the input fails before the first frame', async () => {
    const dir = tempDir({ 'p.yaml': missingScene })
    const r = await cli('run', join(dir, 'p.yaml'), '--out', join(dir, 'runs', 'small'), '--progress', 'none')
    expect(r.code).toBe(1)
    expect(r.err).toContain('PLAF_FILE_NOT_FOUND')
    expect(existsSync(join(dir, 'runs'))).toBe(false)
  })

  it('keeps an --out directory that existed before the run', async () => {
    const dir = tempDir({ 'p.yaml': missingScene })
    mkdirSync(join(dir, 'out'))
    const r = await cli('run', join(dir, 'p.yaml'), '--out', join(dir, 'out'), '--progress', 'none')
    expect(r.code).toBe(1)
    expect(existsSync(join(dir, 'out'))).toBe(true)
    expect(readdirSync(join(dir, 'out'))).not.toContain('report.json')
  })
})
