import fc from 'fast-check'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { PlafError } from '@plaf/core'
import { FUZZ_RUNS, fuzzParams, mutatePng } from '@plaf/core/testing'
import { pngEditArb } from '../../../../test/support/fuzz-edits.js'
import { decodeColorBytes, decodeDepthPngBytes } from '../../src/frames/images.js'

/**
 * Mutated PNGs (signature, IHDR, chunk lengths, compressed data; CRCs left broken or rewritten so
 * libpng looks past them) through the readers' decoders: every file ends in an image or a
 * PLAF_INPUT_INVALID naming the file and frame, never another exception, a hang or an allocation
 * sized by a forged header.
 */
const FILE = '/scene/frame-000000.color.png'
const bases: Buffer[] = []
beforeAll(async () => {
  const rgb = Buffer.from(Array.from({ length: 8 * 6 * 3 }, (_, i) => (i * 37) % 256))
  bases.push(await sharp(rgb, { raw: { width: 8, height: 6, channels: 3 } }).png().toBuffer())
  bases.push(await sharp(Buffer.concat([rgb, rgb.subarray(0, 48)]), { raw: { width: 8, height: 6, channels: 4 } }).png({ palette: true }).toBuffer())
  const depth = Buffer.from(Uint16Array.from({ length: 12 }, (_, i) => 500 + i * 250).buffer)
  bases.push(await sharp(depth, { raw: { width: 4, height: 3, channels: 1 } }).toColourspace('grey16').png().toBuffer())
  bases.push(await sharp(rgb, { raw: { width: 8, height: 6, channels: 3 } }).png({ progressive: true }).toBuffer())
})

const mutatedArb = (): fc.Arbitrary<Buffer> => fc.tuple(fc.nat({ max: 1000 }), fc.array(pngEditArb, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.boolean())
  .map(([i, edits, header, fixCrc]) => { const b = bases[i % bases.length]; return Buffer.from(mutatePng(b, edits, header ? 41 : b.length, fixCrc)) })

async function decodesOrRefuses(decode: () => Promise<unknown>): Promise<void> {
  try {
    await decode()
  } catch (e) {
    if (!(e instanceof PlafError)) throw new Error(`not a PlafError: ${(e as Error)?.stack ?? String(e)}`)
    for (const d of e.diagnostics) expect(d).toMatchObject({ code: 'PLAF_INPUT_INVALID', severity: 'error', file: FILE, frame: '000000' })
  }
}

describe(`fuzzing the readers' PNG decoding (${FUZZ_RUNS} mutated files each; PLAF_FUZZ_RUNS for more)`, () => {
  it('colour PNGs (RGB, palette, interlaced, 16-bit grey)', async () => {
    await fc.assert(fc.asyncProperty(mutatedArb(), (b) => decodesOrRefuses(() => decodeColorBytes(b, FILE, '000000'))), fuzzParams())
  }, 300_000)

  it('16-bit depth PNGs', async () => {
    await fc.assert(fc.asyncProperty(mutatedArb(), (b) => decodesOrRefuses(() => decodeDepthPngBytes(b, FILE, '000000', 1000))), fuzzParams())
  }, 300_000)
})
