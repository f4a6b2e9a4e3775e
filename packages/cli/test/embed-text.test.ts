import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { clearTextEmbeddingMemory, decodeNpy } from '@plaf/core'
import { serveHub } from '@plaf/core/testing'
import { writeClipTextContractModel } from '@plaf/backbone-clip/testing'
import { writeSiglipTextContractModel } from '@plaf/backbone-radio/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { cli, tempDir } from './helpers.js'

let home = ''
beforeEach(() => {
  home = tempDir()
  vi.stubEnv('PLAF_HOME', home)
  vi.stubEnv('PLAF_HUB', '')
  vi.stubEnv('PLAF_OFFLINE', '')
  writeSiglipTextContractModel(join(home, 'models', 'siglip-so400m-text@1.0.0'))
  writeClipTextContractModel(join(home, 'models', 'clip-vit-b-16-text@1.0.0'))
  clearTextEmbeddingMemory()
})
afterEach(() => void vi.unstubAllEnvs())

describe('plaf embed-text', () => {
  it('prints text, norm and first values per text', async () => {
    const r = await cli('embed-text', '--encoder', 'siglip-text', 'a chair', 'a red lamp')
    expect(r.code).toBe(0)
    const lines = r.out.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^siglip-text: 2 texts → 2×1152 in space siglip-so400m-patch14-384 \(\d+ ms\)$/)
    expect(lines.slice(1).map((l) => l.replace(/\[.*\]/, '[…]'))).toEqual(['  "a chair"     1.000  […]', '  "a red lamp"  1.000  […]'])
    expect(lines[1]).toMatch(/\[ ?-?\d\.\d{4}, ( |-)\d\.\d{4}, ( |-)\d\.\d{4}, ( |-)\d\.\d{4}, …\]$/)
  })
  it('--out writes an N×D float32 .npy equal to the --json embeddings, and the cache fills PLAF_HOME', async () => {
    const dir = tempDir()
    const r = await cli('embed-text', '--encoder', 'clip-text', '--out', join(dir, 'e.npy'), 'a chair', 'a lamp', 'a door')
    expect(r.code).toBe(0)
    expect(r.out).toBe(`wrote ${join(dir, 'e.npy')}: 3×512 float32, space openai-clip-vit-b-16\n`)
    const npy = decodeNpy(readFileSync(join(dir, 'e.npy')))
    expect([npy.dtype, npy.shape]).toEqual(['<f4', [3, 512]])
    const j = await cli('embed-text', '--encoder', 'clip-text', '--json', 'a chair', 'a lamp', 'a door')
    const parsed = JSON.parse(j.out) as { space: string; shape: number[]; embeddings: number[][] }
    expect([parsed.space, parsed.shape]).toEqual(['openai-clip-vit-b-16', [3, 512]])
    expect(Array.from(npy.data as Float32Array)).toEqual(parsed.embeddings.flat())
    expect(readdirSync(join(home, 'cache', 'text-embeddings'))).toHaveLength(1)
  })
  it('--templates averages over prompts (another vector than the bare text)', async () => {
    const bare = JSON.parse((await cli('embed-text', '--encoder', 'siglip-text', '--json', 'sofa')).out) as { embeddings: number[][] }
    const r = await cli('embed-text', '--encoder', 'siglip-text', '--json', '--templates', 'a photo of a {}.', '--templates', 'a picture of the {}', 'sofa')
    expect(r.code).toBe(0)
    const t = JSON.parse(r.out) as { embeddings: number[][] }
    const cos = t.embeddings[0]!.reduce((s, x, i) => s + x * bare.embeddings[0]![i]!, 0)
    expect(cos).toBeLessThan(0.9999)
    expect(cos).toBeGreaterThan(0)
  })
  it('works for an encoder without a model (color-lexicon-text)', async () => {
    const r = await cli('embed-text', '--encoder', 'color-lexicon-text', 'red', 'dark green')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^color-lexicon-text: 2 texts → 2×\d+ in space color-lexicon/)
  })
  it('pulls a missing model from --hub', async () => {
    const hubRoot = tempDir()
    writeSiglipTextContractModel(join(hubRoot, 'siglip-hub-text'), { name: 'siglip-hub-text' })
    const hub = await serveHub(hubRoot)
    try {
      const r = await cli('embed-text', '--encoder', 'siglip-text', '--model', 'siglip-hub-text', '--hub', hub.url, 'a chair')
      expect(r.code).toBe(0)
      expect(r.out).toContain('1×1152')
    } finally {
      await hub.close()
    }
  })
})

describe('plaf embed-text errors (exit 1)', () => {
  it('an unknown encoder, pointing at the flag with the closest name', async () => {
    const r = await cli('embed-text', '--encoder', 'siglip-txt', 'a chair')
    expect(r.code).toBe(1)
    expect(r.err).toMatchInlineSnapshot(`
      "--encoder siglip-txt error no text-encoder plugin named "siglip-txt"  PLAF_UNKNOWN_PLUGIN
           | --encoder siglip-txt
           |           ^
           expected a text encoder: clip-text, color-lexicon-text, siglip-text; got siglip-txt; did you mean "siglip-text"?
      "
    `)
  })
  it('a model not in the store and no hub', async () => {
    const r = await cli('embed-text', '--encoder', 'siglip-text', '--model', 'siglip-nope', 'a chair')
    expect(r.code).toBe(1)
    expect(r.err).toContain('PLAF_MODEL_MISSING')
    expect(r.err).toContain('model "siglip-nope" is not in the model store')
  })
  it('an option the encoder does not have, and a bad template', async () => {
    const a = await cli('embed-text', '--encoder', 'color-lexicon-text', '--model', 'x', 'red')
    expect(a.code).toBe(1)
    expect(a.err).toContain('PLAF_UNKNOWN_OPTION')
    const b = await cli('embed-text', '--encoder', 'siglip-text', '--templates', 'a photo', 'chair')
    expect(b.code).toBe(1)
    expect(b.err).toContain('PLAF_INVALID_OPTION')
  })
  it('no text', async () => {
    const r = await cli('embed-text', '--encoder', 'siglip-text')
    expect(r.code).toBe(1)
    expect(r.err).toContain('plaf embed-text needs at least one text')
  })
})
