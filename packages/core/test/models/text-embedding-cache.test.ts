import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { TextEmbeddingCache, clearTextEmbeddingMemory } from '../../src/models/text-embedding-cache.js'
import { tempDir } from '../../src/testing/temp.js'

const tmp = tempDir('text-cache')
afterAll(() => tmp.cleanup())
beforeEach(() => clearTextEmbeddingMemory())
const v = (...x: number[]) => Float32Array.from(x)

describe('TextEmbeddingCache', () => {
  it('disk: memory first, then one float32 file per prompt under <root>/<model sha256>/', () => {
    const root = join(tmp.dir, 'a')
    const c = new TextEmbeddingCache('disk', 'sha-a', 3, root)
    expect(c.get('a chair')).toBeUndefined()
    c.set('a chair', v(1, 2, 3))
    expect(Array.from(c.get('a chair')!)).toEqual([1, 2, 3])
    expect(readdirSync(join(root, 'sha-a'))).toHaveLength(1)
    clearTextEmbeddingMemory()
    const again = new TextEmbeddingCache('disk', 'sha-a', 3, root)
    expect(Array.from(again.get('a chair')!)).toEqual([1, 2, 3])
    expect([again.hits, again.misses, c.hits, c.misses]).toEqual([1, 0, 1, 1])
  })
  it('keys on the model hash and the exact prompt', () => {
    const root = join(tmp.dir, 'b')
    new TextEmbeddingCache('disk', 'sha-a', 2, root).set('chair', v(1, 0))
    expect(new TextEmbeddingCache('disk', 'sha-b', 2, root).get('chair')).toBeUndefined()
    expect(new TextEmbeddingCache('disk', 'sha-a', 2, root).get('chair ')).toBeUndefined()
  })
  it('ignores a file of the wrong length (a torn write, another D) and rewrites it', () => {
    const root = join(tmp.dir, 'c')
    const c = new TextEmbeddingCache('disk', 'sha-a', 4, root)
    c.set('lamp', v(1, 2, 3, 4))
    clearTextEmbeddingMemory()
    const [file] = readdirSync(join(root, 'sha-a'))
    writeFileSync(join(root, 'sha-a', file!), new Uint8Array(6))
    expect(c.get('lamp')).toBeUndefined()
    c.set('lamp', v(4, 3, 2, 1))
    clearTextEmbeddingMemory()
    expect(Array.from(c.get('lamp')!)).toEqual([4, 3, 2, 1])
  })
  it('memory writes no file; off keeps nothing; a stored vector is a copy', () => {
    const root = join(tmp.dir, 'd')
    const m = new TextEmbeddingCache('memory', 'sha-a', 2, root)
    const x = v(1, 2)
    m.set('bed', x)
    x[0] = 9
    expect(Array.from(m.get('bed')!)).toEqual([1, 2])
    expect(() => readdirSync(root)).toThrow()
    const o = new TextEmbeddingCache('off', 'sha-a', 2, root)
    o.set('bed', v(1, 2))
    expect(o.get('bed')).toBeUndefined()
    expect([o.hits, o.misses]).toEqual([0, 0])
  })
  it('the memory level drops the oldest entry past 20 000', () => {
    const m = new TextEmbeddingCache('memory', 'sha-a', 1, tmp.dir)
    for (let i = 0; i <= 20_000; i++) m.set(`t${i}`, v(i))
    expect(m.get('t0')).toBeUndefined()
    expect(Array.from(m.get('t1')!)).toEqual([1])
    expect(Array.from(m.get('t20000')!)).toEqual([20_000])
  })
})
