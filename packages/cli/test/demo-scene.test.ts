import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { GENERATOR_VERSION, SCENE_META_FILE, writeScene } from '@plaf/datasets'
import { staleGeneratedScene } from '../src/commands/demo.js'
import { tempDir } from './helpers.js'

describe('plaf demo regenerates a demo scene an older generator wrote', () => {
  it('names the older generator; says nothing for the current one, a missing scene or a user\'s data', async () => {
    const dir = tempDir({ 'mine/pose/0.txt': '1 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 0 1\n' })
    const scene = join(dir, 'scene')
    await writeScene(scene, { seed: 1, frames: 1, color_width: 64, color_height: 48, depth_width: 32, depth_height: 24 })
    expect(staleGeneratedScene(scene)).toBeNull()
    const file = join(scene, SCENE_META_FILE)
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), generator: GENERATOR_VERSION - 1 }))
    expect(staleGeneratedScene(scene)).toBe(GENERATOR_VERSION - 1)
    expect(staleGeneratedScene(join(dir, 'missing'))).toBeNull()
    expect(staleGeneratedScene(join(dir, 'mine'))).toBeNull()
    writeFileSync(file, '{ not json')
    expect(staleGeneratedScene(scene)).toBeNull()
  })
})
