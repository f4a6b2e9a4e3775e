import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Registry, resolvePipeline, runPipeline, StageCache, type RunReport } from '../../src/index.js'
import { encodeValue } from '../../src/runtime/serialize.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { files } from '../pipeline/helpers.js'

const value = { features: { data: new Float32Array([1, 2, 3]), shape: [3] } }

/** A cache with one entry under `key`, and what get() reported. */
function withEntry(dir: string, key = 'ab'.repeat(32)) {
  const cache = new StageCache(dir, true)
  cache.set(key, value)
  const reports: [string, string][] = []
  const get = () => cache.get(key, (file, reason) => reports.push([file, reason]))
  return { cache, file: cache.path(key), get, reports }
}

describe('stage cache entries carry their length and sha256', () => {
  it('round-trips an entry', () => {
    const { get, reports } = withEntry(files({}))
    expect(get()).toEqual(value)
    expect(reports).toEqual([])
  })

  it('a truncated entry is a miss with the file and why', () => {
    const { file, get, reports } = withEntry(files({}))
    const bytes = readFileSync(file)
    writeFileSync(file, bytes.subarray(0, bytes.length - 5))
    expect(get()).toBeUndefined()
    expect(reports).toEqual([[file, `truncated or padded: ${bytes.length - 48 - 5} payload bytes, the header says ${bytes.length - 48}`]])
  })

  it('an entry whose bytes changed after writing is a miss, even when it still decodes', () => {
    const { file, get, reports } = withEntry(files({}))
    const bytes = readFileSync(file)
    bytes[bytes.length - 1] ^= 0x40 // a bit of the last float: still a valid encoding
    writeFileSync(file, bytes)
    expect(get()).toBeUndefined()
    expect(reports).toEqual([[file, 'its sha256 does not match the header (the bytes changed after writing)']])
  })

  it('an entry of another format (an unframed payload, as older versions wrote) is a miss', () => {
    const { file, get, reports } = withEntry(files({}))
    writeFileSync(file, encodeValue(value))
    expect(get()).toBeUndefined()
    expect(reports[0]![1]).toMatch(/^not a cache entry of this format/)
  })
})

describe('a damaged entry in a run', () => {
  const registry = new Registry(fixturePlugins)
  const pipeline = `name: t
input: { use: flat-frames, with: { frames: 3, size: 8 } }
stages:
  backbone: { use: block-mean, with: { block: 2 } }
  masker: { use: halves }
runtime: { tensor_backend: reference, cache_dir: cache }
output: { dir: out }
`
  it('is recomputed with a PLAF_CACHE_DAMAGED warning naming stage, frame and file, and the outputs are unchanged', async () => {
    const dir = files({ 'p.yaml': pipeline })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
    await runPipeline(r.pipeline!, { cwd: dir })
    const entries = readdirSync(join(dir, 'cache'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.bin')).map((f) => join(dir, 'cache', f))
    expect(entries.length).toBe(6)
    const damaged = entries.map((f) => [f, readFileSync(f)] as const).find(([, b]) => b.length > 100)!
    writeFileSync(damaged[0], damaged[1].subarray(0, 60))
    const again = await runPipeline(r.pipeline!, { cwd: dir })
    const hits = (rep: RunReport) => Object.values(rep.stages).reduce((s, st) => s + st.cache_hits, 0)
    expect(hits(again.report)).toBe(5)
    const notes = again.report.notes.filter((n) => n.code === 'PLAF_CACHE_DAMAGED')
    expect(notes).toEqual([expect.objectContaining({ severity: 'warning', file: damaged[0], message: expect.stringMatching(/^cache entry of stage (backbone \(block-mean\)|masker \(halves\)) for frame 00000\d is damaged, recomputed: truncated or padded/) as unknown })])
    expect(again.report.warnings.PLAF_CACHE_DAMAGED).toBe(1)
    // the entry was rewritten whole: a third run hits everything
    const third = await runPipeline(r.pipeline!, { cwd: dir })
    expect(hits(third.report)).toBe(6)
  })
})
