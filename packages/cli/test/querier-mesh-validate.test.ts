import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodePly } from '@plaf/core'
import { describe, expect, it } from 'vitest'
import { cli, tempDir, tinyPipeline } from './helpers.js'

// The text querier's `mesh:` names a file read only when the querier is created: `plaf validate`
// checks it (there, a file, readable) at its YAML line, resolved against the file that sets it,
// and `plaf run` refuses it at the same place before anything is written.
const base = tinyPipeline('mesh-check', 1, { extra: ['lifter: { use: backproject }', 'storage3d: { use: index-reference }', 'querier: { use: text, with: { encoder: color-lexicon-text, queries: [red] } }'] })
const overlay = (mesh: string) => `extends: ../base.yaml
stages:
  querier:
    with:
      mesh: ${mesh}
`

function setup(mesh: string): { dir: string; file: string } {
  const dir = tempDir({ 'base.yaml': base })
  mkdirSync(join(dir, 'sub'))
  writeFileSync(join(dir, 'sub', 'over.yaml'), overlay(mesh))
  return { dir, file: join(dir, 'sub', 'over.yaml') }
}

describe('the text querier\'s mesh: at validate time', () => {
  it('a missing mesh fails plaf validate at its line, exit 1', async () => {
    const { dir, file } = setup('./nope.ply')
    const r = await cli('validate', file)
    expect(r.code).toBe(1)
    expect(r.err.split(dir).join('<dir>')).toMatchInlineSnapshot(`
      "<dir>/sub/over.yaml:5:13 error reference mesh <dir>/sub/nope.ply does not exist  PLAF_FILE_NOT_FOUND
         5 |       mesh: ./nope.ply
           |             ^
           give a PLY with vertex x, y, z (e.g. the scene's <scene>_vh_clean_2.ply); a relative path resolves against the pipeline file that sets mesh

      1 error(s), 0 warning(s)
      "
    `)
    const json = JSON.parse((await cli('validate', file, '--json')).err) as Record<string, unknown>[]
    expect(json).toMatchObject([{ code: 'PLAF_FILE_NOT_FOUND', file, line: 5, column: 13, path: 'stages.querier.with.mesh', stage: 'querier', plugin: 'text' }])
  })

  it('plaf run refuses it at the same line, before writing anything', async () => {
    const { dir, file } = setup('./nope.ply')
    const out = join(dir, 'run')
    const r = await cli('run', file, '--out', out, '--progress', 'none', '--set', `runtime.cache_dir=${join(dir, 'cache')}`)
    expect(r.code).toBe(1)
    expect(r.err.split(dir).join('<dir>')).toContain('<dir>/sub/over.yaml:5:13 error reference mesh <dir>/sub/nope.ply does not exist  PLAF_FILE_NOT_FOUND\n   5 |       mesh: ./nope.ply\n')
    expect(existsSync(out)).toBe(false)
  })

  it('a directory is refused as not a PLY file', async () => {
    const { dir, file } = setup('.')
    const r = await cli('validate', file)
    expect(r.code).toBe(1)
    expect(r.err.split(dir).join('<dir>')).toContain('<dir>/sub/over.yaml:5:13 error reference mesh <dir>/sub is a directory, not a PLY file  PLAF_INPUT_INVALID')
  })

  it('a mesh that is there, relative to the overlay that names it, is valid', async () => {
    const { dir, file } = setup('./room.ply')
    writeFileSync(join(dir, 'sub', 'room.ply'), encodePly({ vertexCount: 1, properties: ['x', 'y', 'z'].map((name) => ({ name, type: 'float' as const, data: [0] })) }))
    const r = await cli('validate', file)
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
  })
})
