import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateScene } from '../src/generate-scene.js'
import { buildSceneMeta, readSceneMeta, sceneObjects } from '../src/scene-meta.js'
import { diagnosticOf, tempRoot } from './fixtures.js'

const tmp = tempRoot()
afterAll(() => tmp.cleanup())

describe('scene sidecar', () => {
  it('describes every primitive with its raw category, ids, colour and box', () => {
    const meta = buildSceneMeta(generateScene({ seed: 2, objects: 3 }), 'scene0001_00', { vertices: 1, faces: 1, spacing: 0.05 })
    expect(meta.primitives.map((p) => p.kind)).toEqual(['floor', 'ceiling', 'wall', 'wall', 'wall', 'wall', 'object', 'object', 'object'])
    expect(meta.primitives[0]).toMatchObject({ name: 'floor', rawCategory: 'floor', labelId: 3, nyu40id: 2, instanceId: 1, colour: 'grey' })
    expect(meta.primitives[1]).toMatchObject({ rawCategory: 'ceiling', labelId: 41, nyu40id: 22 })
    expect(meta.primitives[2]).toMatchObject({ rawCategory: 'wall', labelId: 1, nyu40id: 1, halfExtents: [0, 2.5, 1.4] })
    expect(sceneObjects(meta).map((o) => o.instanceId)).toEqual([7, 8, 9])
    expect(JSON.parse(JSON.stringify(meta))).toEqual(meta)
  })

  it('reading a missing or foreign sidecar gives PLAF_FILE_NOT_FOUND / PLAF_INPUT_INVALID with the file', async () => {
    const dir = join(tmp.root, 's')
    mkdirSync(dir)
    const file = join(dir, 'plaf-scene.json')
    expect(await diagnosticOf(() => readSceneMeta(dir))).toMatchObject({ code: 'PLAF_FILE_NOT_FOUND', file })
    writeFileSync(file, '{ nope')
    expect(await diagnosticOf(() => readSceneMeta(dir))).toMatchObject({ code: 'PLAF_INPUT_INVALID', file, message: `${file}: not valid JSON` })
    writeFileSync(file, '{"format": "something-else"}')
    expect(await diagnosticOf(() => readSceneMeta(dir))).toMatchObject({ code: 'PLAF_INPUT_INVALID', file })
  })
})
