import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PlafError } from '@plaf/core'
import { afterEach, describe, expect, it } from 'vitest'
import { open3D, read2DFrame, writeIndexReferenceMap, writeMaskIndexedFrame, type IndexReferenceOptions } from '../src/index.js'
import { writeBatch } from '../src/files.js'
import { makeMap, makeMemory, tempDir } from './fixtures.js'

let cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups) c()
  cleanups = []
})
const temp = () => {
  const t = tempDir('untrusted')
  cleanups.push(t.cleanup)
  return t.dir
}
const edit = (file: string, change: (j: Record<string, any>) => void) => {
  const j = JSON.parse(readFileSync(file, 'utf8'))
  change(j)
  writeFileSync(file, JSON.stringify(j))
}
const refused = (read: () => unknown) => {
  try {
    read()
  } catch (e) {
    expect(e).toBeInstanceOf(PlafError)
    return (e as PlafError).diagnostics[0]!
  }
  throw new Error('read was not refused')
}

describe('file names read from stored manifests stay inside their directory', () => {
  it('2D: a frame manifest naming ../ or an absolute path is refused, naming the manifest', () => {
    const dir = temp()
    writeBatch((b) => writeMaskIndexedFrame(dir, 'f', makeMemory(8, 8, 4, 3, 1), { feature_dtype: 'float32', ids_format: 'npy', table_format: 'npy' }, b))
    for (const name of ['../outside.npy', '/etc/hostname']) {
      edit(join(dir, 'f.json'), (j) => { j.ids.file = name })
      expect(refused(() => read2DFrame(dir, 'f'))).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: join(dir, 'f.json'), actual: name, message: expect.stringContaining(`names the file "${name}", outside ${dir}`) as unknown })
    }
  })

  it('3D: map.json naming a PLY through a symlink out of the directory is refused', () => {
    const dir = temp()
    const base: IndexReferenceOptions = { feature_dtype: 'float32', pool_format: 'npy', counts: false, refs_codec: 'none', dense_baseline: false, keep_dense_baseline: true }
    writeIndexReferenceMap(dir, makeMap(10, 3, 4), base)
    const outside = join(dir, '..', `outside-${Date.now()}.ply`)
    writeFileSync(outside, 'ply')
    cleanups.push(() => rmSync(outside, { force: true }))
    symlinkSync(outside, join(dir, 'link.ply'))
    edit(join(dir, 'map.json'), (j) => { j.files.ply.name = 'link.ply' })
    expect(refused(() => open3D(dir))).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: join(dir, 'map.json'), message: expect.stringMatching(/names the file "link\.ply", outside .*: it is a symlink to .*outside-\d+\.ply, outside the folder$/) as unknown })
    edit(join(dir, 'map.json'), (j) => { j.files.ply.name = '../../etc/passwd' })
    expect(refused(() => open3D(dir))).toMatchObject({ code: 'PLAF_INPUT_INVALID', message: expect.stringContaining('it has a ".." segment') as unknown })
  })
})
