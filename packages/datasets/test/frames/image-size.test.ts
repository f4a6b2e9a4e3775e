import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { encodePng } from '@plaf/core'
import { readImageHeaderSize } from '../../src/frames/image-size.js'
import { tempRoot } from '../fixtures.js'

const tmp = tempRoot('image-size')
afterAll(() => tmp.cleanup())
let n = 0

function file(bytes: Uint8Array): string {
  const f = join(tmp.root, `img-${n++}`)
  writeFileSync(f, bytes)
  return f
}

const image = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#4080c0' } })

describe('readImageHeaderSize: the size a header states, without decoding', () => {
  it('16-bit and 8-bit PNGs', () => {
    expect(readImageHeaderSize(file(encodePng({ width: 37, height: 5, channels: 1, depth: 16, data: new Uint16Array(37 * 5) })))).toEqual({ format: 'png', width: 37, height: 5 })
    expect(readImageHeaderSize(file(encodePng({ width: 3, height: 1000, channels: 3, data: new Uint8Array(9000) })))).toEqual({ format: 'png', width: 3, height: 1000 })
  })

  it('baseline and progressive JPEGs, and one whose start-of-frame lies 80 kB in', async () => {
    expect(readImageHeaderSize(file(await image(1296, 968).jpeg().toBuffer()))).toEqual({ format: 'jpeg', width: 1296, height: 968 })
    expect(readImageHeaderSize(file(await image(641, 479).jpeg({ progressive: true }).toBuffer()))).toEqual({ format: 'jpeg', width: 641, height: 479 })
    // Two 40 kB APP2 segments (as ICC profiles are stored) between SOI and the rest: the frame header is far past the first read.
    const small = await image(33, 17).jpeg().toBuffer()
    const app = Buffer.alloc(40_000, 0x55)
    app.set([0xff, 0xe2, (39_998 >> 8) & 0xff, 39_998 & 0xff])
    const big = Buffer.concat([small.subarray(0, 2), app, app, small.subarray(2)])
    expect(big.indexOf(Buffer.from([0xff, 0xc0]))).toBeGreaterThan(80_000)
    expect((await sharp(big).metadata()).width).toBe(33)
    expect(readImageHeaderSize(file(big))).toEqual({ format: 'jpeg', width: 33, height: 17 })
  })

  it('agrees with the decoder on what sharp writes', async () => {
    for (const [w, h] of [[1, 1], [2, 3], [640, 480], [1296, 700]]) {
      const meta = await sharp(await image(w, h).jpeg().toBuffer()).metadata()
      expect(readImageHeaderSize(file(await image(w, h).jpeg().toBuffer()))).toMatchObject({ width: meta.width, height: meta.height })
    }
  })

  it('undefined for what is not a PNG or JPEG, or whose header is cut; the decoder names those', async () => {
    const jpeg = await image(20, 10).jpeg().toBuffer()
    const png = encodePng({ width: 4, height: 4, channels: 1, data: new Uint8Array(16) })
    expect(readImageHeaderSize(file(Buffer.from('not an image at all')))).toBeUndefined()
    expect(readImageHeaderSize(file(new Uint8Array(0)))).toBeUndefined()
    expect(readImageHeaderSize(file(png.subarray(0, 20)))).toBeUndefined()
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]))
    expect(readImageHeaderSize(file(jpeg.subarray(0, sof + 4)))).toBeUndefined()
    expect(readImageHeaderSize(file(jpeg.subarray(0, sof + 9)))).toEqual({ format: 'jpeg', width: 20, height: 10 })
  })

  it('a file that does not exist throws the file system error', () => {
    expect(() => readImageHeaderSize(join(tmp.root, 'nope.png'))).toThrow(/ENOENT/)
  })
})
