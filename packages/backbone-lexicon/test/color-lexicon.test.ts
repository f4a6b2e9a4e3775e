import { PlafError, validateOptions } from '@plaf/core'
import { createRunContext, createTestContext, describeStagePlugin } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { colorLexiconBackbone, type ColorLexiconOptions } from '../src/color-lexicon.js'
import { colourEmbedding, termEmbedding } from '../src/embedding.js'
import { DEFAULT_TEMPERATURE, vocabulary } from '../src/vocabulary.js'
import { cosine, makeFrame, rng } from './fixtures.js'

const noise = () => {
  const r = rng(11)
  const data = Array.from({ length: 30 * 40 * 3 }, () => Math.floor(r() * 256))
  return makeFrame(30, 40, (x, y) => data.slice((y * 40 + x) * 3, (y * 40 + x) * 3 + 3))
}

describeStagePlugin(colorLexiconBackbone, [
  { name: 'defaults (512² input, 16 px patches)', inputs: () => ({ frame: noise() }) },
  { name: 'rectangular input, exact assignment', options: { resolution: [32, 48], patch_size: 8, lut_bits: 0 }, inputs: () => ({ frame: noise() }) },
])

async function features(frame: ReturnType<typeof makeFrame>, options: Partial<ColorLexiconOptions> = {}) {
  const opts = validateOptions(colorLexiconBackbone, options)
  expect(opts.errors).toEqual([])
  const inst = await colorLexiconBackbone.create(opts.value as unknown as ColorLexiconOptions, createTestContext({ stage: 'backbone' }))
  const out = await inst.run({ frame }, createRunContext({ id: frame.id, index: 0 }))
  return out.features!
}

const v = vocabulary()
const d = v.entries.length
const entry = (name: string) => v.index.get(name)!

/** The basic term whose text embedding scores highest against a feature row. */
function best(data: Float32Array, at: number): { name: string; score: number } {
  let top = { name: '', score: -Infinity }
  for (let e = 0; e < d; e++) {
    const s = cosine(data, at, termEmbedding(e), 0, d)
    if (s > top.score) top = { name: v.entries[e].name, score: s }
  }
  return top
}

describe('color-lexicon backbone', () => {
  it('gives a uniform red image the highest score for "red", far above every other term', async () => {
    const f = await features(makeFrame(48, 64, () => [255, 0, 0]), { resolution: 64 })
    expect(f.shape).toEqual([4, 4, d])
    for (let c = 0; c < 16; c++) {
      expect(best(f.data, c * d).name).toBe('red')
      expect(cosine(f.data, c * d, termEmbedding(entry('red')), 0, d)).toBeGreaterThan(0.95)
    }
    const score = (n: string) => cosine(f.data, 0, termEmbedding(entry(n)), 0, d)
    expect(Math.max(...['blue', 'green', 'yellow', 'purple', 'grey'].map(score))).toBeLessThan(0.05)
  })

  it('names everyday shades by their category, not only the CSS value of the word', async () => {
    // shades people call red, blue, yellow, green without the CSS value of the word: brick, navy, mustard, forest
    const shades: [string, [number, number, number]][] = [['red', [178, 34, 34]], ['blue', [0, 0, 128]], ['yellow', [230, 200, 40]], ['green', [34, 120, 50]]]
    const frame = makeFrame(16, 64, (x) => shades[Math.floor(x / 16)][1])
    const f = await features(frame, { resolution: [16, 64], patch_size: 16 })
    shades.forEach(([name], i) => expect(best(f.data, i * d).name, name).toBe(name))
  })

  it('matches a uniform patch of a named colour to its text vector, through the 5-bit lattice', async () => {
    const names = ['navy blue', 'brick red', 'teal', 'lavender', 'mustard', 'olive', 'salmon', 'beige', 'black', 'white']
    const frame = makeFrame(8, 8 * names.length, (x) => v.names.get(names[Math.floor(x / 8)].replace(/ /g, ''))!.rgb)
    const f = await features(frame, { resolution: [8, 8 * names.length], patch_size: 8 })
    const exact = await features(frame, { resolution: [8, 8 * names.length], patch_size: 8, lut_bits: 0 })
    names.forEach((n, i) => {
      const text = colourEmbedding(v.names.get(n.replace(/ /g, ''))!.rgb, DEFAULT_TEMPERATURE)
      expect(cosine(exact.data, i * d, text, 0, d), n).toBeGreaterThan(0.99999)
      expect(cosine(f.data, i * d, text, 0, d), n).toBeGreaterThan(0.85) // worst measured: beige 0.88
    })
  })

  it('maps image pixels to the right grid cells on a half red, half blue image', async () => {
    const H = 60
    const W = 100
    const frame = makeFrame(H, W, (x) => (x < 50 ? [255, 0, 0] : [0, 0, 255]))
    const f = await features(frame, { resolution: [32, 64], patch_size: 8 })
    const [gh, gw] = f.shape
    expect([gh, gw]).toEqual([4, 8])
    const t = f.transform
    expect(t).toEqual({ inputSize: [32, 64], imageSize: [H, W], ax: 8 / W, bx: (0.5 * 8) / W - 0.5, ay: 4 / H, by: (0.5 * 4) / H - 0.5 })
    // Every grid cell centre maps back to a pixel of the colour the cell holds.
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++) {
        const x = (gx - t.bx) / t.ax
        const y = (gy - t.by) / t.ay
        expect(y).toBeGreaterThan(0)
        expect(y).toBeLessThan(H)
        expect(best(f.data, (gy * gw + gx) * d).name).toBe(x < 50 ? 'red' : 'blue')
      }
    }
    // And every pixel lands in the cell of its own colour, away from the boundary cell pair.
    for (let x = 0; x < W; x++) {
      const gx = Math.min(gw - 1, Math.max(0, Math.round(t.ax * x + t.bx)))
      if (gx === 3 || gx === 4) continue
      expect(best(f.data, gx * d).name, `pixel x=${x} → cell ${gx}`).toBe(x < 50 ? 'red' : 'blue')
    }
    // The pixel centre at the image's left edge is half a grid cell left of cell 0's centre.
    expect(t.ax * -0.5 + t.bx).toBeCloseTo(-0.5, 12)
    expect(t.ax * (W - 0.5) + t.bx).toBeCloseTo(gw - 0.5, 12)
  })

  it('is deterministic across instances and builds the same space id as the text encoder', async () => {
    const a = await features(noise())
    const b = await features(noise())
    expect(a.data).toEqual(b.data)
    expect(a.space).toBe('color-lexicon/0.3.0')
    expect((await features(noise(), { temperature: 30 })).space).toBe('color-lexicon/0.3.0;t=30')
  })

  it('rejects a resolution that is not a multiple of the patch size', async () => {
    const opts = validateOptions(colorLexiconBackbone, { resolution: [100, 64] }).value as unknown as ColorLexiconOptions
    const err = await colorLexiconBackbone.create(opts, createTestContext({ stage: 'backbone' })).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PlafError)
    expect((err as PlafError).diagnostics[0]).toMatchObject({
      code: 'PLAF_INVALID_OPTION',
      path: 'stages.backbone.with.resolution',
      message: 'resolution 100×64 is not a multiple of patch_size 16',
    })
  })

  it('validates resolution as an integer or a pair', () => {
    expect(validateOptions(colorLexiconBackbone, { resolution: [512, 688] }).ok).toBe(true)
    expect(validateOptions(colorLexiconBackbone, { resolution: [512] }).ok).toBe(false)
    expect(validateOptions(colorLexiconBackbone, { resolution: 51.5 }).ok).toBe(false)
    expect(validateOptions(colorLexiconBackbone, {}).value.resolution).toBe(512)
  })
})
