import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { PlafError, readSceneList } from '../../src/index.js'

const root = mkdtempSync(join(tmpdir(), 'plaf-scene-list-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
for (const d of ['a/scene0000_00', 'b/scene0000_00', 'scene0001_00']) mkdirSync(join(root, d), { recursive: true })

function diagnostics(file: string): unknown[] {
  try {
    readSceneList(file)
  } catch (e) {
    if (e instanceof PlafError) return e.diagnostics.map(({ code, message, file: f, line, column }) => ({ code, message, file: f, line, column }))
    throw e
  }
  return []
}

describe('readSceneList (plaf run --scenes, plaf eval scannet --scenes)', () => {
  it('reads folders relative to the list, skipping blank lines and # comments', () => {
    const list = join(root, 'ok.txt')
    writeFileSync(list, '# scenes\na/scene0000_00  # first\n\nscene0001_00\n')
    expect(readSceneList(list)).toEqual([
      { dir: join(root, 'a/scene0000_00'), name: 'scene0000_00', file: list, line: 2 },
      { dir: join(root, 'scene0001_00'), name: 'scene0001_00', file: list, line: 4 },
    ])
  })

  it('names each missing folder and each scene name listed twice at its line; an empty or missing list is an error', () => {
    const list = join(root, 'bad.txt')
    writeFileSync(list, 'a/scene0000_00\nnope\n  b/scene0000_00\n')
    expect(diagnostics(list)).toEqual([
      { code: 'PLAF_INPUT_INVALID', message: `scene nope does not exist (${join(root, 'nope')})`, file: list, line: 2, column: 1 },
      { code: 'PLAF_INPUT_INVALID', message: 'scene scene0000_00 is listed twice (first on line 1)', file: list, line: 3, column: 3 },
    ])
    const empty = join(root, 'empty.txt')
    writeFileSync(empty, '# nothing\n\n')
    expect(diagnostics(empty)).toEqual([{ code: 'PLAF_INPUT_INVALID', message: `scene list ${empty} lists no scene`, file: empty, line: undefined, column: undefined }])
    expect(diagnostics(join(root, 'none.txt'))).toEqual([{ code: 'PLAF_FILE_NOT_FOUND', message: `scene list ${join(root, 'none.txt')} does not exist`, file: join(root, 'none.txt'), line: undefined, column: undefined }])
  })
})
