import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeFileAtomic, writeJsonAtomic } from '../../src/util/atomic.js'

const dir = mkdtempSync(join(tmpdir(), 'plaf-atomic-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('writeFileAtomic', () => {
  it('writes the bytes under the final name and leaves no temporary file, with and without fsync', () => {
    writeFileAtomic(join(dir, 'a.bin'), Uint8Array.from([1, 2, 3]))
    writeFileAtomic(join(dir, 'b.txt'), 'two', { fsync: false })
    writeJsonAtomic(join(dir, 'c.json'), { x: 1 }, { fsync: false })
    writeFileAtomic(join(dir, 'b.txt'), 'three', { fsync: false }) // replaces
    expect(readdirSync(dir).sort()).toEqual(['a.bin', 'b.txt', 'c.json'])
    expect([...readFileSync(join(dir, 'a.bin'))]).toEqual([1, 2, 3])
    expect(readFileSync(join(dir, 'b.txt'), 'utf8')).toBe('three')
    expect(readFileSync(join(dir, 'c.json'), 'utf8')).toBe('{\n  "x": 1\n}\n')
  })
})
